package workspacehttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// A real key through the middleware: it acts in its own workspace with its
// role, never in another whatever the request names, and is refused the
// moment it is revoked.
func TestBearerKeysThroughTheMiddleware(t *testing.T) {
	ctx := context.Background()
	k, err := kit.New(memstore.New(), workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 5, MaxAPIKeys: 5}})
	require.NoError(t, err)
	_, sales, err := k.Workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	alice, _, err := k.Workspaces.Enter(ctx, "alice", sales.ID)
	require.NoError(t, err)
	support, err := k.Workspaces.Create(alice, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	key, secret, err := k.Keys.Create(alice, apikey.NewKey{Name: "bot", Role: workspace.RoleMember})
	require.NoError(t, err)

	mw := workspacehttp.New(k.Workspaces, byHeader, workspacehttp.First(workspacehttp.FromPath("ws"), workspacehttp.FromHeader("X-Workspace-ID")),
		workspacehttp.WithAPIKeys(k.Keys))
	mux := http.NewServeMux()
	create := workspacehttp.Require(k.Authz, rbac.ResourceAgents, rbac.ActionCreate, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc, _ := workspace.ScopeFrom(r.Context())
		fmt.Fprintf(w, "%s in %s", sc.UserID, sc.WorkspaceID)
	}))
	del := workspacehttp.Require(k.Authz, rbac.ResourceAgents, rbac.ActionDelete, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	mux.Handle("POST /w/{ws}/agents", mw.Handler(create))
	mux.Handle("POST /agents", mw.Handler(create))
	mux.Handle("DELETE /w/{ws}/agents", mw.Handler(del))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	send := func(method, path, auth string, hdr ...string) (int, string) {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b [512]byte
		n, _ := resp.Body.Read(b[:])
		return resp.StatusCode, string(b[:n])
	}
	want := fmt.Sprintf("%s in %s", workspace.KeyUser(key.ID), sales.ID)
	code, body := send("POST", "/w/"+sales.ID.String()+"/agents", "Bearer "+secret)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, want, body)
	code, body = send("POST", "/agents", "bearer "+secret) // no workspace named: the key's own
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, want, body)
	code, _ = send("DELETE", "/w/"+sales.ID.String()+"/agents", "Bearer "+secret)
	require.Equal(t, http.StatusForbidden, code, "a member key may not delete")

	// Another workspace, named by the path or a header, is 404 like one
	// the caller cannot see.
	code, foreign := send("POST", "/w/"+support.ID.String()+"/agents", "Bearer "+secret)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = send("POST", "/agents", "Bearer "+secret, "X-Workspace-ID", support.ID.String())
	require.Equal(t, http.StatusNotFound, code)
	code, unknown := send("POST", "/w/"+workspace.NewID().String()+"/agents", "Bearer "+secret)
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, unknown, foreign)

	require.NoError(t, k.Keys.Revoke(alice, key.ID))
	code, body = send("POST", "/w/"+sales.ID.String()+"/agents", "Bearer "+secret)
	require.Equal(t, http.StatusUnauthorized, code)
	require.Contains(t, body, "api-key-revoked")
	code, body = send("POST", "/agents", "Bearer wsk_nonsense", "X-User", "alice")
	require.Equal(t, http.StatusUnauthorized, code, "a bad key is not a fallback to the login")
	require.Contains(t, body, "api-key-unknown")
}
