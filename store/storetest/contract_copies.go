package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Stores must not share memory with their callers. Trivially true of a
// database; these tests hold in-memory stores to it.
var copyTests = []test{
	{"a token hash is copied in and out", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.newInvitation(w.ID, e.email("bob"), workspace.RoleMember)
		hash := append([]byte(nil), inv.TokenHash...)
		require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
		inv.TokenHash[0] ^= 0xff

		got := e.getInvitation(w.ID, inv.ID)
		require.Equal(t, hash, got.TokenHash)
		got.TokenHash[1] ^= 0xff
		list := e.pending(w.ID)
		require.Equal(t, hash, list[0].TokenHash)
		list[0].TokenHash[2] ^= 0xff
		locked, err := e.lockByToken(hash)
		require.NoError(t, err)
		require.Equal(t, hash, locked.TokenHash)
		locked.TokenHash[3] ^= 0xff

		u := e.getInvitation(w.ID, inv.ID)
		newHash := e.token()
		u.TokenHash = append([]byte(nil), newHash...)
		require.NoError(t, e.s.UpdateInvitation(e.ctx, u))
		u.TokenHash[0] ^= 0xff
		require.Equal(t, newHash, e.getInvitation(w.ID, inv.ID).TokenHash)
	}},
	{"permissions are copied in and out", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		perms := []rbac.Permission{permCreate, permRead}
		r := rbac.CustomRole{WorkspaceID: w.ID, Name: "auditor", Permissions: perms, CreatedAt: e.now, UpdatedAt: e.now}
		require.NoError(t, e.s.CreateRole(e.ctx, r))
		perms[0] = permExport

		want := []rbac.Permission{permCreate, permRead}
		got := e.getRole(w.ID, "auditor")
		require.Equal(t, want, got.Permissions)
		got.Permissions[0] = permExport
		list := e.roles(w.ID)
		require.Equal(t, want, list[0].Permissions)
		list[0].Permissions[1] = permExport
		require.Equal(t, want, e.getRole(w.ID, "auditor").Permissions)

		u := e.getRole(w.ID, "auditor")
		u.Permissions = []rbac.Permission{permRead}
		require.NoError(t, e.s.UpdateRole(e.ctx, u))
		u.Permissions[0] = permExport
		require.Equal(t, []rbac.Permission{permRead}, e.getRole(w.ID, "auditor").Permissions)
	}},
	{"returned lists are the caller's to change", func(t *testing.T, e *env) {
		owner := e.user("owner")
		a := e.account(owner)
		w := e.workspace(a.ID, "Sales")
		e.member(w.ID, e.user("bob"), workspace.RoleMember)

		ms := e.memberships(w.ID)
		ms[0].Role = workspace.RoleOwner
		require.Equal(t, workspace.RoleMember, e.getMembership(w.ID, e.user("bob")).Role)
		ws := e.accountWorkspaces(a.ID)
		ws[0].Name = "Changed"
		require.Equal(t, "Sales", e.getWorkspace(w.ID).Name)
		as := e.access(owner)
		as[0].Workspace.Name = "Changed"
		require.Equal(t, "Sales", e.access(owner)[0].Workspace.Name)
	}},
}
