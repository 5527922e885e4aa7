package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// The example-only login: a cookie naming a demo user, refused for anyone
// else; logout clears it; no user is 401 on every authenticated route.
func TestLogin(t *testing.T) {
	e := memory(t)
	rec := e.call("", "POST", "/api/login", map[string]string{"user": "alice"}, http.StatusOK, nil)
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == app.SessionCookie {
			session = c
		}
	}
	require.NotNil(t, session)
	require.Equal(t, "alice", session.Value)
	require.True(t, session.HttpOnly)

	r := httptest.NewRequest("GET", "/api/me", nil)
	r.AddCookie(session)
	me := httptest.NewRecorder()
	e.h.ServeHTTP(me, r)
	require.Equal(t, http.StatusOK, me.Code)
	require.Contains(t, me.Body.String(), `"id":"alice"`)

	e.refused("", "POST", "/api/login", map[string]string{"user": "mallory"}, http.StatusUnauthorized, "unauthenticated")
	e.refused("", "GET", "/api/me", nil, http.StatusUnauthorized, "unauthenticated")
	e.refused("mallory", "GET", "/api/me", nil, http.StatusUnauthorized, "unauthenticated")

	rec = e.call("", "POST", "/api/logout", nil, http.StatusNoContent, nil)
	cleared := map[string]bool{}
	for _, c := range rec.Result().Cookies() {
		cleared[c.Name] = c.MaxAge < 0
	}
	require.Equal(t, map[string]bool{app.SessionCookie: true, app.WorkspaceCookie: true}, cleared)
}

// Bodies are decoded strictly: unknown fields, trailing data, another
// content type and non-JSON are 400; a large body 413.
func TestStrictBodies(t *testing.T) {
	e := memory(t)
	sales := e.path(app.SeedSales, "/agents")
	e.refused("alice", "POST", sales, raw(`{"name":"x","admin":true}`), http.StatusBadRequest, "bad-request")
	e.refused("alice", "POST", sales, raw(`{"name":"x"} {"name":"y"}`), http.StatusBadRequest, "bad-request")
	e.refused("alice", "POST", sales, raw(`name=x`), http.StatusBadRequest, "bad-request")
	e.refused("alice", "POST", "/api/login", raw(`{"user":"alice","role":"owner"}`), http.StatusBadRequest, "bad-request")
	e.refused("alice", "POST", sales, raw(`{"name":"`+strings.Repeat("x", 70<<10)+`"}`), http.StatusRequestEntityTooLarge, "too-large")

	r := httptest.NewRequest("POST", sales, strings.NewReader(`{"name":"x"}`))
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set(app.UserHeader, "alice")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusBadRequest, rec.Code, "a form cannot post JSON cross-site as text/plain")
	require.Len(t, e.items("alice", app.SeedSales, "agents"), 2, "nothing was created")

	e.refused("alice", "PUT", sales, nil, http.StatusNotFound, "not-found")
	e.refused("alice", "GET", "/api/nothing", nil, http.StatusNotFound, "not-found")
	e.refused("alice", "GET", e.path(app.SeedSales, "/widgets"), nil, http.StatusNotFound, "not-found")
}

// The selector lists exactly the workspaces each user can access, with
// their role in each (alice owns Acme's two; bob is admin in one and
// viewer in the other; erin has none yet).
func TestSelector(t *testing.T) { flowSelector(t, memory(t)) }

func flowSelector(t *testing.T, e *env) {
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "owner", app.SeedSupport: "owner"}, e.selector("alice"))
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "admin", app.SeedSupport: "viewer"}, e.selector("bob"))
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "member"}, e.selector("carol"))
	require.Equal(t, map[string]workspace.Role{app.SeedGlobexHQ: "owner"}, e.selector("dave"))
	require.Empty(t, e.selector("erin"))

	var me struct {
		User       app.User       `json:"user"`
		Workspaces []selectorLine `json:"workspaces"`
	}
	e.ok("bob", "GET", "/api/me", nil, &me)
	require.Equal(t, "bob@example.com", me.User.Email)
	require.Len(t, me.Workspaces, 2)
	rec := e.call("erin", "GET", "/api/me", nil, http.StatusOK, nil)
	require.Contains(t, rec.Body.String(), `"workspaces":[]`)
}

// Switching needs no new login and reads the role fresh: demote bob,
// and his next switch (and every request after) has the new role; the
// switch remembers the workspace in a cookie.
func TestSwitchReadsTheRoleFresh(t *testing.T) { flowSwitch(t, memory(t)) }

func flowSwitch(t *testing.T, e *env) {
	var sw scopeReply
	rec := e.call("bob", "POST", e.path(app.SeedSales, "/switch"), nil, http.StatusOK, &sw)
	require.Equal(t, workspace.Role("admin"), sw.Scope.Role)
	require.Equal(t, app.SeedSales, sw.Workspace.Name)
	var remembered string
	for _, c := range rec.Result().Cookies() {
		if c.Name == app.WorkspaceCookie {
			remembered = c.Value
		}
	}
	require.Equal(t, e.ws[app.SeedSales].String(), remembered)
	require.Contains(t, e.permissions("bob", app.SeedSales), "team:manage")

	e.ok("alice", "PATCH", e.path(app.SeedSales, "/team/bob"), map[string]string{"role": "member"}, nil)
	e.ok("bob", "POST", e.path(app.SeedSales, "/switch"), nil, &sw)
	require.Equal(t, workspace.Role("member"), sw.Scope.Role)
	require.NotContains(t, e.permissions("bob", app.SeedSales), "team:manage")
	e.refused("bob", "POST", e.path(app.SeedSales, "/invitations"), map[string]string{"email": "x@example.com", "role": "viewer"}, http.StatusForbidden, "forbidden")

	e.ok("bob", "POST", e.path(app.SeedSupport, "/switch"), nil, &sw)
	require.Equal(t, workspace.Role("viewer"), sw.Scope.Role, "another workspace, another role")
	e.refused("dave", "POST", e.path(app.SeedSales, "/switch"), nil, http.StatusNotFound, "not-found")
}
