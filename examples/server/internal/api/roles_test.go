package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// Custom roles: created from permissions, granted by invitation, updated
// and renamed under their holders, deleted only with a role to move the
// holders to; nobody defines a role beyond their own permissions.
func TestCustomRoles(t *testing.T) {
	e := memory(t)
	roles := e.path(app.SeedSupport, "/roles")
	lead := map[string]any{"name": "support-lead", "permissions": []string{"conversations:read", "conversations:update"}}
	e.call("alice", "POST", roles, lead, http.StatusCreated, nil)
	e.refused("alice", "POST", roles, lead, http.StatusConflict, "conflict")
	e.refused("bob", "POST", roles, map[string]any{"name": "x", "permissions": []string{"agents:read"}}, http.StatusForbidden, "forbidden") // viewer
	e.refused("alice", "POST", roles, map[string]any{"name": "owner", "permissions": []string{"agents:read"}}, http.StatusUnprocessableEntity, "invalid")
	e.refused("alice", "POST", roles, map[string]any{"name": "x", "permissions": []string{"agents"}}, http.StatusUnprocessableEntity, "invalid")
	e.refused("alice", "POST", roles, map[string]any{"name": "x", "permissions": []string{"agentz:read"}}, http.StatusUnprocessableEntity, "invalid")
	e.refused("alice", "PATCH", roles+"/support-lead", map[string]any{"name": "support-lead"}, http.StatusUnprocessableEntity, "invalid")

	var list struct {
		Builtin []workspace.Role `json:"builtin"`
		Custom  []struct {
			Name        string   `json:"name"`
			Permissions []string `json:"permissions"`
		} `json:"custom"`
		Permissions []string `json:"permissions"`
	}
	e.ok("bob", "GET", roles, nil, &list)
	require.Equal(t, []workspace.Role{"owner", "admin", "member", "viewer"}, list.Builtin)
	require.Len(t, list.Custom, 1)
	require.Equal(t, []string{"conversations:read", "conversations:update"}, list.Custom[0].Permissions)
	require.Contains(t, list.Permissions, "api_keys:delete")
	e.ok("alice", "GET", e.path(app.SeedSales, "/roles"), nil, &list)
	require.Empty(t, list.Custom, "a custom role belongs to one workspace")

	inv := e.invite("alice", app.SeedSupport, "erin@example.com", "support-lead")
	require.Equal(t, workspace.Role("support-lead"), e.accept("erin", inv.Token).Scope.Role)
	require.Equal(t, []string{"conversations:read", "conversations:update"}, e.permissions("erin", app.SeedSupport))
	e.refused("erin", "GET", e.path(app.SeedSupport, "/agents"), nil, http.StatusForbidden, "forbidden")

	e.ok("alice", "PATCH", roles+"/support-lead", map[string]any{"name": "lead", "permissions": []string{"conversations:read", "contacts:read"}}, nil)
	require.Equal(t, []string{"conversations:read", "contacts:read"}, e.permissions("erin", app.SeedSupport))
	require.Equal(t, workspace.Role("lead"), e.selector("erin")[app.SeedSupport])
	e.refused("alice", "PATCH", roles+"/support-lead", map[string]any{"permissions": []string{"agents:read"}}, http.StatusUnprocessableEntity, "invalid")

	e.refused("alice", "DELETE", roles+"/lead", nil, http.StatusConflict, "conflict")
	e.call("alice", "DELETE", roles+"/lead?reassign_to=viewer", nil, http.StatusNoContent, nil)
	require.Equal(t, workspace.Role("viewer"), e.selector("erin")[app.SeedSupport])

	// An admin defines roles only within what admins hold.
	sales := e.path(app.SeedSales, "/roles")
	e.refused("bob", "POST", sales, map[string]any{"name": "deleter", "permissions": []string{"settings:delete"}}, http.StatusForbidden, "forbidden")
	e.call("bob", "POST", sales, map[string]any{"name": "keys", "permissions": []string{"api_keys:read", "api_keys:create"}}, http.StatusCreated, nil)
}
