package workspacehttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

type app struct {
	ws           *workspace.Service
	team         *membership.Service
	authz        *rbac.Authorizer
	sales, other workspace.Workspace
	foreign      workspace.Workspace
	srv          *httptest.Server
}

// byHeader authenticates with X-User (an example login, not a real one).
func byHeader(r *http.Request) (workspace.UserID, error) {
	u := r.Header.Get("X-User")
	if u == "" {
		return "", workspacehttp.ErrUnauthenticated
	}
	return workspace.UserID(u), nil
}

func newApp(t *testing.T) *app {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	authz, err := rbac.New(st)
	require.NoError(t, err)
	plans := workspace.FixedPlans{"": {MaxWorkspaces: 5, MaxMembers: 10}}
	a := &app{ws: workspace.NewService(st, authz, plans), team: membership.New(st, authz, plans), authz: authz}
	_, a.sales, err = a.ws.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	alice, err := a.ws.Switch(ctx, "alice", a.sales.ID)
	require.NoError(t, err)
	a.other, err = a.ws.Create(workspace.WithScope(ctx, alice), workspace.NewWorkspace{Name: "Other"})
	require.NoError(t, err)
	_, token, err := a.team.Invite(workspace.WithScope(ctx, alice), "bob@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	_, err = a.team.Accept(ctx, "bob", token)
	require.NoError(t, err)
	_, a.foreign, err = a.ws.CreateAccount(ctx, workspace.NewAccount{Name: "Rival", Owner: "mallory", Workspace: workspace.NewWorkspace{Name: "Secret"}})
	require.NoError(t, err)

	mux := http.NewServeMux()
	mw := workspacehttp.New(a.ws, byHeader,
		workspacehttp.First(workspacehttp.FromPath("ws"), workspacehttp.FromHeader("X-Workspace-ID"), workspacehttp.FromCookie("ws")),
		workspacehttp.WithRememberCookie("ws"))
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc, _ := workspace.ScopeFrom(r.Context())
		fmt.Fprintf(w, "%s %s %s", sc.UserID, sc.WorkspaceID, sc.Role)
	})
	mux.Handle("GET /w/{ws}/me", mw.Handler(whoami))
	mux.Handle("GET /me", mw.Handler(whoami))
	mux.Handle("DELETE /w/{ws}/agents", mw.Handler(workspacehttp.Require(authz, rbac.ResourceAgents, rbac.ActionDelete,
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))))
	optional := workspacehttp.New(a.ws, byHeader, workspacehttp.FromHeader("X-Workspace-ID"), workspacehttp.WithOptionalWorkspace())
	mux.Handle("GET /workspaces", optional.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := workspacehttp.UserFrom(r.Context())
		_, scoped := workspace.ScopeFrom(r.Context())
		fmt.Fprintf(w, "%s %v", u, scoped)
	})))
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) do(t *testing.T, method, path, user string, hdr map[string]string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, nil)
	require.NoError(t, err)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b [4096]byte
	n, _ := resp.Body.Read(b[:])
	return resp, string(b[:n])
}

func problemOf(t *testing.T, resp *http.Response, body string) workspacehttp.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	var p workspacehttp.Problem
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	require.Equal(t, resp.StatusCode, p.Status)
	return p
}

func TestMiddlewarePutsTheFreshScopeInTheContext(t *testing.T) {
	a := newApp(t)
	resp, body := a.do(t, "GET", "/w/"+a.sales.ID.String()+"/me", "bob", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, fmt.Sprintf("bob %s viewer", a.sales.ID), body)

	// The header names it too; switching needs no new login.
	resp, body = a.do(t, "GET", "/me", "alice", map[string]string{"X-Workspace-ID": a.other.ID.String()})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, fmt.Sprintf("alice %s owner", a.other.ID), body)

	// The role is read on every request: a change holds from the next one.
	_, err := a.team.ChangeRole(workspace.WithScope(context.Background(), workspace.Scope{AccountID: a.sales.AccountID, WorkspaceID: a.sales.ID, UserID: "alice"}), "bob", workspace.RoleAdmin)
	require.NoError(t, err)
	_, body = a.do(t, "GET", "/w/"+a.sales.ID.String()+"/me", "bob", nil)
	require.Equal(t, fmt.Sprintf("bob %s admin", a.sales.ID), body)
}

// A workspace the user cannot see answers exactly like one that does not
// exist, or an id that is not one: nothing tells them apart.
func TestMiddlewareRefusalsLookTheSame(t *testing.T) {
	a := newApp(t)
	var bodies []string
	for _, id := range []string{a.foreign.ID.String(), a.other.ID.String(), uuid.New().String(), "not-an-id"} {
		resp, body := a.do(t, "GET", "/w/"+id+"/me", "bob", nil) // bob is not in Other either
		require.Equal(t, http.StatusNotFound, resp.StatusCode, id)
		p := problemOf(t, resp, body)
		require.Equal(t, "not-found", p.Code)
		bodies = append(bodies, body)
	}
	for _, b := range bodies[1:] {
		require.Equal(t, bodies[0], b)
	}

	resp, body := a.do(t, "GET", "/w/"+a.sales.ID.String()+"/me", "", nil)
	require.Equal(t, "unauthenticated", problemOf(t, resp, body).Code)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp, body = a.do(t, "GET", "/me", "bob", nil)
	require.Equal(t, "no-active-workspace", problemOf(t, resp, body).Code)
}

func TestMiddlewareRemembersTheLastActiveWorkspace(t *testing.T) {
	a := newApp(t)
	resp, _ := a.do(t, "GET", "/w/"+a.other.ID.String()+"/me", "alice", nil)
	var remembered *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ws" {
			remembered = c
		}
	}
	require.NotNil(t, remembered)
	require.True(t, remembered.HttpOnly)
	require.Equal(t, a.other.ID.String(), remembered.Value)
	_, body := a.do(t, "GET", "/me", "alice", nil, remembered)
	require.Equal(t, fmt.Sprintf("alice %s owner", a.other.ID), body)

	// A remembered workspace is checked like any other: bob cannot use alice's cookie.
	resp, body = a.do(t, "GET", "/me", "bob", nil, remembered)
	require.Equal(t, "not-found", problemOf(t, resp, body).Code)
}

func TestRequireGuardsAHandler(t *testing.T) {
	a := newApp(t)
	resp, body := a.do(t, "DELETE", "/w/"+a.sales.ID.String()+"/agents", "bob", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "forbidden", problemOf(t, resp, body).Code)
	resp, _ = a.do(t, "DELETE", "/w/"+a.sales.ID.String()+"/agents", "alice", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestOptionalWorkspaceLetsTheUserThrough(t *testing.T) {
	a := newApp(t)
	_, body := a.do(t, "GET", "/workspaces", "bob", nil)
	require.Equal(t, "bob false", body)
	_, body = a.do(t, "GET", "/workspaces", "bob", map[string]string{"X-Workspace-ID": a.sales.ID.String()})
	require.Equal(t, "bob true", body)
}

// Every sentinel has its row; wrapped errors map like their sentinel; the
// detail never carries the error's own text (ids, names).
func TestProblemMapping(t *testing.T) {
	secret := "workspace 0196b4a2-7c3e-7000-8000-00000000000b"
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{workspacehttp.ErrUnauthenticated, 401, "unauthenticated"},
		{workspace.ErrNotFound, 404, "not-found"},
		{workspace.ErrNoScope, 404, "no-active-workspace"},
		{workspace.ErrForbidden, 403, "forbidden"},
		{rbac.ErrForbidden, 403, "forbidden"},
		{workspace.ErrInvalid, 422, "invalid"},
		{rbac.ErrUnknownRole, 422, "invalid"},
		{rbac.ErrUnknownPermission, 500, "internal"},
		{workspace.ErrConflict, 409, "conflict"},
		{rbac.ErrRoleInUse, 409, "conflict"},
		{workspace.ErrPlanLimit, 402, "plan-limit"},
		{rbac.ErrTooManyRoles, 402, "plan-limit"},
		{workspace.ErrConfirmation, 422, "confirmation"},
		{workspace.ErrLastWorkspace, 409, "last-workspace"},
		{membership.ErrTokenUnknown, 404, "invitation-unknown"},
		{membership.ErrTokenExpired, 410, "invitation-expired"},
		{membership.ErrTokenRevoked, 410, "invitation-revoked"},
		{membership.ErrTokenUsed, 409, "invitation-used"},
		{membership.ErrAlreadyMember, 409, "already-member"},
		{membership.ErrAccountOwner, 409, "account-owner"},
		{membership.ErrNotPending, 409, "invitation-not-pending"},
		{context.Canceled, 499, "canceled"},
		{errors.New("boom"), 500, "internal"},
	} {
		wrapped := fmt.Errorf("%w: %s", c.err, secret)
		p := workspacehttp.ProblemOf(wrapped)
		require.Equal(t, c.status, p.Status, c.code)
		require.Equal(t, c.code, p.Code)
		require.Equal(t, "urn:workspacekit:problem:"+c.code, p.Type)
		require.NotContains(t, p.Detail, "0196b4a2")
		rec := httptest.NewRecorder()
		workspacehttp.WriteError(rec, wrapped)
		require.Equal(t, c.status, rec.Code)
		require.NotContains(t, rec.Body.String(), "0196b4a2")
	}
}

// A remembered workspace the user lost is forgotten: the cookie is
// cleared, and an optional route goes on without a scope. A workspace the
// request names itself (the path) is still 404, and clears nothing.
func TestStaleRememberedWorkspaceIsForgotten(t *testing.T) {
	a := newApp(t)
	mw := workspacehttp.New(a.ws, byHeader, workspacehttp.First(workspacehttp.FromPath("ws"), workspacehttp.FromCookie("ws")),
		workspacehttp.WithRememberCookie("ws"), workspacehttp.WithOptionalWorkspace())
	strict := workspacehttp.New(a.ws, byHeader, workspacehttp.First(workspacehttp.FromPath("ws"), workspacehttp.FromCookie("ws")),
		workspacehttp.WithRememberCookie("ws"))
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, scoped := workspace.ScopeFrom(r.Context())
		fmt.Fprintf(w, "scoped=%v", scoped)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /optional", mw.Handler(show))
	mux.Handle("GET /optional/{ws}", mw.Handler(show))
	mux.Handle("GET /required", strict.Handler(show))
	alice, err := a.ws.Switch(context.Background(), "alice", a.sales.ID)
	require.NoError(t, err)
	require.NoError(t, a.team.Remove(workspace.WithScope(context.Background(), alice), "bob"))

	send := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("X-User", "bob")
		r.AddCookie(&http.Cookie{Name: "ws", Value: a.sales.ID.String()})
		r.AddCookie(&http.Cookie{Name: "other", Value: "kept"})
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec
	}
	cleared := func(rec *httptest.ResponseRecorder) bool {
		for _, c := range rec.Result().Cookies() {
			if c.Name == "ws" && c.MaxAge < 0 {
				return true
			}
		}
		return false
	}
	rec := send("/optional")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "scoped=false", rec.Body.String())
	require.True(t, cleared(rec))

	rec = send("/required")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.True(t, cleared(rec), "a required route clears it too, and stays 404")

	rec = send("/optional/" + a.sales.ID.String())
	require.Equal(t, http.StatusNotFound, rec.Code, "a workspace named by the path is not a fallback")
	require.False(t, cleared(rec))
}
