package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// lockByToken runs LockInvitationByToken in a transaction of its own.
func (e *env) lockByToken(hash []byte) (membership.Invitation, error) {
	var inv membership.Invitation
	err := e.atomic(func(ctx context.Context) error {
		var err error
		inv, err = e.s.LockInvitationByToken(ctx, hash)
		return err
	})
	return normInvitation(inv), err
}

var invitationTests = []test{
	{"CreateInvitation/GetInvitation round trip", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		require.Equal(t, normInvitation(inv), e.getInvitation(w.ID, inv.ID))
	}},
	{"CreateInvitation with an existing id is ErrConflict", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		dup := inv
		dup.TokenHash, dup.Email = e.token(), e.email("carol")
		conflict(t, e.s.CreateInvitation(e.ctx, dup))
		require.Equal(t, normInvitation(inv), e.getInvitation(w.ID, inv.ID))
		_, err := e.lockByToken(dup.TokenHash)
		notFound(t, err)
	}},
	{"CreateInvitation with a token hash in use, in any workspace, is ErrConflict", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		other := e.workspace(e.account(e.user("other")).ID, "Other")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		for _, ws := range []uuid.UUID{w.ID, other.ID} {
			dup := e.newInvitation(ws, e.email("carol"), workspace.RoleViewer)
			dup.TokenHash = inv.TokenHash
			conflict(t, e.s.CreateInvitation(e.ctx, dup))
			_, err := e.s.GetInvitation(e.ctx, ws, dup.ID)
			notFound(t, err)
		}
		got, err := e.lockByToken(inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, normInvitation(inv), got)
	}},
	{"CreateInvitation in an unknown workspace is ErrNotFound", func(t *testing.T, e *env) {
		inv := e.newInvitation(uuid.New(), e.email("bob"), workspace.RoleMember)
		notFound(t, e.s.CreateInvitation(e.ctx, inv))
		_, err := e.lockByToken(inv.TokenHash)
		notFound(t, err)
	}},
	{"GetInvitation of an unknown id, or of another workspace's, is ErrNotFound", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		_, err := e.s.GetInvitation(e.ctx, w.ID, uuid.New())
		notFound(t, err)
		_, err = e.s.GetInvitation(e.ctx, sibling.ID, inv.ID)
		notFound(t, err)
	}},
	{"LockInvitationByToken outside a transaction is ErrNoTransaction", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		_, err := e.s.LockInvitationByToken(e.ctx, inv.TokenHash)
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		_, err = e.s.LockInvitationByToken(e.ctx, e.token())
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
	}},
	{"LockInvitationByToken finds the invitation in any state, or ErrNotFound", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		got, err := e.lockByToken(inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, normInvitation(inv), got)

		inv.Status, inv.AcceptedBy, inv.UpdatedAt = membership.StatusAccepted, e.user("bob"), e.at(time.Minute)
		require.NoError(t, e.s.UpdateInvitation(e.ctx, inv))
		got, err = e.lockByToken(inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, normInvitation(inv), got)

		_, err = e.lockByToken(e.token())
		notFound(t, err)
	}},
	{"GetInvitationByToken finds the invitation in any state without a transaction, or ErrNotFound", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		got, err := e.s.GetInvitationByToken(e.ctx, inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, normInvitation(inv), got)

		old := inv.TokenHash
		inv.TokenHash, inv.Status, inv.UpdatedAt = e.token(), membership.StatusRevoked, e.at(time.Minute)
		require.NoError(t, e.s.UpdateInvitation(e.ctx, inv))
		got, err = e.s.GetInvitationByToken(e.ctx, inv.TokenHash)
		require.NoError(t, err)
		require.Equal(t, normInvitation(inv), got)
		_, err = e.s.GetInvitationByToken(e.ctx, old)
		notFound(t, err)
		_, err = e.s.GetInvitationByToken(e.ctx, nil)
		notFound(t, err)
	}},
	{"UpdateInvitation replaces role, token, status, accepted-by, updated and expiry only", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		u := inv
		u.Role, u.TokenHash, u.Status, u.AcceptedBy = workspace.RoleAdmin, e.token(), membership.StatusAccepted, e.user("bob")
		u.UpdatedAt, u.ExpiresAt = e.at(time.Hour), e.at(48*time.Hour)
		u.Email, u.InvitedBy, u.CreatedAt = e.email("mallory"), e.user("mallory"), e.at(-time.Hour)
		require.NoError(t, e.s.UpdateInvitation(e.ctx, u))
		u.Email, u.InvitedBy, u.CreatedAt = inv.Email, inv.InvitedBy, inv.CreatedAt
		require.Equal(t, normInvitation(u), e.getInvitation(w.ID, inv.ID))

		_, err := e.lockByToken(inv.TokenHash)
		notFound(t, err, "the old token no longer finds it")
		got, err := e.lockByToken(u.TokenHash)
		require.NoError(t, err)
		require.Equal(t, normInvitation(u), got)
		// The old token is free for another invitation.
		again := e.newInvitation(w.ID, e.email("carol"), workspace.RoleViewer)
		again.TokenHash = inv.TokenHash
		require.NoError(t, e.s.CreateInvitation(e.ctx, again))
	}},
	{"UpdateInvitation to a token hash in use is ErrConflict and changes nothing", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		a := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		b := e.invite(w.ID, e.email("carol"), workspace.RoleMember)
		u := a
		u.TokenHash, u.Role = b.TokenHash, workspace.RoleAdmin
		conflict(t, e.s.UpdateInvitation(e.ctx, u))
		require.Equal(t, normInvitation(a), e.getInvitation(w.ID, a.ID))
		got, err := e.lockByToken(b.TokenHash)
		require.NoError(t, err)
		require.Equal(t, b.ID, got.ID)
		// Keeping its own token is no conflict.
		u = a
		u.Role = workspace.RoleViewer
		require.NoError(t, e.s.UpdateInvitation(e.ctx, u))
		require.Equal(t, normInvitation(u), e.getInvitation(w.ID, a.ID))
	}},
	{"UpdateInvitation of an unknown id, or through another workspace, is ErrNotFound", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleMember)
		notFound(t, e.s.UpdateInvitation(e.ctx, e.newInvitation(w.ID, e.email("x"), workspace.RoleAdmin)))
		u := inv
		u.WorkspaceID, u.Role, u.Status = sibling.ID, workspace.RoleAdmin, membership.StatusRevoked
		notFound(t, e.s.UpdateInvitation(e.ctx, u))
		require.Equal(t, normInvitation(inv), e.getInvitation(w.ID, inv.ID))
		require.Empty(t, e.pending(sibling.ID))
	}},
	{"ListPendingInvitations lists pending ones, expired included, by id", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		var want []membership.Invitation
		for i := range 6 {
			inv := e.newInvitation(w.ID, e.email("p"+string(rune('a'+i))), workspace.RoleMember)
			if i%2 == 0 {
				inv.ExpiresAt = e.at(-time.Hour) // expired, still pending
			}
			require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
			want = append(want, normInvitation(inv))
		}
		for _, st := range []membership.Status{membership.StatusAccepted, membership.StatusRevoked} {
			inv := e.newInvitation(w.ID, e.email(string(st)), workspace.RoleMember)
			inv.Status = st
			require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
		}
		slices.SortFunc(want, func(a, b membership.Invitation) int { return compareIDs(a.ID, b.ID) })
		require.Equal(t, want, e.pending(w.ID))
		require.Empty(t, e.pending(uuid.New()))
	}},
	{"CountPendingInvitations counts pending ones that expire after now", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		for i, exp := range []time.Duration{-time.Hour, 0, time.Microsecond, time.Hour} {
			inv := e.newInvitation(w.ID, e.email("p"+string(rune('a'+i))), workspace.RoleMember)
			inv.ExpiresAt = e.at(exp)
			require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
		}
		for _, st := range []membership.Status{membership.StatusAccepted, membership.StatusRevoked} {
			inv := e.newInvitation(w.ID, e.email(string(st)), workspace.RoleMember)
			inv.Status = st
			require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
		}
		require.Equal(t, 2, e.count(e.s.CountPendingInvitations(e.ctx, w.ID, e.now)), "expiring at now is expired")
		require.Equal(t, 4, e.count(e.s.CountPendingInvitations(e.ctx, w.ID, e.at(-2*time.Hour))))
		require.Zero(t, e.count(e.s.CountPendingInvitations(e.ctx, w.ID, e.at(2*time.Hour))))
		require.Zero(t, e.count(e.s.CountPendingInvitations(e.ctx, uuid.New(), e.now)))
	}},
}
