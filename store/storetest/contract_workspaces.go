package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func byID(ws []workspace.Workspace) []workspace.Workspace {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b workspace.Workspace) int { return compareIDs(a.ID, b.ID) })
	return out
}

var workspaceTests = []test{
	{"CreateWorkspace/GetWorkspace round trip", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		require.Equal(t, normWorkspace(w), e.getWorkspace(w.ID))
	}},
	{"GetWorkspace of an unknown id is ErrNotFound", func(t *testing.T, e *env) {
		_, err := e.s.GetWorkspace(e.ctx, uuid.New())
		notFound(t, err)
	}},
	{"CreateWorkspace with an existing id is ErrConflict", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		dup := w
		dup.Name = "Other"
		conflict(t, e.s.CreateWorkspace(e.ctx, dup))
		require.Equal(t, normWorkspace(w), e.getWorkspace(w.ID))
		require.Equal(t, 1, e.count(e.s.CountWorkspaces(e.ctx, a.ID)))
	}},
	{"CreateWorkspace with a name taken in the account, ignoring case, is ErrConflict", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales Team")
		for _, name := range []string{"Sales Team", "sales team", "SALES TEAM", "sALES tEAM"} {
			dup := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: name, CreatedAt: e.now, UpdatedAt: e.now}
			conflict(t, e.s.CreateWorkspace(e.ctx, dup))
			_, err := e.s.GetWorkspace(e.ctx, dup.ID)
			notFound(t, err)
		}
		require.Equal(t, []workspace.Workspace{normWorkspace(w)}, e.accountWorkspaces(a.ID))
	}},
	{"CreateWorkspace allows the same name in another account", func(t *testing.T, e *env) {
		a := e.account(e.user("a"))
		b := e.account(e.user("b"))
		e.workspace(a.ID, "Support")
		w := e.workspace(b.ID, "SUPPORT")
		require.Equal(t, normWorkspace(w), e.getWorkspace(w.ID))
	}},
	{"CreateWorkspace for an unknown account is ErrNotFound", func(t *testing.T, e *env) {
		w := workspace.Workspace{ID: uuid.New(), AccountID: uuid.New(), Name: "Orphan", CreatedAt: e.now, UpdatedAt: e.now}
		notFound(t, e.s.CreateWorkspace(e.ctx, w))
		_, err := e.s.GetWorkspace(e.ctx, w.ID)
		notFound(t, err)
	}},
	{"UpdateWorkspace replaces name, description and updated time only", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		other := e.account(e.user("other"))
		w := e.workspace(a.ID, "Sales")
		u := w
		u.Name, u.Description, u.UpdatedAt = "Marketing", "new text", e.at(time.Minute)
		u.AccountID, u.CreatedAt = other.ID, e.at(-time.Hour) // not the method's to change
		require.NoError(t, e.s.UpdateWorkspace(e.ctx, u))
		u.AccountID, u.CreatedAt = w.AccountID, w.CreatedAt
		require.Equal(t, normWorkspace(u), e.getWorkspace(w.ID))
		require.Empty(t, e.accountWorkspaces(other.ID))
	}},
	{"UpdateWorkspace frees the old name and may change the case of its own", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		w.Name = "SALES"
		require.NoError(t, e.s.UpdateWorkspace(e.ctx, w))
		w.Name = "Deals"
		require.NoError(t, e.s.UpdateWorkspace(e.ctx, w))
		e.workspace(a.ID, "sales")
		conflict(t, e.s.CreateWorkspace(e.ctx, workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "deals"}))
	}},
	{"UpdateWorkspace to a name taken in the account is ErrConflict and changes nothing", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		e.workspace(a.ID, "Sales")
		w := e.workspace(a.ID, "Support")
		u := w
		u.Name, u.Description = "sAles", "changed"
		conflict(t, e.s.UpdateWorkspace(e.ctx, u))
		require.Equal(t, normWorkspace(w), e.getWorkspace(w.ID))
	}},
	{"UpdateWorkspace of an unknown id is ErrNotFound", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Ghost"}
		notFound(t, e.s.UpdateWorkspace(e.ctx, w))
		require.Zero(t, e.count(e.s.CountWorkspaces(e.ctx, a.ID)))
	}},
	{"LockWorkspace outside a transaction is ErrNoTransaction", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		_, err := e.s.LockWorkspace(e.ctx, w.ID)
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		_, err = e.s.LockWorkspace(e.ctx, uuid.New())
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
	}},
	{"LockWorkspace inside a transaction returns the workspace, or ErrNotFound", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			got, err := e.s.LockWorkspace(ctx, w.ID)
			require.NoError(t, err)
			require.Equal(t, normWorkspace(w), normWorkspace(got))
			_, err = e.s.LockWorkspace(ctx, uuid.New())
			notFound(t, err)
			return nil
		}))
	}},
	{"DeleteWorkspace removes memberships, invitations and custom roles", func(t *testing.T, e *env) {
		owner := e.user("owner")
		a := e.account(owner)
		w := e.workspace(a.ID, "Sales")
		keep := e.workspace(a.ID, "Support")
		e.member(w.ID, e.user("bob"), workspace.RoleAdmin)
		e.member(keep.ID, e.user("bob"), workspace.RoleViewer)
		inv := e.invite(w.ID, e.email("carol"), workspace.RoleMember)
		e.role(w.ID, "auditor")

		require.NoError(t, e.s.DeleteWorkspace(e.ctx, w.ID))

		_, err := e.s.GetWorkspace(e.ctx, w.ID)
		notFound(t, err)
		_, err = e.s.GetMembership(e.ctx, w.ID, e.user("bob"))
		notFound(t, err)
		_, err = e.s.GetInvitation(e.ctx, w.ID, inv.ID)
		notFound(t, err)
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			_, err := e.s.LockInvitationByToken(ctx, inv.TokenHash)
			notFound(t, err)
			return nil
		}))
		_, err = e.s.GetRole(e.ctx, w.ID, "auditor")
		notFound(t, err)
		require.Empty(t, e.memberships(w.ID))
		require.Empty(t, e.pending(w.ID))
		require.Empty(t, e.roles(w.ID))
		require.Zero(t, e.count(e.s.CountMemberships(e.ctx, w.ID)))
		require.Zero(t, e.count(e.s.CountPendingInvitations(e.ctx, w.ID, e.now)))
		require.Zero(t, e.count(e.s.CountRoleHolders(e.ctx, w.ID, workspace.RoleAdmin)))
		_, err = e.s.GetAccess(e.ctx, w.ID, owner)
		notFound(t, err)
		_, err = e.s.GetAccess(e.ctx, w.ID, e.user("bob"))
		notFound(t, err)
		require.Equal(t, []uuid.UUID{keep.ID}, accessIDs(e.access(owner)))
		require.Equal(t, []uuid.UUID{keep.ID}, accessIDs(e.access(e.user("bob"))))
		require.Equal(t, 1, e.count(e.s.CountWorkspaces(e.ctx, a.ID)))
		require.Len(t, e.memberships(keep.ID), 1)

		// Everything it held is free again: the name, the token hash, the
		// membership and role keys.
		again := e.workspace(a.ID, "sales")
		e.member(again.ID, e.user("bob"), workspace.RoleMember)
		reuse := inv
		reuse.ID, reuse.WorkspaceID = uuid.New(), again.ID
		require.NoError(t, e.s.CreateInvitation(e.ctx, reuse))
		e.role(again.ID, "auditor")
	}},
	{"DeleteWorkspace of an unknown or deleted id is ErrNotFound", func(t *testing.T, e *env) {
		notFound(t, e.s.DeleteWorkspace(e.ctx, uuid.New()))
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		require.NoError(t, e.s.DeleteWorkspace(e.ctx, w.ID))
		notFound(t, e.s.DeleteWorkspace(e.ctx, w.ID))
	}},
	{"CountWorkspaces and ListAccountWorkspaces list the account's workspaces by id", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		other := e.account(e.user("other"))
		e.workspace(other.ID, "Elsewhere")
		var want []workspace.Workspace
		for i := range 12 {
			// Random (v4) ids, so insertion order is not id order.
			want = append(want, normWorkspace(e.workspace(a.ID, "W"+string(rune('a'+i)))))
		}
		require.Equal(t, 12, e.count(e.s.CountWorkspaces(e.ctx, a.ID)))
		require.Equal(t, byID(want), e.accountWorkspaces(a.ID))
	}},
	{"CountWorkspaces and ListAccountWorkspaces of an unknown account are empty", func(t *testing.T, e *env) {
		require.Zero(t, e.count(e.s.CountWorkspaces(e.ctx, uuid.New())))
		require.Empty(t, e.accountWorkspaces(uuid.New()))
	}},
}
