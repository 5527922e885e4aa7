package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

func runIsolation(t *testing.T, h Harness) { runTests(t, h, isolationTests) }

// tenant is one workspace seeded with the same user ids, emails and role
// names as the others, so that a filter on anything but the workspace (or a
// missing filter) shows up.
type tenant struct {
	acct  workspace.Account
	ws    workspace.Workspace
	owner workspace.UserID
	// invs are the tenant's invitations: [0] pending, [1] revoked,
	// [2] pending with the custom role.
	invs []membership.Invitation
}

// isolation is what every isolation test starts from: workspace a, its
// sibling a2 in the same account, and b in another account, all alike.
type isolation struct {
	a, a2, b tenant
	// shared users are members of all three workspaces.
	u1, u2, u3 workspace.UserID
}

func (e *env) seedTenant(acct workspace.Account, name string, u ...workspace.UserID) tenant {
	e.t.Helper()
	tn := tenant{acct: acct, owner: acct.OwnerID}
	tn.ws = e.workspace(acct.ID, name)
	e.member(tn.ws.ID, u[0], workspace.RoleAdmin)
	e.member(tn.ws.ID, u[1], workspace.RoleMember)
	e.role(tn.ws.ID, "auditor", permRead, permExport)
	e.member(tn.ws.ID, u[2], "auditor")
	tn.invs = append(tn.invs, e.invite(tn.ws.ID, e.email("invitee"), workspace.RoleViewer))
	revoked := e.newInvitation(tn.ws.ID, e.email("invitee"), workspace.RoleAdmin)
	revoked.Status = membership.StatusRevoked
	require.NoError(e.t, e.s.CreateInvitation(e.ctx, revoked))
	tn.invs = append(tn.invs, revoked)
	tn.invs = append(tn.invs, e.invite(tn.ws.ID, e.email("auditor"), "auditor"))
	return tn
}

func (e *env) seedIsolation() isolation {
	e.t.Helper()
	is := isolation{u1: e.user("u1"), u2: e.user("u2"), u3: e.user("u3")}
	acctA := e.account(e.user("owner-a"))
	acctB := e.account(e.user("owner-b"))
	is.a = e.seedTenant(acctA, "Sales", is.u1, is.u2, is.u3)
	is.a2 = e.seedTenant(acctA, "Support", is.u1, is.u2, is.u3)
	is.b = e.seedTenant(acctB, "Sales", is.u1, is.u2, is.u3)
	// Rows only b has, which a must not find by name.
	e.member(is.b.ws.ID, e.user("only-b"), workspace.RoleViewer)
	e.role(is.b.ws.ID, "only-b", permRead)
	return is
}

// others is the state of everything but workspace a: a2, b, b's account,
// and what the shared users can access outside a.
func (e *env) others(is isolation) state {
	e.t.Helper()
	invs := slices.Concat(is.a2.invs, is.b.invs)
	st := e.snapshot(is.b.acct.ID, []uuid.UUID{is.a2.ws.ID, is.b.ws.ID}, invs, is.u1, is.u2, is.u3, is.b.owner, e.user("only-b"))
	for u, as := range st.Access {
		st.Access[u] = slices.DeleteFunc(as, func(x workspace.Access) bool { return x.Workspace.ID == is.a.ws.ID })
	}
	return st
}

// isolated seeds three alike workspaces, runs op on a, and requires that
// nothing outside a changed.
func isolated(op func(t *testing.T, e *env, is isolation)) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		is := e.seedIsolation()
		before := e.others(is)
		op(t, e, is)
		require.Equal(t, before, e.others(is), "an operation on workspace a changed another workspace")
	}
}

func onlyWorkspace[T any](t *testing.T, ws uuid.UUID, rows []T, id func(T) uuid.UUID) {
	t.Helper()
	for _, r := range rows {
		require.Equal(t, ws, id(r), "a row of another workspace was listed")
	}
}

var isolationTests = []test{
	{"reads by another workspace's ids find nothing", isolated(func(t *testing.T, e *env, is isolation) {
		for _, inv := range slices.Concat(is.a2.invs, is.b.invs) {
			_, err := e.s.GetInvitation(e.ctx, is.a.ws.ID, inv.ID)
			notFound(t, err)
		}
		_, err := e.s.GetRole(e.ctx, is.a.ws.ID, "only-b")
		notFound(t, err)
		_, err = e.s.GetMembership(e.ctx, is.a.ws.ID, e.user("only-b"))
		notFound(t, err)
		_, err = e.s.GetAccess(e.ctx, is.a.ws.ID, e.user("only-b"))
		notFound(t, err)
		_, err = e.s.GetAccess(e.ctx, is.a.ws.ID, is.b.owner)
		notFound(t, err, "owning account b gives no access to a")
		_, err = e.s.GetAccess(e.ctx, is.b.ws.ID, is.a.owner)
		notFound(t, err, "owning account a gives no access to b")
		got, err := e.s.GetAccess(e.ctx, is.a.ws.ID, is.u1)
		require.NoError(t, err)
		require.Equal(t, is.a.ws.ID, got.Workspace.ID)
		require.Equal(t, workspace.RoleAdmin, got.Role)
	})},
	{"lists and counts of a hold only a's rows", isolated(func(t *testing.T, e *env, is isolation) {
		ms := e.memberships(is.a.ws.ID)
		require.Len(t, ms, 3)
		onlyWorkspace(t, is.a.ws.ID, ms, func(m workspace.Membership) uuid.UUID { return m.WorkspaceID })
		inv := e.pending(is.a.ws.ID)
		require.Len(t, inv, 2)
		onlyWorkspace(t, is.a.ws.ID, inv, func(i membership.Invitation) uuid.UUID { return i.WorkspaceID })
		rs := e.roles(is.a.ws.ID)
		require.Len(t, rs, 1)
		onlyWorkspace(t, is.a.ws.ID, rs, func(r rbac.CustomRole) uuid.UUID { return r.WorkspaceID })
		require.Equal(t, 3, e.count(e.s.CountMemberships(e.ctx, is.a.ws.ID)))
		require.Equal(t, 2, e.count(e.s.CountPendingInvitations(e.ctx, is.a.ws.ID, e.now)))
		require.Equal(t, 2, e.count(e.s.CountRoleHolders(e.ctx, is.a.ws.ID, "auditor")))
		require.Equal(t, 2, e.count(e.s.CountWorkspaces(e.ctx, is.a.acct.ID)))
		ws := e.accountWorkspaces(is.a.acct.ID)
		require.ElementsMatch(t, []uuid.UUID{is.a.ws.ID, is.a2.ws.ID}, []uuid.UUID{ws[0].ID, ws[1].ID})
		require.ElementsMatch(t, []uuid.UUID{is.a.ws.ID, is.a2.ws.ID}, accessIDs(e.access(is.a.owner)))
		require.ElementsMatch(t, []uuid.UUID{is.a.ws.ID, is.a2.ws.ID, is.b.ws.ID}, accessIDs(e.access(is.u1)))
		page, err := e.s.ListMemberships(e.ctx, is.a.ws.ID, is.u1, 1)
		require.NoError(t, err)
		require.Equal(t, is.a.ws.ID, page[0].WorkspaceID)
	})},
	{"UpdateInvitation with a's id and another workspace's invitation changes nothing", isolated(func(t *testing.T, e *env, is isolation) {
		for _, inv := range slices.Concat(is.a2.invs, is.b.invs) {
			u := inv
			u.WorkspaceID, u.Role, u.Status, u.TokenHash = is.a.ws.ID, workspace.RoleOwner, membership.StatusAccepted, e.token()
			notFound(t, e.s.UpdateInvitation(e.ctx, u))
		}
		require.Len(t, e.pending(is.a.ws.ID), 2)
	})},
	{"LockInvitationByToken returns exactly the token's own invitation", isolated(func(t *testing.T, e *env, is isolation) {
		for _, inv := range slices.Concat(is.a.invs, is.b.invs) {
			got, err := e.lockByToken(inv.TokenHash)
			require.NoError(t, err)
			require.Equal(t, normInvitation(inv), got)
		}
	})},
	{"GetInvitationByToken returns exactly the token's own invitation", isolated(func(t *testing.T, e *env, is isolation) {
		for _, inv := range slices.Concat(is.a.invs, is.b.invs) {
			got, err := e.s.GetInvitationByToken(e.ctx, inv.TokenHash)
			require.NoError(t, err)
			require.Equal(t, normInvitation(inv), got)
		}
	})},
	{"writes to a's memberships leave the same user elsewhere alone", isolated(func(t *testing.T, e *env, is isolation) {
		require.NoError(t, e.s.UpdateMembership(e.ctx, workspace.Membership{WorkspaceID: is.a.ws.ID, UserID: is.u2, Role: workspace.RoleViewer, Version: 2, UpdatedAt: e.at(time.Hour)}))
		require.NoError(t, e.s.DeleteMembership(e.ctx, is.a.ws.ID, is.u1))
		e.member(is.a.ws.ID, e.user("new"), workspace.RoleMember)
		notFound(t, e.s.UpdateMembership(e.ctx, workspace.Membership{WorkspaceID: is.a.ws.ID, UserID: e.user("only-b"), Role: workspace.RoleOwner}))
		notFound(t, e.s.DeleteMembership(e.ctx, is.a.ws.ID, e.user("only-b")))
		require.Equal(t, workspace.RoleViewer, e.getMembership(is.a.ws.ID, is.u2).Role)
	})},
	{"writes to a's invitations leave alike ones elsewhere alone", isolated(func(t *testing.T, e *env, is isolation) {
		u := is.a.invs[0]
		u.Status, u.AcceptedBy, u.TokenHash, u.UpdatedAt = membership.StatusAccepted, is.u1, e.token(), e.at(time.Hour)
		require.NoError(t, e.s.UpdateInvitation(e.ctx, u))
		e.invite(is.a.ws.ID, e.email("invitee"), workspace.RoleMember)
		require.Equal(t, membership.StatusAccepted, e.getInvitation(is.a.ws.ID, u.ID).Status)
	})},
	{"writes to a's custom roles leave alike ones elsewhere alone", isolated(func(t *testing.T, e *env, is isolation) {
		require.NoError(t, e.s.UpdateRole(e.ctx, rbac.CustomRole{WorkspaceID: is.a.ws.ID, Name: "auditor", Permissions: []rbac.Permission{permCreate}, UpdatedAt: e.at(time.Hour)}))
		n, err := e.s.ReassignRole(e.ctx, is.a.ws.ID, "auditor", workspace.RoleViewer)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = e.s.ReassignRole(e.ctx, is.a.ws.ID, workspace.RoleAdmin, workspace.RoleMember)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.NoError(t, e.s.DeleteRole(e.ctx, is.a.ws.ID, "auditor"))
		notFound(t, e.s.DeleteRole(e.ctx, is.a.ws.ID, "only-b"))
		notFound(t, e.s.UpdateRole(e.ctx, rbac.CustomRole{WorkspaceID: is.a.ws.ID, Name: "only-b"}))
		e.role(is.a.ws.ID, "only-b")
		require.Zero(t, e.count(e.s.CountRoleHolders(e.ctx, is.a.ws.ID, "auditor")))
	})},
	{"writes to a's workspace and account leave b alone", isolated(func(t *testing.T, e *env, is isolation) {
		w := is.a.ws
		w.Name, w.Description, w.UpdatedAt = "Marketing", "changed", e.at(time.Hour)
		require.NoError(t, e.s.UpdateWorkspace(e.ctx, w))
		w.Name = "sales" // b's name: another account, so no conflict
		require.NoError(t, e.s.UpdateWorkspace(e.ctx, w))
		e.workspace(is.a.acct.ID, "Elsewhere")
		acct := is.a.acct
		acct.Name, acct.Plan, acct.Version = "Renamed", "free", 2
		require.NoError(t, e.s.UpdateAccount(e.ctx, acct))
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			_, err := e.s.LockAccount(ctx, is.a.acct.ID)
			require.NoError(t, err)
			_, err = e.s.LockWorkspace(ctx, is.a.ws.ID)
			return err
		}))
	})},
	{"DeleteWorkspace of a leaves its sibling and b whole", isolated(func(t *testing.T, e *env, is isolation) {
		require.NoError(t, e.s.DeleteWorkspace(e.ctx, is.a.ws.ID))
		require.Empty(t, e.memberships(is.a.ws.ID))
		require.Empty(t, e.pending(is.a.ws.ID))
		require.Empty(t, e.roles(is.a.ws.ID))
	})},
}
