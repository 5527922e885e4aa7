package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// Creating within the plan, then beyond it: Acme's team plan allows three
// workspaces, Globex's free plan two; the limit is 402 plan-limit, a role
// that may not create is 403 forbidden, a taken name 409.
func TestCreateWithinThePlan(t *testing.T) { flowCreateWithinPlan(t, memory(t)) }

func flowCreateWithinPlan(t *testing.T, e *env) {
	create := func(in string) string { return e.path(in, "/account/workspaces") }
	e.refused("bob", "POST", create(app.SeedSupport), map[string]string{"name": "Bob's"}, http.StatusForbidden, "forbidden")
	e.refused("carol", "POST", create(app.SeedSales), map[string]string{"name": "Carol's"}, http.StatusForbidden, "forbidden")
	e.refused("alice", "POST", create(app.SeedSales), map[string]string{"name": "sales"}, http.StatusConflict, "conflict")
	e.refused("alice", "POST", create(app.SeedSales), map[string]string{"name": "  "}, http.StatusUnprocessableEntity, "invalid")

	var staging selectorLine
	e.call("alice", "POST", create(app.SeedSales), map[string]string{"name": "Staging", "description": "Try things"}, http.StatusCreated, &staging)
	require.Equal(t, "Staging", staging.Name)
	require.Equal(t, workspace.Role("owner"), e.selector("alice")["Staging"])
	e.refused("alice", "POST", create(app.SeedSales), map[string]string{"name": "Fourth"}, http.StatusPaymentRequired, "plan-limit")
	e.refused("bob", "POST", create(app.SeedSales), map[string]string{"name": "Fourth"}, http.StatusPaymentRequired, "plan-limit")

	var acct struct {
		Plan   string `json:"plan"`
		Limits struct {
			MaxWorkspaces int `json:"max_workspaces"`
		} `json:"limits"`
	}
	e.ok("alice", "GET", e.path(app.SeedSales, "/account"), nil, &acct)
	require.Equal(t, app.PlanTeam, acct.Plan)
	require.Equal(t, 3, acct.Limits.MaxWorkspaces)

	e.call("dave", "POST", create(app.SeedGlobexHQ), map[string]string{"name": "Globex Labs"}, http.StatusCreated, nil)
	e.refused("dave", "POST", create(app.SeedGlobexHQ), map[string]string{"name": "Globex Two"}, http.StatusPaymentRequired, "plan-limit")
}

// Signing up makes an account with its first workspace, owned by the
// caller; an unknown plan is invalid.
func TestSignUp(t *testing.T) {
	e := memory(t)
	var out struct {
		Account struct {
			OwnerID string `json:"owner_id"`
			Plan    string `json:"plan"`
		} `json:"account"`
		Workspace selectorLine `json:"workspace"`
	}
	e.call("erin", "POST", "/api/accounts", map[string]any{"name": "Initech", "workspace": map[string]string{"name": "Main"}}, http.StatusCreated, &out)
	require.Equal(t, "erin", out.Account.OwnerID)
	require.Equal(t, app.PlanFree, out.Account.Plan)
	require.Equal(t, map[string]workspace.Role{"Main": "owner"}, e.selector("erin"))
	e.refused("erin", "POST", "/api/accounts", map[string]any{"name": "Gold", "plan": "gold", "workspace": map[string]string{"name": "Main"}}, http.StatusUnprocessableEntity, "invalid")
	e.refused("", "POST", "/api/accounts", map[string]any{"name": "Anon", "workspace": map[string]string{"name": "Main"}}, http.StatusUnauthorized, "unauthenticated")
}

// Update by id: the owner or an admin renames; a member may not; a name
// taken in the account is a conflict.
func TestUpdateWorkspace(t *testing.T) {
	e := memory(t)
	var got selectorLine
	e.ok("bob", "PATCH", e.path(app.SeedSales, ""), map[string]string{"description": "Deals only"}, &got)
	require.Equal(t, "Deals only", got.Description)
	require.Equal(t, app.SeedSales, got.Name)
	e.refused("carol", "PATCH", e.path(app.SeedSales, ""), map[string]string{"name": "Mine"}, http.StatusForbidden, "forbidden")
	e.refused("bob", "PATCH", e.path(app.SeedSupport, ""), map[string]string{"name": "Mine"}, http.StatusForbidden, "forbidden")
	e.refused("alice", "PATCH", e.path(app.SeedSales, ""), map[string]string{"name": "SUPPORT"}, http.StatusConflict, "conflict")
	e.ok("alice", "PATCH", e.path(app.SeedSales, ""), map[string]string{"name": "Revenue"}, &got)
	require.Equal(t, "Revenue", got.Name)
	e.ok("carol", "GET", e.path(app.SeedSales, ""), nil, &got)
	require.Equal(t, "Revenue", got.Name)
	require.Equal(t, workspace.Role("member"), got.Role)
}

// Deletion needs the owner and the name typed exactly; afterwards the
// workspace, its items and its members are gone, and its id is 404 for
// everyone who had it. An account's last workspace stays.
func TestDeleteWorkspace(t *testing.T) { flowDelete(t, memory(t)) }

func flowDelete(t *testing.T, e *env) {
	sales := e.path(app.SeedSales, "")
	e.refused("alice", "DELETE", sales, map[string]string{"confirm": "sales"}, http.StatusUnprocessableEntity, "confirmation")
	e.refused("alice", "DELETE", sales, map[string]string{"confirm": "Sales "}, http.StatusUnprocessableEntity, "confirmation")
	e.refused("bob", "DELETE", sales, map[string]string{"confirm": app.SeedSales}, http.StatusForbidden, "forbidden")
	e.refused("alice", "DELETE", sales, nil, http.StatusBadRequest, "bad-request")
	require.Len(t, e.items("alice", app.SeedSales, "agents"), 2, "a refused deletion removed nothing")
	e.invite("alice", app.SeedSales, "erin@example.com", workspace.RoleViewer)

	e.call("alice", "DELETE", sales, map[string]string{"confirm": app.SeedSales}, http.StatusNoContent, nil)
	for _, user := range []string{"alice", "bob", "carol", "dave", "erin"} {
		require.NotContains(t, e.selector(user), app.SeedSales, user)
		e.refused(user, "GET", sales, nil, http.StatusNotFound, "not-found")
		e.refused(user, "POST", sales+"/switch", nil, http.StatusNotFound, "not-found")
		for _, kind := range e.kinds() {
			e.refused(user, "GET", sales+"/"+kind, nil, http.StatusNotFound, "not-found")
		}
		e.refused(user, "GET", sales+"/team", nil, http.StatusNotFound, "not-found")
	}
	require.Equal(t, map[string]workspace.Role{app.SeedSupport: "viewer"}, e.selector("bob"))
	require.Empty(t, e.selector("carol"), "carol was only in Sales")
	require.Len(t, e.items("alice", app.SeedSupport, "agents"), 2, "the sibling keeps its items")

	e.refused("alice", "DELETE", e.path(app.SeedSupport, ""), map[string]string{"confirm": app.SeedSupport}, http.StatusConflict, "last-workspace")
	e.refused("dave", "DELETE", e.path(app.SeedGlobexHQ, ""), map[string]string{"confirm": app.SeedGlobexHQ}, http.StatusConflict, "last-workspace")
}

// wsRoutes are every route naming a workspace, with a body each accepts.
func wsRoutes(e *env, items map[string]uuid.UUID) [][3]any {
	routes := [][3]any{
		{"GET", "", nil},
		{"PATCH", "", map[string]string{"description": "x"}},
		{"DELETE", "", map[string]string{"confirm": app.SeedSales}},
		{"POST", "/switch", nil},
		{"GET", "/permissions", nil},
		{"GET", "/permissions/agents:read", nil},
		{"GET", "/account", nil},
		{"POST", "/account/workspaces", map[string]string{"name": "Probe"}},
		{"POST", "/account/transfer", map[string]string{"to": "bob"}},
		{"GET", "/invitations", nil},
		{"POST", "/invitations", map[string]string{"email": "x@example.com", "role": "viewer"}},
		{"POST", "/invitations/" + uuid.NewString() + "/resend", nil},
		{"DELETE", "/invitations/" + uuid.NewString(), nil},
		{"GET", "/team", nil},
		{"GET", "/team/bob", nil},
		{"PATCH", "/team/bob", map[string]string{"role": "viewer"}},
		{"DELETE", "/team/bob", nil},
		{"POST", "/leave", nil},
		{"GET", "/roles", nil},
		{"POST", "/roles", map[string]any{"name": "probe", "permissions": []string{"agents:read"}}},
		{"PATCH", "/roles/probe", map[string]any{"permissions": []string{"agents:read"}}},
		{"DELETE", "/roles/probe", nil},
	}
	for _, kind := range e.kinds() {
		routes = append(routes,
			[3]any{"GET", "/" + kind, nil},
			[3]any{"POST", "/" + kind, map[string]string{"name": "probe"}},
			[3]any{"GET", "/" + kind + "/" + items[kind].String(), nil},
			[3]any{"DELETE", "/" + kind + "/" + items[kind].String(), nil},
		)
	}
	return routes
}

// A workspace of another account answers exactly like an id that never
// existed (and like one that is not an id), on every route: same status,
// same body, so nobody can probe which workspaces exist. Nothing changes.
func TestForeignWorkspaceIsUnknown(t *testing.T) { flowForeign(t, memory(t)) }

func flowForeign(t *testing.T, e *env) {
	items := map[string]uuid.UUID{}
	for _, kind := range e.kinds() {
		items[kind] = e.items("alice", app.SeedSales, kind)[0].ID
	}
	foreign := e.ws[app.SeedSales].String()
	for _, rt := range wsRoutes(e, items) {
		method, rest, body := rt[0].(string), rt[1].(string), rt[2]
		want := e.do("dave", method, "/api/workspaces/"+uuid.NewString()+rest, body)
		require.Equal(t, http.StatusNotFound, want.Code, "%s %s", method, rest)
		for _, id := range []string{foreign, "not-an-id"} {
			got := e.do("dave", method, "/api/workspaces/"+id+rest, body)
			require.Equal(t, want.Code, got.Code, "%s %s on %s", method, rest, id)
			require.Equal(t, want.Body.String(), got.Body.String(), "%s %s on %s", method, rest, id)
			require.Equal(t, want.Header(), got.Header(), "%s %s on %s", method, rest, id)
		}
	}
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "owner", app.SeedSupport: "owner"}, e.selector("alice"))
	for _, kind := range e.kinds() {
		require.Len(t, e.items("alice", app.SeedSales, kind), 2, kind)
	}
	require.Equal(t, map[string]workspace.Role{"alice": "owner", "bob": "admin", "carol": "member"}, e.team("alice", app.SeedSales))
}

// Without a login every route is 401, whatever workspace it names.
func TestNoLoginIs401(t *testing.T) {
	e := memory(t)
	items := map[string]uuid.UUID{}
	for _, rt := range wsRoutes(e, items) {
		e.refused("", rt[0].(string), e.path(app.SeedSales, rt[1].(string)), rt[2], http.StatusUnauthorized, "unauthenticated")
	}
	for _, r := range [][2]string{{"GET", "/api/me"}, {"GET", "/api/workspaces"}, {"POST", "/api/invitations/accept"}, {"POST", "/api/accounts"}} {
		e.refused("", r[0], r[1], map[string]string{}, http.StatusUnauthorized, "unauthenticated")
	}
}
