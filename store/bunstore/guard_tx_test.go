package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// endedContextDBs are the app role's databases compared by these tests:
// pgx/stdlib's own transactions (the reference, which set the workspace
// by hand) and the guard's strict-mode ones, in each pgx query mode.
func endedContextDBs(t *testing.T, w *strictWorld) map[string]*sql.DB {
	t.Helper()
	out := map[string]*sql.DB{}
	for _, mode := range queryModes {
		cfg, err := pgx.ParseConfig(w.appDSN)
		require.NoError(t, err)
		cfg.DefaultQueryExecMode = mode
		out["pgx-stdlib/"+mode.String()] = sql.OpenDB(stdlib.GetConnector(*cfg))
		out["guarded/"+mode.String()] = sql.OpenDB(bunstore.NewRegistry().Connector(stdlib.GetConnector(*cfg), bunstore.WithStrictMode()))
	}
	for _, db := range out {
		t.Cleanup(func() { _ = db.Close() })
	}
	return out
}

// writeThenEndContext begins a transaction scoped to ws on conn, renames
// a1 in it, then ends the transaction's context, the way a request that
// times out or whose client goes away ends it: database/sql then rolls
// back through the driver's Rollback, with that ended context. It returns
// the backend's pid.
func writeThenEndContext(t *testing.T, conn *sql.Conn, w *strictWorld, guarded bool) (pid int) {
	t.Helper()
	txCtx, cancel := context.WithCancel(scopeCtx(w.wsA))
	defer cancel()
	tx, err := conn.BeginTx(txCtx, nil)
	require.NoError(t, err)
	if !guarded { // strict mode sets it itself
		_, err = tx.ExecContext(txCtx, "SELECT set_config('"+bunstore.SettingWorkspace+"', $1, true)", w.wsA.String())
		require.NoError(t, err)
	}
	require.NoError(t, tx.QueryRowContext(txCtx, "SELECT pg_backend_pid()").Scan(&pid))
	res, err := tx.ExecContext(txCtx, "UPDATE agents SET name = 'a1-rolled-back' WHERE name = 'a1'")
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	cancel()
	// database/sql's awaitDone rolls back on its own; give it the time,
	// then make sure the rollback has happened one way or the other.
	time.Sleep(50 * time.Millisecond)
	_ = tx.Rollback()
	return pid
}

// endedTransaction takes a connection of db and leaves on it a
// transaction that renamed a1 and ended with its context (after putting
// a1's name back from earlier subtests). It returns the connection and its
// backend's pid.
func endedTransaction(t *testing.T, w *strictWorld, db *sql.DB, guarded bool) (*sql.Conn, int) {
	t.Helper()
	_, err := w.db.ExecContext(unscoped(), "UPDATE agents SET name = 'a1' WHERE name = 'a1-rolled-back'")
	require.NoError(t, err)
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	return conn, writeThenEndContext(t, conn, w, guarded)
}

// database/sql rolls a transaction whose context ended back through the
// driver's Rollback with that ended context, so pgx sends nothing: unless
// the driver then closes the connection, the server transaction (with its
// workspace setting) outlives the sql.Tx. On a *sql.Conn (bun.Conn) the
// holder's next statements, under workspace B, would run inside it, see
// A's rows, and B's next transaction (BEGIN only warns) would commit A's
// rolled-back write.
func TestRollbackWithEndedContextEndsTheServerTransaction(t *testing.T) {
	w := newStrictWorld(t)
	for name, db := range endedContextDBs(t, w) {
		t.Run(name, func(t *testing.T) {
			conn, _ := endedTransaction(t, w, db, name[:7] == "guarded")
			defer conn.Close()

			// Workspace B's work on the same *sql.Conn.
			ctxB := scopeCtx(w.wsB)
			var setting, outside sql.NullString
			settingErr := conn.QueryRowContext(ctxB, "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&setting)
			outsideErr := conn.QueryRowContext(ctxB, "SELECT string_agg(name, ',' ORDER BY name) FROM agents").Scan(&outside)
			var commitB error = errors.New("not begun")
			if txB, err := conn.BeginTx(ctxB, nil); err == nil {
				commitB = txB.Commit()
			}
			var a1 string
			require.NoError(t, w.db.QueryRowContext(unscoped(), "SELECT name FROM agents WHERE id = ?", w.a1).Scan(&a1))

			report := fmt.Sprintf("after A's rollback, on the same conn under B: setting=%q (err %v); rows outside a tx=%q (err %v); B's tx commit err=%v; a1 is now %q",
				setting.String, settingErr, outside.String, outsideErr, commitB, a1)
			t.Log(report)
			require.Equal(t, "a1", a1, "A's rolled-back UPDATE was committed by B's transaction: "+report)
			require.Empty(t, outside.String, report)
			require.Empty(t, setting.String, report)
		})
	}
}

// The same on a pooled connection: kept open, it would wait in the pool
// idle in transaction, holding A's row lock and snapshot, until a later
// checkout's ResetSession happened to discard it (never, if other idle
// connections serve the demand). Closed, the server ends the transaction
// at once, as with pgx/stdlib's own Tx.
func TestRollbackWithEndedContextParksNoConnectionIdleInTransaction(t *testing.T) {
	w := newStrictWorld(t)
	for name, db := range endedContextDBs(t, w) {
		t.Run(name, func(t *testing.T) {
			conn, pid := endedTransaction(t, w, db, name[:7] == "guarded")
			_ = conn.Close() // back to the pool (if still open), not checked out again

			var state string
			gone := func() bool {
				err := w.db.QueryRowContext(unscoped(), "SELECT state FROM pg_stat_activity WHERE pid = ?", pid).Scan(&state)
				return errors.Is(err, sql.ErrNoRows) || (err == nil && state != "idle in transaction")
			}
			deadline := time.Now().Add(2 * time.Second)
			for !gone() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if gone() {
				return
			}
			// Another transaction that needs the row waits on it.
			lockErr := w.db.RunInTx(unscoped(), nil, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '200ms'"); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "SELECT 1 FROM agents WHERE id = ? FOR UPDATE", w.a1)
				return err
			})
			_, err := w.db.ExecContext(unscoped(), "SELECT pg_terminate_backend(?)", pid)
			require.NoError(t, err)
			t.Errorf("backend %d is still %q 2s after its transaction's Rollback; locking a1 elsewhere: %v", pid, state, lockErr)
		})
	}
}

// Messages the begin exchange does not ask for are read past, not taken
// for its answer: a NotificationResponse queued on the idle connection
// before the exchange (a LISTEN on it, a NOTIFY elsewhere), and a
// NoticeResponse inside the exchange (BEGIN in a transaction the holder
// opened by hand only warns).
func TestBeginReadsPastNotificationsAndNotices(t *testing.T) {
	w := newStrictWorld(t)
	ctx := scopeCtx(w.wsA)
	for _, mode := range queryModes {
		g := openGuarded(t, w, true, mode)
		conn, err := g.db.DB.Conn(ctx)
		require.NoError(t, err)
		_, err = conn.ExecContext(ctx, "LISTEN workspacekit_notices")
		require.NoError(t, err)
		for range 3 {
			_, err = w.db.ExecContext(unscoped(), "NOTIFY workspacekit_notices, 'x'")
			require.NoError(t, err)
		}
		time.Sleep(50 * time.Millisecond) // delivered to the idle backend's socket
		tx, err := conn.BeginTx(ctx, nil)
		require.NoError(t, err, g.name)
		require.Equal(t, w.wsA.String(), txSettings(t, ctx, tx).setting.String, g.name)
		require.NoError(t, tx.Commit(), g.name)

		// A notice inside the exchange.
		_, err = conn.ExecContext(ctx, "BEGIN")
		require.NoError(t, err)
		tx, err = conn.BeginTx(ctx, nil)
		require.NoError(t, err, g.name)
		require.Equal(t, w.wsA.String(), txSettings(t, ctx, tx).setting.String, g.name)
		require.NoError(t, tx.Rollback(), g.name)

		var setting sql.NullString
		require.NoError(t, conn.QueryRowContext(ctx, "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&setting), g.name)
		require.Empty(t, setting.String, "%s: in step, outside any transaction", g.name)
		require.NoError(t, conn.Close())
	}
}
