package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// runServices runs the services' rules that only hold if the store's locks
// and transactions really work: the same scenarios on every store.
func runServices(t *testing.T, h Harness) {
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"concurrent creates stop at the plan limit", concurrentCreates},
		{"concurrent invitations stop at the seat limit", concurrentInvites},
		{"concurrent accepts of one token make one member", concurrentAccepts},
		{"concurrent demotions keep an owner", concurrentDemotions},
		{"a failing purge rolls the deletion back", failingPurge},
		{"an old token racing its resend never joins", acceptRacingResend},
		{"an accept racing a revoke: one of them wins", acceptRacingRevoke},
		{"after-commit work waits for the outermost commit", afterCommit},
		{"Team with a NUL byte in its cursor is ErrInvalid", teamNULCursor},
		{"every service write appends its changes in its transaction", serviceChanges},
		{"a failed or rolled-back service call appends no change", failedServiceChanges},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, h) })
	}
}

// teamNULCursor: a paging cursor goes into SQL as text, so one that no user
// id can be is refused as input on every store, not sent.
func teamNULCursor(t *testing.T, h Harness) {
	e := testenv.NewOn(t, h.New(t), testenv.Unlimited)
	ctx, _ := e.Account(t, user("owner"), "First")
	_, err := e.Team.Team(ctx, membership.TeamPage{After: "a\x00"})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

// user returns a user id unique to this run, since a harness may share one
// store between tests.
func user(name string) workspace.UserID { return workspace.UserID(name + "-" + uuid.NewString()) }

// race runs fn n times at once and returns the errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts nil errors and errors matching want, failing on any other.
func tally(t *testing.T, errs []error, want error) (ok, refused int) {
	t.Helper()
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, want):
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	return ok, refused
}

func concurrentCreates(t *testing.T, h Harness) {
	const limit, tries = 4, 12
	e := testenv.NewOn(t, h.New(t), workspace.FixedPlans{"": {MaxWorkspaces: limit, MaxMembers: workspace.Unlimited}})
	owner := user("owner")
	ctx, _ := e.Account(t, owner, "First")
	ok, refused := tally(t, race(tries, func(i int) error {
		_, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: fmt.Sprintf("ws %d", i)})
		return err
	}), workspace.ErrPlanLimit)
	require.Equal(t, limit-1, ok)
	require.Equal(t, tries-limit+1, refused)
	list, err := e.WS.List(context.Background(), owner, workspace.Page{})
	require.NoError(t, err)
	require.Len(t, list, limit)
}

func concurrentInvites(t *testing.T, h Harness) {
	const seats, tries = 5, 12
	e := testenv.NewOn(t, h.New(t), workspace.FixedPlans{"": {MaxWorkspaces: 1, MaxMembers: seats}})
	ctx, _ := e.Account(t, user("owner"), "First")
	ok, refused := tally(t, race(tries, func(i int) error {
		_, _, err := e.Team.Invite(ctx, fmt.Sprintf("u%d@example.com", i), workspace.RoleMember)
		return err
	}), workspace.ErrPlanLimit)
	require.Equal(t, seats-1, ok, "the account owner holds one seat")
	require.Equal(t, tries-seats+1, refused)
	invs, err := e.Team.Pending(ctx)
	require.NoError(t, err)
	require.Len(t, invs, seats-1)
}

func concurrentAccepts(t *testing.T, h Harness) {
	const tries = 8
	e := testenv.NewOn(t, h.New(t), testenv.Unlimited)
	ctx, w := e.Account(t, user("owner"), "First")
	_, token, err := e.Team.Invite(ctx, "bob@example.com", workspace.RoleMember)
	require.NoError(t, err)
	ok, refused := tally(t, race(tries, func(i int) error {
		_, err := e.Team.Accept(context.Background(), user(fmt.Sprint("bob", i)), token)
		return err
	}), membership.ErrTokenUsed)
	require.Equal(t, 1, ok)
	require.Equal(t, tries-1, refused)
	n, err := e.Store.CountMemberships(context.Background(), w.ID)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func concurrentDemotions(t *testing.T, h Harness) {
	e := testenv.NewOn(t, h.New(t), testenv.Unlimited)
	owner := user("owner")
	ctx, w := e.Account(t, owner, "First")
	var owners []workspace.UserID
	var ctxs []context.Context
	for i := range 3 {
		u := user(fmt.Sprint("o", i))
		owners = append(owners, u)
		ctxs = append(ctxs, e.Join(t, ctx, u, workspace.RoleOwner))
	}
	errs := race(len(owners)*len(owners), func(i int) error {
		_, err := e.Team.ChangeRole(ctxs[i/len(owners)], owners[i%len(owners)], workspace.RoleMember)
		return err
	})
	for _, err := range errs {
		if err != nil && !errors.Is(err, workspace.ErrForbidden) && !errors.Is(err, workspace.ErrConflict) {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	a, err := e.Store.GetAccess(context.Background(), w.ID, owner)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleOwner, a.Role)
	require.NoError(t, e.Authz.Require(ctx, "settings", "delete"), "the workspace still has an owner who can act")
	// Every membership version moved exactly once per applied change.
	for _, u := range owners {
		m, err := e.Store.GetMembership(context.Background(), w.ID, u)
		require.NoError(t, err)
		if m.Role == workspace.RoleMember {
			require.Equal(t, int64(2), m.Version, "one demotion applied, none lost or doubled")
		} else {
			require.Equal(t, int64(1), m.Version)
		}
	}
}

func failingPurge(t *testing.T, h Harness) {
	e := testenv.NewOn(t, h.New(t), testenv.Unlimited)
	ctx, w := e.Account(t, user("owner"), "First")
	_, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Second"})
	require.NoError(t, err)
	bob := user("bob")
	e.Join(t, ctx, bob, workspace.RoleMember)
	inv, _, err := e.Team.Invite(ctx, "carol@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	boom := errors.New("purge failed")
	e.WS.RegisterPurge("writes then fails", func(ctx context.Context, id uuid.UUID) error {
		if err := e.Store.DeleteMembership(ctx, id, bob); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, e.WS.Delete(ctx, w.ID, "First"), boom)
	_, err = e.Store.GetWorkspace(context.Background(), w.ID)
	require.NoError(t, err)
	_, err = e.Store.GetMembership(context.Background(), w.ID, bob)
	require.NoError(t, err, "the purge's own write was rolled back")
	_, err = e.Store.GetInvitation(context.Background(), w.ID, inv.ID)
	require.NoError(t, err)
}

func acceptRacingResend(t *testing.T, h Harness) {
	e := testenv.NewOn(t, h.New(t), testenv.Unlimited)
	ctx, _ := e.Account(t, user("owner"), "First")
	for i := range 6 {
		inv, old, err := e.Team.Invite(ctx, fmt.Sprintf("r%d@example.com", i), workspace.RoleMember)
		require.NoError(t, err)
		var acceptErr, resendErr error
		race(2, func(j int) error {
			if j == 0 {
				_, acceptErr = e.Team.Accept(context.Background(), user("joiner"), old)
			} else {
				_, _, resendErr = e.Team.Resend(ctx, inv.ID)
			}
			return nil
		})
		switch {
		case acceptErr == nil:
			require.ErrorIs(t, resendErr, membership.ErrNotPending, "the old token joined, so the resend came too late")
		case resendErr == nil:
			require.ErrorIs(t, acceptErr, membership.ErrTokenUnknown, "the token was replaced first")
		default:
			t.Fatalf("both failed: accept %v, resend %v", acceptErr, resendErr)
		}
	}
}

func acceptRacingRevoke(t *testing.T, h Harness) {
	e := testenv.NewOn(t, h.New(t), testenv.Unlimited)
	ctx, w := e.Account(t, user("owner"), "First")
	for i := range 6 {
		inv, token, err := e.Team.Invite(ctx, fmt.Sprintf("v%d@example.com", i), workspace.RoleMember)
		require.NoError(t, err)
		joiner := user("joiner")
		var acceptErr, revokeErr error
		race(2, func(j int) error {
			if j == 0 {
				_, acceptErr = e.Team.Accept(context.Background(), joiner, token)
			} else {
				revokeErr = e.Team.Revoke(ctx, inv.ID)
			}
			return nil
		})
		_, memberErr := e.Store.GetMembership(context.Background(), w.ID, joiner)
		switch {
		case acceptErr == nil:
			require.ErrorIs(t, revokeErr, membership.ErrNotPending)
			require.NoError(t, memberErr)
		case revokeErr == nil:
			require.ErrorIs(t, acceptErr, membership.ErrTokenRevoked)
			require.ErrorIs(t, memberErr, workspace.ErrNotFound)
		default:
			t.Fatalf("both failed: accept %v, revoke %v", acceptErr, revokeErr)
		}
	}
}

// The services rely on this to publish events and drop cached permissions
// only for what really committed.
func afterCommit(t *testing.T, h Harness) {
	st := h.New(t)
	_, ok := st.(workspace.TxObserver)
	require.True(t, ok, "the store should implement workspace.TxObserver")
	ctx := context.Background()
	require.False(t, workspace.InTransaction(ctx, st))

	ran := 0
	workspace.AfterCommit(ctx, st, func(context.Context) { ran++ })
	require.Equal(t, 1, ran, "outside a transaction it runs at once")

	var order []string
	err := st.Atomic(ctx, func(ctx context.Context) error {
		require.True(t, workspace.InTransaction(ctx, st))
		workspace.AfterCommit(ctx, st, func(ctx context.Context) {
			order = append(order, "outer")
			// The finished transaction is gone from the context: fn can use the store.
			require.False(t, workspace.InTransaction(ctx, st))
			_, err := st.GetAccount(ctx, uuid.New())
			require.ErrorIs(t, err, workspace.ErrNotFound)
			require.NoError(t, st.Atomic(ctx, func(context.Context) error { return nil }))
		})
		return st.Atomic(ctx, func(ctx context.Context) error {
			workspace.AfterCommit(ctx, st, func(context.Context) { order = append(order, "nested") })
			require.Empty(t, order, "nothing runs before the outermost commit")
			return nil
		})
	})
	require.NoError(t, err)
	require.Equal(t, []string{"outer", "nested"}, order)

	rolledBack := false
	err = st.Atomic(ctx, func(ctx context.Context) error {
		workspace.AfterCommit(ctx, st, func(context.Context) { rolledBack = true })
		return errors.New("roll back")
	})
	require.Error(t, err)
	require.False(t, rolledBack, "never after a rollback")
}
