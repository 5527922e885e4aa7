package storetest

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

func runTransactions(t *testing.T, h Harness) { runTests(t, h, transactionTests) }

var errBoom = errors.New("storetest: fn failed on purpose")

// world is a seeded account with two workspaces and a row of every kind, and
// what the store showed of them when snap was taken.
type world struct {
	acct       workspace.Account
	ws, ws2    workspace.Workspace
	bob, carol workspace.UserID
	inv        membership.Invitation
}

func (e *env) seedWorld() world {
	e.t.Helper()
	owner := e.user("owner")
	w := world{acct: e.account(owner), bob: e.user("bob"), carol: e.user("carol")}
	w.ws = e.workspace(w.acct.ID, "Sales")
	w.ws2 = e.workspace(w.acct.ID, "Support")
	e.member(w.ws.ID, w.bob, "auditor")
	e.member(w.ws.ID, w.carol, workspace.RoleAdmin)
	e.member(w.ws2.ID, w.bob, workspace.RoleMember)
	w.inv = e.invite(w.ws.ID, e.email("dave"), workspace.RoleViewer)
	e.invite(w.ws2.ID, e.email("erin"), workspace.RoleMember)
	e.role(w.ws.ID, "auditor", permRead)
	e.role(w.ws2.ID, "billing", permExport)
	return w
}

// state is everything the store shows about an account, its workspaces and
// the users of a test, read outside any transaction.
type state struct {
	Account     workspace.Account
	AccountErr  bool
	Workspaces  []workspace.Workspace
	Rows        map[uuid.UUID]workspace.Workspace
	Memberships map[uuid.UUID][]workspace.Membership
	Pending     map[uuid.UUID][]membership.Invitation
	Invitations map[uuid.UUID]membership.Invitation
	ByToken     map[string]membership.Invitation
	Roles       map[uuid.UUID][]rbac.CustomRole
	Counts      map[uuid.UUID][4]int
	Access      map[workspace.UserID][]workspace.Access
}

// snapshot reads the state of acct, of the workspaces ids (deleted ones
// included), of the invitations invs (by id and by token) and of users.
func (e *env) snapshot(acct uuid.UUID, ids []uuid.UUID, invs []membership.Invitation, users ...workspace.UserID) state {
	e.t.Helper()
	st := state{
		Rows:        map[uuid.UUID]workspace.Workspace{},
		Memberships: map[uuid.UUID][]workspace.Membership{},
		Pending:     map[uuid.UUID][]membership.Invitation{},
		Invitations: map[uuid.UUID]membership.Invitation{},
		ByToken:     map[string]membership.Invitation{},
		Roles:       map[uuid.UUID][]rbac.CustomRole{},
		Counts:      map[uuid.UUID][4]int{},
		Access:      map[workspace.UserID][]workspace.Access{},
	}
	a, err := e.s.GetAccount(e.ctx, acct)
	st.Account, st.AccountErr = normAccount(a), err != nil
	st.Workspaces = e.accountWorkspaces(acct)
	for _, id := range ids {
		if w, err := e.s.GetWorkspace(e.ctx, id); err == nil {
			st.Rows[id] = normWorkspace(w)
		}
		st.Memberships[id] = e.memberships(id)
		st.Pending[id] = e.pending(id)
		st.Roles[id] = e.roles(id)
		st.Counts[id] = [4]int{
			e.count(e.s.CountMemberships(e.ctx, id)),
			e.count(e.s.CountPendingInvitations(e.ctx, id, e.now)),
			e.count(e.s.CountRoleHolders(e.ctx, id, workspace.RoleAdmin)),
			e.count(e.s.CountRoleHolders(e.ctx, id, "auditor")),
		}
	}
	for _, inv := range invs {
		got, err := e.s.GetInvitation(e.ctx, inv.WorkspaceID, inv.ID)
		if err == nil {
			st.Invitations[inv.ID] = normInvitation(got)
		}
		if byToken, err := e.lockByToken(inv.TokenHash); err == nil {
			st.ByToken[hex.EncodeToString(inv.TokenHash)] = byToken
		}
	}
	for _, u := range users {
		st.Access[u] = e.access(u)
	}
	return st
}

func (e *env) worldState(w world, extra ...membership.Invitation) state {
	return e.snapshot(w.acct.ID, []uuid.UUID{w.ws.ID, w.ws2.ID}, append([]membership.Invitation{w.inv}, extra...), e.user("owner"), w.bob, w.carol, e.user("new"))
}

// writeEverything makes one write of every kind through ctx.
func (e *env) writeEverything(ctx context.Context, w world) error {
	t := e.t
	acct := w.acct
	acct.Name, acct.OwnerID, acct.Version = "Renamed", e.user("new"), 2
	require.NoError(t, e.s.UpdateAccount(ctx, acct))
	require.NoError(t, e.s.CreateAccount(ctx, workspace.Account{ID: uuid.New(), Name: "More", OwnerID: w.bob, Version: 1, CreatedAt: e.now}))
	nw := workspace.Workspace{ID: uuid.New(), AccountID: w.acct.ID, Name: "New", CreatedAt: e.now, UpdatedAt: e.now}
	require.NoError(t, e.s.CreateWorkspace(ctx, nw))
	require.NoError(t, e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: nw.ID, UserID: w.carol, Role: workspace.RoleAdmin, Version: 1, CreatedAt: e.now, UpdatedAt: e.now}))
	ws := w.ws
	ws.Name, ws.Description, ws.UpdatedAt = "Renamed", "changed", e.at(time.Hour)
	require.NoError(t, e.s.UpdateWorkspace(ctx, ws))
	require.NoError(t, e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ws.ID, UserID: e.user("new"), Role: workspace.RoleMember, Version: 1, CreatedAt: e.now, UpdatedAt: e.now}))
	require.NoError(t, e.s.UpdateMembership(ctx, workspace.Membership{WorkspaceID: w.ws.ID, UserID: w.carol, Role: workspace.RoleViewer, Version: 2, UpdatedAt: e.at(time.Hour)}))
	require.NoError(t, e.s.DeleteMembership(ctx, w.ws.ID, w.bob))
	inv := w.inv
	inv.Status, inv.AcceptedBy, inv.TokenHash = membership.StatusAccepted, w.bob, e.token()
	require.NoError(t, e.s.UpdateInvitation(ctx, inv))
	require.NoError(t, e.s.CreateInvitation(ctx, e.newInvitation(w.ws.ID, e.email("frank"), "auditor")))
	require.NoError(t, e.s.CreateRole(ctx, rbac.CustomRole{WorkspaceID: w.ws.ID, Name: "new-role", Permissions: []rbac.Permission{permRead}, CreatedAt: e.now, UpdatedAt: e.now}))
	require.NoError(t, e.s.UpdateRole(ctx, rbac.CustomRole{WorkspaceID: w.ws.ID, Name: "auditor", Permissions: []rbac.Permission{permExport}, UpdatedAt: e.at(time.Hour)}))
	n, err := e.s.ReassignRole(ctx, w.ws.ID, workspace.RoleViewer, "auditor")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, e.s.DeleteRole(ctx, w.ws2.ID, "billing"))
	require.NoError(t, e.s.DeleteWorkspace(ctx, w.ws2.ID))
	return nil
}

var transactionTests = []test{
	{"a committed transaction's writes are all visible", func(t *testing.T, e *env) {
		w := e.seedWorld()
		before := e.worldState(w)
		require.NoError(t, e.atomic(func(ctx context.Context) error { return e.writeEverything(ctx, w) }))
		after := e.worldState(w)
		require.NotEqual(t, before, after)
		require.Equal(t, "Renamed", after.Account.Name)
		require.Len(t, after.Workspaces, 2, "Sales (renamed) and New; Support deleted")
		require.Empty(t, after.Memberships[w.ws2.ID])
		require.Len(t, after.Access[e.user("new")], 2, "the new account owner owns both workspaces")
		require.Equal(t, membership.StatusAccepted, after.Invitations[w.inv.ID].Status)
	}},
	{"an error from fn rolls back every kind of write", func(t *testing.T, e *env) {
		w := e.seedWorld()
		before := e.worldState(w)
		err := e.atomic(func(ctx context.Context) error {
			require.NoError(t, e.writeEverything(ctx, w))
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		require.Equal(t, before, e.worldState(w))
		// Names, ids and keys taken inside are free again.
		e.workspace(w.acct.ID, "New")
		e.member(w.ws.ID, e.user("new"), workspace.RoleMember)
		e.role(w.ws.ID, "new-role")
	}},
	{"a panic in fn rolls back every kind of write and goes on", func(t *testing.T, e *env) {
		w := e.seedWorld()
		before := e.worldState(w)
		require.PanicsWithValue(t, "storetest: boom", func() {
			_ = e.atomic(func(ctx context.Context) error {
				require.NoError(t, e.writeEverything(ctx, w))
				panic("storetest: boom")
			})
		})
		require.Equal(t, before, e.worldState(w))
		// The store is usable afterwards: the panic released what it held.
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			_, err := e.s.LockWorkspace(ctx, w.ws.ID)
			return err
		}))
	}},
	{"reads inside a transaction see its own writes", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			ws := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Sales", CreatedAt: e.now, UpdatedAt: e.now}
			require.NoError(t, e.s.CreateWorkspace(ctx, ws))
			got, err := e.s.LockWorkspace(ctx, ws.ID)
			require.NoError(t, err)
			require.Equal(t, normWorkspace(ws), normWorkspace(got))
			require.NoError(t, e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: ws.ID, UserID: e.user("bob"), Role: workspace.RoleAdmin, Version: 1, CreatedAt: e.now, UpdatedAt: e.now}))
			n, err := e.s.CountMemberships(ctx, ws.ID)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			as, err := e.s.ListAccess(ctx, e.user("bob"), workspace.Page{Limit: 10})
			require.NoError(t, err)
			require.Len(t, as, 1)
			return nil
		}))
	}},
	{"a nested Atomic joins the outer transaction", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		ws := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Sales", CreatedAt: e.now, UpdatedAt: e.now}
		err := e.atomic(func(outer context.Context) error {
			require.NoError(t, e.s.Atomic(outer, func(inner context.Context) error {
				_, err := e.s.LockAccount(inner, a.ID)
				require.NoError(t, err)
				return e.s.CreateWorkspace(inner, ws)
			}))
			got, err := e.s.LockWorkspace(outer, ws.ID)
			require.NoError(t, err, "the outer transaction sees the inner one's write")
			require.Equal(t, ws.Name, got.Name)
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		_, err = e.s.GetWorkspace(e.ctx, ws.ID)
		notFound(t, err, "the outer rollback undid the inner write")

		err = e.atomic(func(outer context.Context) error {
			return e.s.Atomic(outer, func(context.Context) error { return errBoom })
		})
		require.ErrorIs(t, err, errBoom, "the inner error reaches the outer caller")
	}},
	{"a transaction stays usable after a conflict or a missing row", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		taken := e.workspace(a.ID, "Sales")
		ws := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Support", CreatedAt: e.now, UpdatedAt: e.now}
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			dup := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "SALES", CreatedAt: e.now, UpdatedAt: e.now}
			conflict(t, e.s.CreateWorkspace(ctx, dup))
			conflict(t, e.s.CreateAccount(ctx, a))
			notFound(t, e.s.UpdateMembership(ctx, workspace.Membership{WorkspaceID: taken.ID, UserID: e.user("x"), Role: workspace.RoleAdmin}))
			notFound(t, e.s.DeleteRole(ctx, taken.ID, "nope"))
			require.NoError(t, e.s.CreateWorkspace(ctx, ws))
			return e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: ws.ID, UserID: e.user("bob"), Role: workspace.RoleMember, Version: 1, CreatedAt: e.now, UpdatedAt: e.now})
		}))
		require.Equal(t, normWorkspace(ws), e.getWorkspace(ws.ID))
		require.Equal(t, workspace.RoleMember, e.getMembership(ws.ID, e.user("bob")).Role)
	}},
	{"Atomic on a cancelled context writes nothing", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		ws := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Sales", CreatedAt: e.now, UpdatedAt: e.now}
		err := e.s.Atomic(ctx, func(ctx context.Context) error { return e.s.CreateWorkspace(ctx, ws) })
		require.ErrorIs(t, err, context.Canceled)
		_, err = e.s.GetWorkspace(e.ctx, ws.ID)
		notFound(t, err)
	}},
	{"a context cancelled while fn runs rolls the transaction back", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		ws := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Sales", CreatedAt: e.now, UpdatedAt: e.now}
		err := e.s.Atomic(ctx, func(ctx context.Context) error {
			require.NoError(t, e.s.CreateWorkspace(ctx, ws))
			cancel()
			return nil
		})
		require.Error(t, err)
		_, err = e.s.GetWorkspace(e.ctx, ws.ID)
		notFound(t, err)
	}},
}
