package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// The team per workspace, and the rules on changing it: nobody grants
// above their own role, an admin cannot touch an owner, the account owner
// is owner everywhere and can be neither changed, removed nor leave;
// members cannot manage at all.
func TestTeam(t *testing.T) { flowTeam(t, memory(t)) }

func flowTeam(t *testing.T, e *env) {
	sales := func(rest string) string { return e.path(app.SeedSales, rest) }
	require.Equal(t, map[string]workspace.Role{"alice": "owner", "bob": "admin", "carol": "member"}, e.team("carol", app.SeedSales))
	require.Equal(t, map[string]workspace.Role{"alice": "owner", "bob": "viewer"}, e.team("bob", app.SeedSupport))
	var m member
	e.ok("carol", "GET", sales("/team/alice"), nil, &m)
	require.True(t, m.AccountOwner)
	require.Equal(t, "Alice Anders", m.Name)
	e.refused("carol", "GET", sales("/team/dave"), nil, http.StatusNotFound, "not-found")

	role := func(r string) map[string]string { return map[string]string{"role": r} }
	e.ok("bob", "PATCH", sales("/team/carol"), role("viewer"), &m)
	require.Equal(t, workspace.Role("viewer"), m.Role)
	e.refused("bob", "PATCH", sales("/team/carol"), role("owner"), http.StatusForbidden, "forbidden")
	e.refused("bob", "PATCH", sales("/team/alice"), role("viewer"), http.StatusConflict, "account-owner")
	e.refused("bob", "DELETE", sales("/team/alice"), nil, http.StatusConflict, "account-owner")
	e.refused("carol", "PATCH", sales("/team/bob"), role("viewer"), http.StatusForbidden, "forbidden")
	e.refused("carol", "DELETE", sales("/team/bob"), nil, http.StatusForbidden, "forbidden")
	e.refused("bob", "PATCH", sales("/team/carol"), role("nope"), http.StatusUnprocessableEntity, "invalid")
	e.refused("bob", "PATCH", sales("/team/erin"), role("viewer"), http.StatusNotFound, "not-found")

	// An owner by membership (not the account's): admins cannot touch them.
	e.ok("alice", "PATCH", sales("/team/carol"), role("owner"), nil)
	e.refused("bob", "PATCH", sales("/team/carol"), role("viewer"), http.StatusForbidden, "forbidden")
	e.refused("bob", "DELETE", sales("/team/carol"), nil, http.StatusForbidden, "forbidden")
	e.ok("carol", "PATCH", sales("/team/bob"), role("member"), nil)

	e.call("alice", "DELETE", sales("/team/carol"), nil, http.StatusNoContent, nil)
	e.refused("carol", "GET", sales(""), nil, http.StatusNotFound, "not-found")
	require.Empty(t, e.selector("carol"))

	e.call("bob", "POST", e.path(app.SeedSupport, "/leave"), nil, http.StatusNoContent, nil)
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "member"}, e.selector("bob"))
	e.refused("bob", "GET", e.path(app.SeedSupport, "/agents"), nil, http.StatusNotFound, "not-found")
	e.refused("alice", "POST", sales("/leave"), nil, http.StatusConflict, "account-owner")
}

// Transferring the account: only its owner may; the new owner owns every
// workspace of it, the old one keeps the role asked for; someone without
// access cannot receive it.
func TestTransferOwnership(t *testing.T) {
	e := memory(t)
	transfer := e.path(app.SeedSales, "/account/transfer")
	e.refused("bob", "POST", transfer, map[string]string{"to": "carol"}, http.StatusForbidden, "forbidden")
	e.refused("alice", "POST", transfer, map[string]string{"to": "erin"}, http.StatusNotFound, "not-found")
	e.refused("alice", "POST", transfer, map[string]string{"to": "alice"}, http.StatusUnprocessableEntity, "invalid")
	e.call("alice", "POST", transfer, map[string]string{"to": "bob", "previous_role": "member"}, http.StatusNoContent, nil)
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "owner", app.SeedSupport: "owner"}, e.selector("bob"))
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "member", app.SeedSupport: "member"}, e.selector("alice"))
	var acct struct {
		OwnerID string `json:"owner_id"`
	}
	e.ok("carol", "GET", e.path(app.SeedSales, "/account"), nil, &acct)
	require.Equal(t, "bob", acct.OwnerID)
	e.refused("alice", "POST", transfer, map[string]string{"to": "carol"}, http.StatusForbidden, "forbidden")
}
