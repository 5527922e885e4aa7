package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestLockOutsideAtomic(t *testing.T) {
	s := bunstore.New(migratedDB(t))
	a := seedAccount(t, s, "alice")
	w := seedWorkspace(t, s, a.ID, "Sales")
	ctx := t.Context()
	_, err := s.LockAccount(ctx, a.ID)
	require.ErrorIs(t, err, workspace.ErrNoTransaction)
	_, err = s.LockWorkspace(ctx, w.ID)
	require.ErrorIs(t, err, workspace.ErrNoTransaction)
	_, err = s.LockInvitationByToken(ctx, []byte("x"))
	require.ErrorIs(t, err, workspace.ErrNoTransaction)
}

func TestAtomicNestedJoinsAndRollsBackTogether(t *testing.T) {
	s := bunstore.New(migratedDB(t))
	a := seedAccount(t, s, "alice")
	boom := errors.New("boom")
	var inner, outer *sql.Tx
	err := s.Atomic(t.Context(), func(ctx context.Context) error {
		tx, ok := bunstore.TxFrom(ctx)
		require.True(t, ok)
		outer = tx.Tx
		require.NoError(t, s.Atomic(ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			inner = tx.Tx
			seedWorkspaceCtx(t, ctx, s, a.ID, "Sales")
			return nil
		}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Same(t, outer, inner, "the nested call runs in the outer transaction")
	n, err := s.CountWorkspaces(t.Context(), a.ID)
	require.NoError(t, err)
	require.Zero(t, n, "the nested call's write went with the outer rollback")
}

func TestAtomicPanicRollsBackAndRepanics(t *testing.T) {
	s := bunstore.New(migratedDB(t))
	a := seedAccount(t, s, "alice")
	require.PanicsWithValue(t, "kaboom", func() {
		_ = s.Atomic(t.Context(), func(ctx context.Context) error {
			seedWorkspaceCtx(t, ctx, s, a.ID, "Sales")
			panic("kaboom")
		})
	})
	n, err := s.CountWorkspaces(t.Context(), a.ID)
	require.NoError(t, err)
	require.Zero(t, n)
}

// writeSkew runs two SERIALIZABLE transactions that both count the
// account's workspaces and then each add one: PostgreSQL must abort one of
// them (SQLSTATE 40001). It returns both Atomic results and how many times
// fn ran in all.
func writeSkew(t *testing.T, retries int) (errs [2]error, runs int32) {
	db := migratedDB(t)
	s := bunstore.New(db, bunstore.WithRetries(retries),
		bunstore.WithTxOptions(&sql.TxOptions{Isolation: sql.LevelSerializable}))
	a := seedAccount(t, s, "alice")
	var counted sync.WaitGroup
	counted.Add(2)
	var g errgroup.Group
	for i := range 2 {
		var first atomic.Bool
		first.Store(true)
		g.Go(func() error {
			errs[i] = s.Atomic(t.Context(), func(ctx context.Context) error {
				atomic.AddInt32(&runs, 1)
				n, err := s.CountWorkspaces(ctx, a.ID)
				if err != nil {
					return err
				}
				if first.Swap(false) {
					// Both read before either writes: a write skew.
					counted.Done()
					counted.Wait()
				}
				w := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: fmt.Sprintf("w%d-%d", i, n), CreatedAt: t0, UpdatedAt: t0}
				return s.CreateWorkspace(ctx, w)
			})
			return nil
		})
	}
	require.NoError(t, g.Wait())
	return errs, runs
}

func TestAtomicRetriesSerializationFailures(t *testing.T) {
	errs, runs := writeSkew(t, 3)
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Equal(t, int32(3), runs, "exactly one of the two transactions ran again")
}

func TestAtomicSurfacesSerializationFailuresWithoutRetries(t *testing.T) {
	errs, runs := writeSkew(t, 0)
	require.Equal(t, int32(2), runs)
	failed := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, bunstore.ErrSerialization)
			failed++
		}
	}
	require.Equal(t, 1, failed)
}

// A store built on the host's transaction nests Atomic in a savepoint: its
// rollback undoes only what fn wrote.
func TestStoreOnAHostTransaction(t *testing.T) {
	db := migratedDB(t)
	ctx := t.Context()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	s := bunstore.New(tx)
	a := seedAccount(t, s, "alice")
	boom := errors.New("boom")
	require.ErrorIs(t, s.Atomic(ctx, func(ctx context.Context) error {
		seedWorkspaceCtx(t, ctx, s, a.ID, "Sales")
		return boom
	}), boom)
	_, err = s.GetAccount(ctx, a.ID)
	require.NoError(t, err, "the host transaction's earlier write survives")
	n, err := s.CountWorkspaces(ctx, a.ID)
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, tx.Rollback())
	_, err = bunstore.New(db).GetAccount(ctx, a.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound, "the host's rollback undoes everything")
}

func TestBeginHookAndPurgeRunInTheTransaction(t *testing.T) {
	db := migratedDB(t)
	ctx := t.Context()
	_, err := db.ExecContext(ctx, "CREATE TABLE agents (workspace_id uuid NOT NULL, id int, PRIMARY KEY (workspace_id, id))")
	require.NoError(t, err)
	var begun atomic.Int32
	purgeErr := errors.New("purge failed")
	failPurge := atomic.Bool{}
	s := bunstore.New(db,
		bunstore.WithBeginHook(func(ctx context.Context, tx bun.Tx) error { begun.Add(1); return nil }),
		bunstore.WithPurge(func(ctx context.Context, db bun.IDB, ws [16]byte) error {
			if _, err := db.NewRaw("DELETE FROM agents WHERE workspace_id = ?", uuid.UUID(ws)).Exec(ctx); err != nil {
				return err
			}
			if failPurge.Load() {
				return purgeErr
			}
			return nil
		}))
	a := seedAccount(t, s, "alice")
	w := seedWorkspace(t, s, a.ID, "Sales")
	_, err = db.ExecContext(ctx, "INSERT INTO agents VALUES (?, 1)", w.ID)
	require.NoError(t, err)

	failPurge.Store(true)
	require.ErrorIs(t, s.DeleteWorkspace(ctx, w.ID), purgeErr)
	var agents int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM agents").Scan(&agents))
	require.Equal(t, 1, agents, "a failing purge rolls the deletion back")
	_, err = s.GetWorkspace(ctx, w.ID)
	require.NoError(t, err)

	failPurge.Store(false)
	require.NoError(t, s.DeleteWorkspace(ctx, w.ID))
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM agents").Scan(&agents))
	require.Zero(t, agents)
	require.Equal(t, int32(2), begun.Load(), "each deletion ran in a transaction that Atomic began")
}
