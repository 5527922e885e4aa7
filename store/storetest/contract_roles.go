package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

var (
	permRead   = rbac.Permission{Resource: "agents", Action: "read"}
	permCreate = rbac.Permission{Resource: "agents", Action: "create"}
	permExport = rbac.Permission{Resource: "reports", Action: "export"}
)

var roleTests = []test{
	{"CreateRole/GetRole round trip", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		r := e.role(w.ID, "auditor", permCreate, permRead)
		require.Equal(t, normRole(r), e.getRole(w.ID, "auditor"))
		empty := e.role(w.ID, "nothing")
		require.Equal(t, normRole(empty), e.getRole(w.ID, "nothing"))
	}},
	{"CreateRole with a name the workspace has is ErrConflict; other workspaces may", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		r := e.role(w.ID, "auditor", permRead)
		dup := r
		dup.Permissions = []rbac.Permission{permExport}
		conflict(t, e.s.CreateRole(e.ctx, dup))
		require.Equal(t, normRole(r), e.getRole(w.ID, "auditor"))
		e.role(sibling.ID, "auditor", permExport)
	}},
	{"CreateRole in an unknown workspace is ErrNotFound", func(t *testing.T, e *env) {
		ws := uuid.New()
		notFound(t, e.s.CreateRole(e.ctx, rbac.CustomRole{WorkspaceID: ws, Name: "auditor", CreatedAt: e.now, UpdatedAt: e.now}))
		require.Empty(t, e.roles(ws))
	}},
	{"CreateRole with a built-in role's name is ErrInvalid", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		for _, name := range workspace.BuiltinRoles() {
			err := e.s.CreateRole(e.ctx, rbac.CustomRole{WorkspaceID: w.ID, Name: name, Permissions: []rbac.Permission{{Resource: "settings", Action: "delete"}}, CreatedAt: e.now, UpdatedAt: e.now})
			require.ErrorIs(t, err, workspace.ErrInvalid, name)
		}
		require.Empty(t, e.roles(w.ID))
	}},
	{"GetRole of an unknown name is ErrNotFound", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		_, err := e.s.GetRole(e.ctx, w.ID, "auditor")
		notFound(t, err)
		_, err = e.s.GetRole(e.ctx, w.ID, workspace.RoleAdmin) // built-ins are not stored
		notFound(t, err)
	}},
	{"UpdateRole replaces permissions and updated time only", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		r := e.role(w.ID, "auditor", permRead)
		u := r
		u.Permissions, u.UpdatedAt, u.CreatedAt = []rbac.Permission{permCreate, permExport}, e.at(time.Hour), e.at(-time.Hour)
		require.NoError(t, e.s.UpdateRole(e.ctx, u))
		u.CreatedAt = r.CreatedAt
		require.Equal(t, normRole(u), e.getRole(w.ID, "auditor"))
		u.Permissions = nil
		require.NoError(t, e.s.UpdateRole(e.ctx, u))
		require.Empty(t, e.getRole(w.ID, "auditor").Permissions)
	}},
	{"UpdateRole of an unknown role is ErrNotFound and creates nothing", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		notFound(t, e.s.UpdateRole(e.ctx, rbac.CustomRole{WorkspaceID: w.ID, Name: "auditor", Permissions: []rbac.Permission{permRead}}))
		require.Empty(t, e.roles(w.ID))
	}},
	{"DeleteRole removes the role, once", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.role(w.ID, "auditor", permRead)
		keep := e.role(w.ID, "billing", permExport)
		require.NoError(t, e.s.DeleteRole(e.ctx, w.ID, "auditor"))
		_, err := e.s.GetRole(e.ctx, w.ID, "auditor")
		notFound(t, err)
		require.Equal(t, normRoles([]rbac.CustomRole{keep}), e.roles(w.ID))
		notFound(t, e.s.DeleteRole(e.ctx, w.ID, "auditor"))
		notFound(t, e.s.DeleteRole(e.ctx, uuid.New(), "billing"))
	}},
	{"ListRoles orders by name in byte order", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		// '-' < '0' < '_' < 'a' in bytes; most collations ignore punctuation.
		for _, n := range []workspace.Role{"ab", "a_b", "a0", "a-c", "b", "a"} {
			e.role(w.ID, n, permRead)
		}
		var got []workspace.Role
		for _, r := range e.roles(w.ID) {
			got = append(got, r.Name)
		}
		require.Equal(t, []workspace.Role{"a", "a-c", "a0", "a_b", "ab", "b"}, got)
		require.Empty(t, e.roles(uuid.New()))
	}},
	{"CountRoleHolders counts memberships and pending invitations, expired ones included", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.role(w.ID, "auditor", permRead)
		e.member(w.ID, e.user("a"), "auditor")
		e.member(w.ID, e.user("b"), "auditor")
		e.member(w.ID, e.user("c"), workspace.RoleMember)
		e.invite(w.ID, e.email("d"), "auditor")
		expired := e.newInvitation(w.ID, e.email("e"), "auditor")
		expired.ExpiresAt = e.at(-time.Hour)
		require.NoError(t, e.s.CreateInvitation(e.ctx, expired))
		for _, st := range []membership.Status{membership.StatusAccepted, membership.StatusRevoked} {
			inv := e.newInvitation(w.ID, e.email(string(st)), "auditor")
			inv.Status = st
			require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
		}
		require.Equal(t, 4, e.count(e.s.CountRoleHolders(e.ctx, w.ID, "auditor")))
		require.Equal(t, 1, e.count(e.s.CountRoleHolders(e.ctx, w.ID, workspace.RoleMember)))
		require.Zero(t, e.count(e.s.CountRoleHolders(e.ctx, w.ID, workspace.RoleOwner)), "the derived owner holds no row")
		require.Zero(t, e.count(e.s.CountRoleHolders(e.ctx, uuid.New(), "auditor")))
	}},
	{"ReassignRole moves memberships (version+1) and pending invitations", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.role(w.ID, "auditor", permRead)
		a := e.member(w.ID, e.user("a"), "auditor")
		b := e.member(w.ID, e.user("b"), "auditor")
		b.Version = 7
		require.NoError(t, e.s.UpdateMembership(e.ctx, b))
		c := e.member(w.ID, e.user("c"), workspace.RoleAdmin)
		pending := e.invite(w.ID, e.email("d"), "auditor")
		expired := e.newInvitation(w.ID, e.email("e"), "auditor")
		expired.ExpiresAt = e.at(-time.Hour)
		require.NoError(t, e.s.CreateInvitation(e.ctx, expired))
		accepted := e.newInvitation(w.ID, e.email("f"), "auditor")
		accepted.Status = membership.StatusAccepted
		require.NoError(t, e.s.CreateInvitation(e.ctx, accepted))

		n, err := e.s.ReassignRole(e.ctx, w.ID, "auditor", workspace.RoleViewer)
		require.NoError(t, err)
		require.Equal(t, 2, n)

		a.Role, a.Version = workspace.RoleViewer, 2
		b.Role, b.Version = workspace.RoleViewer, 8
		require.Equal(t, normMemberships(sortMembers(a, b, c)), e.memberships(w.ID), "UpdatedAt stays, Version grows by one")
		pending.Role, expired.Role = workspace.RoleViewer, workspace.RoleViewer
		require.Equal(t, normInvitation(pending), e.getInvitation(w.ID, pending.ID))
		require.Equal(t, normInvitation(expired), e.getInvitation(w.ID, expired.ID))
		require.Equal(t, normInvitation(accepted), e.getInvitation(w.ID, accepted.ID), "only pending invitations move")
		require.Zero(t, e.count(e.s.CountRoleHolders(e.ctx, w.ID, "auditor")))

		n, err = e.s.ReassignRole(e.ctx, w.ID, "auditor", workspace.RoleViewer)
		require.NoError(t, err)
		require.Zero(t, n)
		n, err = e.s.ReassignRole(e.ctx, uuid.New(), workspace.RoleViewer, "auditor")
		require.NoError(t, err)
		require.Zero(t, n)
	}},
}

func sortMembers(ms ...workspace.Membership) []workspace.Membership {
	out := append([]workspace.Membership(nil), ms...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].UserID < out[i].UserID {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
