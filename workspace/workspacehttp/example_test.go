package workspacehttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

func Example() {
	st := memstore.New()
	authz, _ := rbac.New(st)
	svc := workspace.NewService(st, authz, workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 10}})
	_, sales, _ := svc.CreateAccount(context.Background(), workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})

	login := func(r *http.Request) (workspace.UserID, error) { // the host's own login
		if u := r.Header.Get("X-User"); u != "" {
			return workspace.UserID(u), nil
		}
		return "", workspacehttp.ErrUnauthenticated
	}
	mw := workspacehttp.New(svc, login, workspacehttp.FromPath("ws"))
	mux := http.NewServeMux()
	mux.Handle("DELETE /w/{ws}/agents/{id}", mw.Handler(workspacehttp.Require(authz, rbac.ResourceAgents, rbac.ActionDelete,
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sc, _ := workspace.ScopeFrom(r.Context())
			fmt.Fprintf(w, "deleted in Sales: %t, as %s", sc.WorkspaceID == sales.ID, sc.Role)
		}))))

	for _, user := range []string{"alice", "mallory"} {
		req := httptest.NewRequest("DELETE", "/w/"+sales.ID.String()+"/agents/7", nil)
		req.Header.Set("X-User", user)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(user, rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// alice 200 text/plain; charset=utf-8
	// mallory 404 application/problem+json
}
