package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/modeltest"
	"github.com/workspacekit/workspacekit/workspace"
)

// pgFaults injects a real PostgreSQL's faults into one operation of the
// model suite (modeltest.Faults). Each runs the operation inside a
// transaction of its own making, which the services join, so that the
// fault strikes the whole operation:
//
//   - terminate: the operation's backend is killed with
//     pg_terminate_backend (by the superuser, on another connection) after
//     the operation did all its work and before COMMIT;
//   - timeout: SET LOCAL statement_timeout, while another transaction holds
//     the workspace's row lock: the operation's first lock (or foreign key
//     check) on it times out (57014);
//   - cancel: the operation's context is cancelled after it did its work,
//     before COMMIT;
//   - deadline: the operation runs with a deadline of 0.1-3 ms, wherever
//     it is when it passes (but before COMMIT, see Run);
//   - serialization, serialization-once: REPEATABLE READ, and a concurrent
//     writer updates the workspace's row after the transaction's snapshot:
//     the operation's row lock fails with 40001, Atomic retries, and the
//     writer strikes again every attempt (ErrSerialization in the end) or
//     only the first (the retry commits).
type pgFaults struct {
	owner     *bun.DB // superuser, unguarded
	lib, host *bun.DB
}

func (f *pgFaults) Kinds() []string {
	return []string{"terminate", "timeout", "cancel", "deadline", "serialization", "serialization-once"}
}

func injected(err error) error { return errors.Join(modeltest.ErrInjected, err) }

func (f *pgFaults) Run(ctx context.Context, kind string, host bool, op func(ctx context.Context) error) error {
	db := f.lib
	if host {
		db = f.host
	}
	sc, _ := workspace.ScopeFrom(ctx)
	var opErr error
	// afterOp runs op and then the fault; only an error of the fault's
	// making is marked.
	afterOp := func(st *bunstore.Store, strike func(ctx context.Context) error) error {
		err := st.Atomic(ctx, func(ctx context.Context) error {
			if opErr = op(ctx); opErr != nil {
				return opErr
			}
			return strike(ctx)
		})
		if err != nil && opErr == nil {
			return injected(err)
		}
		return err
	}
	switch kind {
	case "terminate":
		return afterOp(bunstore.New(db), func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			var pid int
			if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				return err
			}
			_, err := f.owner.ExecContext(context.Background(), "SELECT pg_terminate_backend(?, 5000)", pid)
			return err
		})
	case "cancel":
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ctx = cctx
		return afterOp(bunstore.New(db), func(context.Context) error {
			cancel()
			return nil
		})
	case "deadline":
		// The deadline is the operation's, not the COMMIT's: a deadline
		// that passes during COMMIT leaves its outcome unknown to the
		// caller (bunstore.ErrCommit: the server may have committed),
		// which no all-or-nothing rule can check.
		var expired bool
		err := bunstore.New(db).Atomic(ctx, func(ctx context.Context) error {
			dctx, cancel := context.WithTimeout(ctx, time.Duration(100+rand.IntN(2900))*time.Microsecond)
			defer cancel()
			opErr = op(dctx)
			expired = dctx.Err() != nil
			return opErr
		})
		if err != nil && (expired || opErr == nil) {
			return injected(err)
		}
		return err
	case "timeout":
		if sc.WorkspaceID != [16]byte{} {
			lock, err := f.owner.BeginTx(context.Background(), nil)
			if err != nil {
				return err
			}
			defer func() { _ = lock.Rollback() }()
			if _, err := lock.ExecContext(context.Background(), "SELECT 1 FROM workspaces WHERE id = ? FOR UPDATE", sc.WorkspaceID); err != nil {
				return err
			}
		}
		err := bunstore.New(db).Atomic(ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = '40ms'"); err != nil {
				return err
			}
			return op(ctx)
		})
		if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "57014" {
			return injected(err)
		}
		return err
	case "serialization", "serialization-once":
		st := bunstore.New(db, bunstore.WithTxOptions(&sql.TxOptions{Isolation: sql.LevelRepeatableRead}), bunstore.WithRetries(2))
		attempts := 0
		err := st.Atomic(ctx, func(ctx context.Context) error {
			attempts++
			tx, _ := bunstore.TxFrom(ctx)
			if _, err := tx.ExecContext(ctx, "SELECT 1"); err != nil { // the snapshot
				return err
			}
			if sc.WorkspaceID != [16]byte{} && (kind == "serialization" || attempts == 1) {
				if _, err := f.owner.ExecContext(context.Background(), "UPDATE workspaces SET name = name WHERE id = ?", sc.WorkspaceID); err != nil {
					return err
				}
			}
			return op(ctx)
		})
		if errors.Is(err, bunstore.ErrSerialization) {
			return injected(err)
		}
		return err
	}
	return errors.New("pgFaults: unknown fault " + kind)
}
