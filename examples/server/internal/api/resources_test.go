package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
)

// Every kind is kept per workspace: each workspace lists only its own
// items, and an item of another workspace is not found from this one's
// path, neither read nor deleted, and stays where it is.
func TestResourcesPerWorkspace(t *testing.T) { flowResources(t, memory(t)) }

func flowResources(t *testing.T, e *env) {
	kinds := e.kinds()
	require.Equal(t, []string{"agents", "squads", "channels", "conversations", "contacts", "llm_providers", "integrations"}, kinds)
	for _, kind := range kinds {
		for _, ws := range []string{app.SeedSales, app.SeedSupport} {
			for _, name := range itemNames(e.items("alice", ws, kind)) {
				require.True(t, strings.HasPrefix(name, ws+": "), "%s in %s: %s", kind, ws, name)
			}
		}
		theirs := e.items("alice", app.SeedSupport, kind)
		e.refused("alice", "GET", e.path(app.SeedSales, "/"+kind+"/"+theirs[0].ID.String()), nil, http.StatusNotFound, "not-found")
		e.refused("alice", "DELETE", e.path(app.SeedSales, "/"+kind+"/"+theirs[0].ID.String()), nil, http.StatusNotFound, "not-found")
		e.refused("dave", "DELETE", e.path(app.SeedGlobexHQ, "/"+kind+"/"+theirs[0].ID.String()), nil, http.StatusNotFound, "not-found")
		require.Equal(t, theirs, e.items("alice", app.SeedSupport, kind), "%s: nothing changed", kind)

		var made item
		e.call("alice", "POST", e.path(app.SeedSales, "/"+kind), map[string]string{"name": "New " + kind, "detail": "d"}, http.StatusCreated, &made)
		require.Contains(t, itemNames(e.items("alice", app.SeedSales, kind)), "New "+kind)
		require.NotContains(t, itemNames(e.items("alice", app.SeedSupport, kind)), "New "+kind)
		var got item
		e.ok("alice", "GET", e.path(app.SeedSales, "/"+kind+"/"+made.ID.String()), nil, &got)
		require.Equal(t, made, got)
		e.call("alice", "DELETE", e.path(app.SeedSales, "/"+kind+"/"+made.ID.String()), nil, http.StatusNoContent, nil)
		e.refused("alice", "GET", e.path(app.SeedSales, "/"+kind+"/"+made.ID.String()), nil, http.StatusNotFound, "not-found")
	}
}

// The server refuses what a role may not do, whatever the client shows:
// a viewer cannot create or delete (403) even calling the API directly,
// nor read API keys; a member creates but does not delete; the refusals
// change nothing. The permissions route tells clients the same up front.
func TestRolesAreEnforcedOnResources(t *testing.T) { flowViewer(t, memory(t)) }

func flowViewer(t *testing.T, e *env) {
	support := func(rest string) string { return e.path(app.SeedSupport, rest) }
	agents := e.items("bob", app.SeedSupport, "agents")
	e.refused("bob", "POST", support("/agents"), map[string]string{"name": "Sneaky"}, http.StatusForbidden, "forbidden")
	e.refused("bob", "DELETE", support("/agents/"+agents[0].ID.String()), nil, http.StatusForbidden, "forbidden")
	e.refused("bob", "GET", support("/api-keys"), nil, http.StatusForbidden, "forbidden")
	require.Equal(t, agents, e.items("alice", app.SeedSupport, "agents"))
	perms := e.permissions("bob", app.SeedSupport)
	require.Contains(t, perms, "agents:read")
	require.NotContains(t, perms, "agents:create")
	require.NotContains(t, perms, "api_keys:read")
	var why struct {
		Allowed bool   `json:"allowed"`
		Role    string `json:"role"`
		Reason  string `json:"reason"`
	}
	e.ok("bob", "GET", support("/permissions/agents:create"), nil, &why)
	require.False(t, why.Allowed)
	require.Equal(t, "viewer", why.Role)
	require.NotEmpty(t, why.Reason)
	e.ok("bob", "GET", support("/permissions/agents:read"), nil, &why)
	require.True(t, why.Allowed)
	e.refused("bob", "GET", support("/permissions/agentz:read"), nil, http.StatusNotFound, "not-found")
	e.refused("bob", "GET", support("/permissions/nonsense"), nil, http.StatusNotFound, "not-found")

	sales := e.items("carol", app.SeedSales, "contacts")
	e.call("carol", "POST", e.path(app.SeedSales, "/contacts"), map[string]string{"name": "Lead"}, http.StatusCreated, nil)
	e.refused("carol", "DELETE", e.path(app.SeedSales, "/contacts/"+sales[0].ID.String()), nil, http.StatusForbidden, "forbidden")
	e.refused("carol", "POST", e.path(app.SeedSales, "/api-keys"), map[string]string{"name": "Mine", "role": "viewer"}, http.StatusForbidden, "forbidden")
	e.refused("alice", "POST", e.path(app.SeedSales, "/agents"), map[string]string{"name": ""}, http.StatusUnprocessableEntity, "invalid")
}
