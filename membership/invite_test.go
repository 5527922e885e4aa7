package membership_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestInviteRefusalsChangeNothing(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, _ := e.Account(t, "alice", "Sales")
	admin := e.Join(t, owner, "adam", workspace.RoleAdmin)
	member := e.Join(t, owner, "mia", workspace.RoleMember)
	invitedBefore := testenv.Count[membership.Invited](e.Events)

	tests := []struct {
		name  string
		ctx   context.Context
		email string
		role  workspace.Role
		err   error
	}{
		{"no scope", context.Background(), "x@example.com", workspace.RoleMember, workspace.ErrNoScope},
		{"empty email", owner, " ", workspace.RoleMember, workspace.ErrInvalid},
		{"not an email", owner, "bob", workspace.RoleMember, workspace.ErrInvalid},
		{"display name", owner, "Bob <bob@example.com>", workspace.RoleMember, workspace.ErrInvalid},
		{"too long", owner, strings.Repeat("b", 250) + "@example.com", workspace.RoleMember, workspace.ErrInvalid},
		{"malformed role", owner, "x@example.com", "Owner!", workspace.ErrInvalid},
		{"unknown role", owner, "x@example.com", "superuser", workspace.ErrInvalid},
		{"member cannot invite", member, "x@example.com", workspace.RoleViewer, workspace.ErrForbidden},
		{"admin cannot grant owner", admin, "x@example.com", workspace.RoleOwner, workspace.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, token, err := e.Team.Invite(tt.ctx, tt.email, tt.role)
			require.ErrorIs(t, err, tt.err)
			require.Empty(t, token)
		})
	}
	require.Empty(t, pending(t, e, owner), "refused invitations leave nothing behind")
	require.Equal(t, invitedBefore, testenv.Count[membership.Invited](e.Events), "no event for a refused invitation")

	// An admin may grant admin (not above their own).
	_, _, err := e.Team.Invite(admin, "x@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
}

func TestInvitationTokenIsShownOnceAndStoredHashed(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, sales := e.Account(t, "alice", "Sales")
	inv, token, err := e.Team.Invite(owner, " Bob@Example.COM ", workspace.RoleMember)
	require.NoError(t, err)
	require.Equal(t, "bob@example.com", inv.Email)

	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	require.Len(t, raw, 32)
	sum := sha256.Sum256(raw)
	stored, err := e.Store.GetInvitation(context.Background(), sales.ID, inv.ID)
	require.NoError(t, err)
	require.Equal(t, sum[:], stored.TokenHash)
	require.NotContains(t, string(stored.TokenHash), token)
	require.WithinDuration(t, stored.CreatedAt.Add(membership.DefaultInvitationTTL), stored.ExpiresAt, 0)

	_, token2, err := e.Team.Invite(owner, "carol@example.com", workspace.RoleMember)
	require.NoError(t, err)
	require.NotEqual(t, token, token2)

	// Listing never shows hashes.
	for _, p := range pending(t, e, owner) {
		require.Nil(t, p.TokenHash)
	}
	_, _, err = e.Team.Invite(owner, "BOB@example.com", workspace.RoleViewer)
	require.ErrorIs(t, err, workspace.ErrConflict, "one pending invitation per email")
}

func TestInvitationsHoldSeats(t *testing.T) {
	// 3 seats: the account owner plus two.
	e := newEnv(t, workspace.FixedPlans{"": {MaxWorkspaces: 2, MaxMembers: 3}})
	owner, _ := e.Account(t, "alice", "Sales")
	first, _, err := e.Team.Invite(owner, "a@example.com", workspace.RoleMember)
	require.NoError(t, err)
	e.Join(t, owner, "bob", workspace.RoleMember)

	_, _, err = e.Team.Invite(owner, "c@example.com", workspace.RoleMember)
	require.ErrorIs(t, err, workspace.ErrPlanLimit)
	require.Len(t, pending(t, e, owner), 1)

	require.NoError(t, e.Team.Revoke(owner, first.ID))
	_, _, err = e.Team.Invite(owner, "c@example.com", workspace.RoleMember)
	require.NoError(t, err, "revoking frees the seat")
}

func TestAcceptGivesTheInvitedRole(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, sales := e.Account(t, "alice", "Sales")
	_, token, err := e.Team.Invite(owner, "bob@example.com", workspace.RoleViewer)
	require.NoError(t, err)

	sc, err := e.Team.Accept(context.Background(), "bob", token)
	require.NoError(t, err)
	require.Equal(t, sales.ID, sc.WorkspaceID)
	require.Equal(t, workspace.RoleViewer, sc.Role)
	require.Equal(t, workspace.RoleViewer, team(t, e, owner)["bob"])
	require.Empty(t, pending(t, e, owner))
	joined := testenv.Last[membership.Joined](t, e.Events)
	require.Equal(t, workspace.UserID("bob"), joined.Actor)
	require.Equal(t, workspace.RoleViewer, joined.Role)

	_, err = e.Team.Accept(context.Background(), "carol", token)
	require.ErrorIs(t, err, membership.ErrTokenUsed)
}

func TestAcceptAndEnterGivesTheScopedContext(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, sales := e.Account(t, "alice", "Sales")
	_, token, err := e.Team.Invite(owner, "bob@example.com", workspace.RoleMember)
	require.NoError(t, err)

	bob, sc, err := e.Team.AcceptAndEnter(context.Background(), "bob", token)
	require.NoError(t, err)
	require.Equal(t, sales.ID, sc.WorkspaceID)
	got, ok := workspace.ScopeFrom(bob)
	require.True(t, ok)
	require.Equal(t, sc, got)
	require.NoError(t, e.Authz.Require(bob, "agents", "create"))

	again, sc, err := e.Team.AcceptAndEnter(context.Background(), "carol", token)
	require.ErrorIs(t, err, membership.ErrTokenUsed)
	require.Equal(t, workspace.Scope{}, sc)
	_, ok = workspace.ScopeFrom(again)
	require.False(t, ok, "a refused accept puts no scope in the context")
}

func TestPendingLeavesExpiredInvitationsToExpired(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := testenv.New(t, unlimited)
	team := membership.New(st.Store, st.Authz, unlimited, membership.WithClock(clock), membership.WithInvitationTTL(time.Hour))
	owner, _ := st.Account(t, "alice", "Sales")
	viewer := st.Join(t, owner, "vic", workspace.RoleViewer)
	other, _ := st.Account(t, "mallory", "Mallory's")
	_, _, err := team.Invite(other, "foreign@example.com", workspace.RoleMember)
	require.NoError(t, err)

	old, _, err := team.Invite(owner, "old@example.com", workspace.RoleMember)
	require.NoError(t, err)
	now = now.Add(30 * time.Minute)
	live, _, err := team.Invite(owner, "live@example.com", workspace.RoleMember)
	require.NoError(t, err)
	now = now.Add(30 * time.Minute) // old's hour is up to the instant

	emails := func(invs []membership.Invitation, err error) []string {
		t.Helper()
		require.NoError(t, err)
		var out []string
		for _, inv := range invs {
			require.Nil(t, inv.TokenHash)
			out = append(out, inv.Email)
		}
		return out
	}
	require.Equal(t, []string{live.Email}, emails(team.Pending(owner)))
	require.Equal(t, []string{old.Email}, emails(team.Expired(owner)))
	require.Equal(t, []string{live.Email}, emails(team.Pending(viewer)), "team:read is enough")

	// Resend renews an expired one: it moves back to Pending.
	_, _, err = team.Resend(owner, old.ID)
	require.NoError(t, err)
	require.Equal(t, []string{old.Email, live.Email}, emails(team.Pending(owner)))
	require.Empty(t, emails(team.Expired(owner)))

	_, err = team.Expired(context.Background())
	require.ErrorIs(t, err, workspace.ErrNoScope)
}

func TestAcceptRefusalsAreDistinctAndChangeNothing(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := testenv.New(t, unlimited)
	team := membership.New(st.Store, st.Authz, unlimited, membership.WithClock(clock), membership.WithInvitationTTL(time.Hour))
	owner, sales := st.Account(t, "alice", "Sales")

	_, expired, err := team.Invite(owner, "old@example.com", workspace.RoleMember)
	require.NoError(t, err)
	revokedInv, revoked, err := team.Invite(owner, "gone@example.com", workspace.RoleMember)
	require.NoError(t, err)
	require.NoError(t, team.Revoke(owner, revokedInv.ID))
	now = now.Add(time.Hour) // the first invitation's hour is up
	_, used, err := team.Invite(owner, "used@example.com", workspace.RoleMember)
	require.NoError(t, err)
	_, err = team.Accept(context.Background(), "user1", used)
	require.NoError(t, err)
	_, fresh, err := team.Invite(owner, "fresh@example.com", workspace.RoleMember)
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		user  workspace.UserID
		token string
		err   error
	}{
		"expired":       {"x", expired, membership.ErrTokenExpired},
		"revoked":       {"x", revoked, membership.ErrTokenRevoked},
		"used":          {"x", used, membership.ErrTokenUsed},
		"unknown":       {"x", base64.RawURLEncoding.EncodeToString(make([]byte, 32)), membership.ErrTokenUnknown},
		"garbage":       {"x", "not-a-token", membership.ErrTokenUnknown},
		"empty user":    {"", fresh, workspace.ErrInvalid},
		"already there": {"alice", fresh, membership.ErrAlreadyMember},
	} {
		_, err := team.Accept(context.Background(), tc.user, tc.token)
		require.ErrorIs(t, err, tc.err, name)
	}
	members, err := st.Store.CountMemberships(context.Background(), sales.ID)
	require.NoError(t, err)
	require.Equal(t, 1, members, "only user1 joined")
	// The fresh invitation survived the refused accepts.
	_, err = team.Accept(context.Background(), "user2", fresh)
	require.NoError(t, err)
}

func TestConcurrentAcceptsOfOneToken(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, sales := e.Account(t, "alice", "Sales")
	_, token, err := e.Team.Invite(owner, "bob@example.com", workspace.RoleMember)
	require.NoError(t, err)

	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := e.Team.Accept(context.Background(), workspace.UserID("user"+string(rune('a'+i))), token)
			errs <- err
		}()
	}
	won := 0
	for range n {
		if err := <-errs; err == nil {
			won++
		} else {
			require.ErrorIs(t, err, membership.ErrTokenUsed)
		}
	}
	require.Equal(t, 1, won)
	members, err := e.Store.CountMemberships(context.Background(), sales.ID)
	require.NoError(t, err)
	require.Equal(t, 1, members)
}

func TestResendAndRevoke(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, _ := e.Account(t, "alice", "Sales")
	admin := e.Join(t, owner, "adam", workspace.RoleAdmin)
	inv, oldToken, err := e.Team.Invite(owner, "bob@example.com", workspace.RoleMember)
	require.NoError(t, err)

	again, newToken, err := e.Team.Resend(owner, inv.ID)
	require.NoError(t, err)
	require.NotEqual(t, oldToken, newToken)
	require.False(t, again.ExpiresAt.Before(inv.ExpiresAt))
	require.True(t, testenv.Last[membership.Invited](t, e.Events).Resent)

	_, err = e.Team.Accept(context.Background(), "bob", oldToken)
	require.ErrorIs(t, err, membership.ErrTokenUnknown, "the old token stops working")

	ownerInv, _, err := e.Team.Invite(owner, "o2@example.com", workspace.RoleOwner)
	require.NoError(t, err)
	require.ErrorIs(t, e.Team.Revoke(admin, ownerInv.ID), workspace.ErrForbidden, "admins cannot touch owners' invitations")
	_, _, err = e.Team.Resend(admin, ownerInv.ID)
	require.ErrorIs(t, err, workspace.ErrForbidden)

	require.NoError(t, e.Team.Revoke(owner, inv.ID))
	require.ErrorIs(t, e.Team.Revoke(owner, inv.ID), membership.ErrNotPending)
	_, _, err = e.Team.Resend(owner, inv.ID)
	require.ErrorIs(t, err, membership.ErrNotPending)
	_, err = e.Team.Accept(context.Background(), "bob", newToken)
	require.ErrorIs(t, err, membership.ErrTokenRevoked)

	// Another workspace cannot reach this workspace's invitations by id.
	other, _ := e.Account(t, "olga", "Other")
	require.ErrorIs(t, e.Team.Revoke(other, ownerInv.ID), workspace.ErrNotFound)
	_, _, err = e.Team.Resend(other, ownerInv.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	require.Len(t, pending(t, e, owner), 1)
}
