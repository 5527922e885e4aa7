package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// nul is text that PostgreSQL cannot store (and that bun, writing values
// into the SQL text, cannot write): every store refuses it up front.
const nul = "a\x00b"

var textTests = []test{
	{"a string with a NUL byte is ErrInvalid in every method that takes one", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		m := e.member(w.ID, e.user("member"), workspace.RoleMember)
		inv := e.invite(w.ID, e.email("invitee"), workspace.RoleViewer)
		r := e.role(w.ID, "auditor", permRead)
		user, role := workspace.UserID(nul), workspace.Role(nul)
		badPerm := []rbac.Permission{{Resource: nul, Action: "read"}}

		calls := []struct {
			name string
			call func() error
		}{
			{"CreateAccount name", func() error {
				x := a
				x.ID, x.Name = uuid.New(), nul
				return e.s.CreateAccount(e.ctx, x)
			}},
			{"CreateAccount owner", func() error {
				x := a
				x.ID, x.OwnerID = uuid.New(), user
				return e.s.CreateAccount(e.ctx, x)
			}},
			{"UpdateAccount plan", func() error {
				x := a
				x.Plan = nul
				return e.s.UpdateAccount(e.ctx, x)
			}},
			{"CreateWorkspace name", func() error {
				x := w
				x.ID, x.Name = uuid.New(), nul
				return e.s.CreateWorkspace(e.ctx, x)
			}},
			{"UpdateWorkspace description", func() error {
				x := w
				x.Description = nul
				return e.s.UpdateWorkspace(e.ctx, x)
			}},
			{"GetAccess user", func() error { _, err := e.s.GetAccess(e.ctx, w.ID, user); return err }},
			{"ListAccess user", func() error { _, err := e.s.ListAccess(e.ctx, user, workspace.Page{}); return err }},
			{"CreateMembership user", func() error {
				x := m
				x.UserID = user
				return e.s.CreateMembership(e.ctx, x)
			}},
			{"CreateMembership role", func() error {
				x := m
				x.UserID, x.Role = e.user("other"), role
				return e.s.CreateMembership(e.ctx, x)
			}},
			{"GetMembership user", func() error { _, err := e.s.GetMembership(e.ctx, w.ID, user); return err }},
			{"UpdateMembership role", func() error {
				x := m
				x.Role = role
				return e.s.UpdateMembership(e.ctx, x)
			}},
			{"DeleteMembership user", func() error { return e.s.DeleteMembership(e.ctx, w.ID, user) }},
			{"ListMemberships after (the Team cursor)", func() error {
				_, err := e.s.ListMemberships(e.ctx, w.ID, user, 10)
				return err
			}},
			{"CreateInvitation email", func() error {
				x := e.newInvitation(w.ID, nul, workspace.RoleViewer)
				return e.s.CreateInvitation(e.ctx, x)
			}},
			{"CreateInvitation inviter", func() error {
				x := e.newInvitation(w.ID, e.email("other"), workspace.RoleViewer)
				x.InvitedBy = user
				return e.s.CreateInvitation(e.ctx, x)
			}},
			{"UpdateInvitation accepted by", func() error {
				x := inv
				x.AcceptedBy = user
				return e.s.UpdateInvitation(e.ctx, x)
			}},
			{"CreateRole name", func() error {
				x := r
				x.Name = role
				return e.s.CreateRole(e.ctx, x)
			}},
			{"CreateRole permission", func() error {
				x := r
				x.Name, x.Permissions = "other", badPerm
				return e.s.CreateRole(e.ctx, x)
			}},
			{"GetRole name", func() error { _, err := e.s.GetRole(e.ctx, w.ID, role); return err }},
			{"UpdateRole permission", func() error {
				x := r
				x.Permissions = badPerm
				return e.s.UpdateRole(e.ctx, x)
			}},
			{"DeleteRole name", func() error { return e.s.DeleteRole(e.ctx, w.ID, role) }},
			{"CountRoleHolders role", func() error { _, err := e.s.CountRoleHolders(e.ctx, w.ID, role); return err }},
			{"ReassignRole to", func() error { _, err := e.s.ReassignRole(e.ctx, w.ID, "auditor", role); return err }},
		}
		for _, c := range calls {
			t.Run(c.name, func(t *testing.T) { require.ErrorIs(t, c.call(), workspace.ErrInvalid) })
		}

		require.Equal(t, normAccount(a), e.getAccount(a.ID))
		require.Equal(t, []workspace.Workspace{normWorkspace(w)}, e.accountWorkspaces(a.ID))
		require.Equal(t, []workspace.Membership{normMembership(m)}, e.memberships(w.ID))
		require.Equal(t, []membership.Invitation{normInvitation(inv)}, e.pending(w.ID))
		require.Equal(t, []rbac.CustomRole{normRole(r)}, e.roles(w.ID))
	}},
}
