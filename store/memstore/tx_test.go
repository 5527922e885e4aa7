package memstore_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

var errBoom = errors.New("boom")

func seedAccount(t *testing.T, s *memstore.Store) workspace.Account {
	t.Helper()
	a := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1, CreatedAt: time.Unix(0, 0).UTC()}
	require.NoError(t, s.CreateAccount(t.Context(), a))
	return a
}

func TestContextOfAnEndedTransactionIsRefused(t *testing.T) {
	s := memstore.New()
	a := seedAccount(t, s)
	var escaped context.Context
	require.NoError(t, s.Atomic(t.Context(), func(ctx context.Context) error {
		escaped = ctx
		return nil
	}))
	_, err := s.GetAccount(escaped, a.ID)
	require.ErrorIs(t, err, memstore.ErrTxDone)
	_, err = s.LockAccount(escaped, a.ID)
	require.ErrorIs(t, err, memstore.ErrTxDone)
	require.ErrorIs(t, s.Atomic(escaped, func(context.Context) error { return nil }), memstore.ErrTxDone)
	// The store itself is free.
	_, err = s.GetAccount(t.Context(), a.ID)
	require.NoError(t, err)
}

func TestCallWithTheOuterContextInsideAtomicTimesOut(t *testing.T) {
	s := memstore.New(memstore.WithLockTimeout(20 * time.Millisecond))
	a := seedAccount(t, s)
	outer := t.Context()
	err := s.Atomic(outer, func(ctx context.Context) error {
		_, err := s.GetAccount(outer, a.ID) // the mistake: not ctx
		return err
	})
	require.ErrorIs(t, err, memstore.ErrLockTimeout)
	err = s.Atomic(outer, func(ctx context.Context) error {
		return s.Atomic(outer, func(context.Context) error { return nil })
	})
	require.ErrorIs(t, err, memstore.ErrLockTimeout)
}

func TestWaitingForTheLockEndsWithTheContext(t *testing.T) {
	s := memstore.New()
	a := seedAccount(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	err := s.Atomic(t.Context(), func(context.Context) error {
		// The other call cannot get the lock while this transaction holds
		// it; cancelling its context must free it.
		done := make(chan error)
		go func() {
			_, err := s.GetAccount(ctx, a.ID)
			done <- err
		}()
		cancel()
		return <-done
	})
	require.ErrorIs(t, err, context.Canceled)
}

func TestAnotherStoresTransactionIsNotJoined(t *testing.T) {
	s1, s2 := memstore.New(), memstore.New()
	a := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1}
	err := s1.Atomic(t.Context(), func(ctx context.Context) error {
		_, err := s2.LockAccount(ctx, a.ID)
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		require.NoError(t, s2.CreateAccount(ctx, a)) // commits on its own
		require.NoError(t, s1.CreateAccount(ctx, a))
		return s2.Atomic(ctx, func(both context.Context) error {
			_, err := s1.LockAccount(both, a.ID)
			require.NoError(t, err, "s2's transaction does not hide s1's")
			_, err = s2.LockAccount(both, a.ID)
			require.NoError(t, err)
			return errBoom
		})
	})
	require.ErrorIs(t, err, errBoom)
	_, err = s1.GetAccount(t.Context(), a.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = s2.GetAccount(t.Context(), a.ID)
	require.NoError(t, err)
}

func TestGoexitInFnRollsBackAndReleases(t *testing.T) {
	s := memstore.New()
	a := seedAccount(t, s)
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = s.Atomic(t.Context(), func(ctx context.Context) error {
			a2 := a
			a2.Name = "changed"
			if err := s.UpdateAccount(ctx, a2); err != nil {
				return err
			}
			runtime.Goexit() // what t.FailNow does inside fn
			return nil
		})
	})
	wg.Wait()
	got, err := s.GetAccount(t.Context(), a.ID)
	require.NoError(t, err)
	require.Equal(t, "Acme", got.Name)
}
