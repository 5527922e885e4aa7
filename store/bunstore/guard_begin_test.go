package bunstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"golang.org/x/sync/errgroup"
)

// beganWith is what a transaction begun through a guarded connection
// reports about itself.
type beganWith struct {
	isolation, readOnly string
	setting             sql.NullString
}

func txSettings(t *testing.T, ctx context.Context, tx *sql.Tx) beganWith {
	t.Helper()
	var b beganWith
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only'), current_setting('"+bunstore.SettingWorkspace+"', true)").
		Scan(&b.isolation, &b.readOnly, &b.setting))
	return b
}

// guarded is a connection of w's database through the guard's connector
// (with no table registered, so that raw statements pass and only
// row-level security binds them): as the app role in strict mode or as the
// superuser without, with the pgx query mode given (the way BEGIN is sent
// depends on it), limited to one connection so that every transaction
// after the first reuses what the first prepared.
type guarded struct {
	name   string
	strict bool
	mode   pgx.QueryExecMode
	db     *bun.DB
}

func openGuarded(t *testing.T, w *strictWorld, strict bool, mode pgx.QueryExecMode) guarded {
	t.Helper()
	dsn := pgDSN(t, w.db)
	var opts []bunstore.ConnectorOption
	name := "plain"
	if strict {
		dsn, opts, name = w.appDSN, []bunstore.ConnectorOption{bunstore.WithStrictMode()}, "strict"
	}
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = mode
	sqldb := sql.OpenDB(bunstore.NewRegistry().Connector(stdlib.GetConnector(*cfg), opts...))
	sqldb.SetMaxOpenConns(1)
	db := bun.NewDB(sqldb, pgdialect.New())
	t.Cleanup(func() { _ = db.Close() })
	return guarded{name: name + "/" + mode.String(), strict: strict, mode: mode, db: db}
}

var queryModes = []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol}

func TestGuardedBeginHonoursIsolationAndReadOnly(t *testing.T) {
	levels := map[sql.IsolationLevel]string{
		sql.LevelDefault:         "read committed",
		sql.LevelReadUncommitted: "read uncommitted",
		sql.LevelReadCommitted:   "read committed",
		sql.LevelRepeatableRead:  "repeatable read",
		sql.LevelSnapshot:        "repeatable read",
		sql.LevelSerializable:    "serializable",
	}
	w := newStrictWorld(t)
	ctx := scopeCtx(w.wsA)
	for _, strict := range []bool{false, true} {
		for _, mode := range queryModes {
			g := openGuarded(t, w, strict, mode)
			for round := 0; round < 2; round++ { // prepared on the first round, reused on the second
				for level, want := range levels {
					for _, ro := range []bool{false, true} {
						tx, err := g.db.DB.BeginTx(ctx, &sql.TxOptions{Isolation: level, ReadOnly: ro})
						require.NoError(t, err, "%s %v read-only %v", g.name, level, ro)
						got := txSettings(t, ctx, tx)
						require.NoError(t, tx.Commit())
						require.Equal(t, want, got.isolation, "%s %v", g.name, level)
						require.Equal(t, map[bool]string{false: "off", true: "on"}[ro], got.readOnly, "%s %v", g.name, level)
						if strict {
							require.Equal(t, w.wsA.String(), got.setting.String, "%s: the setting is the scope's workspace", g.name)
						} else {
							require.Empty(t, got.setting.String, "%s: without strict mode nothing sets the workspace", g.name)
						}
					}
				}
			}
			var after sql.NullString
			require.NoError(t, g.db.QueryRowContext(ctx, "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&after))
			require.Empty(t, after.String, "%s: the setting ended with the transaction", g.name)
			_, err := g.db.DB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelLinearizable})
			require.ErrorContains(t, err, "unsupported isolation level", g.name)
		}
	}
}

// Only pgx's default mode caches statements, so only there is BEGIN
// prepared; the modes meant for poolers leave nothing prepared behind.
// Strict mode begins with one simple query (cheapest with SET LOCAL), so
// it prepares nothing either.
func TestGuardedBeginPreparesOnlyWhenPgxCachesStatements(t *testing.T) {
	w := newStrictWorld(t)
	ctx := scopeCtx(w.wsA)
	for _, strict := range []bool{false, true} {
		for _, mode := range queryModes {
			g := openGuarded(t, w, strict, mode)
			inTx(t, ctx, g.db, func(tx bun.Tx) {
				var n int
				require.NoError(t, tx.QueryRowContext(unscoped(), "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'workspacekit_begin_%'").Scan(&n))
				require.Equal(t, map[bool]int{false: 0, true: 1}[mode == pgx.QueryExecModeCacheStatement && !strict], n, g.name)
			})
		}
	}
}

func TestGuardedBeginPreparesAgainAfterTheHostDeallocates(t *testing.T) {
	w := newStrictWorld(t)
	ctx := scopeCtx(w.wsA)
	// Strict mode begins with one simple query and prepares nothing.
	const strict = false
	g := openGuarded(t, w, strict, pgx.QueryExecModeCacheStatement)
	inTx(t, ctx, g.db, func(bun.Tx) {})
	_, err := g.db.ExecContext(ctx, "DEALLOCATE workspacekit_begin_0")
	require.NoError(t, err, g.name)
	inTx(t, ctx, g.db, func(tx bun.Tx) {
		var n int
		require.NoError(t, tx.QueryRowContext(unscoped(), "SELECT count(*) FROM pg_prepared_statements WHERE name = 'workspacekit_begin_0'").Scan(&n))
		require.Equal(t, 1, n, "%s: prepared again", g.name)
	})
}

// Transactions whose contexts end at random moments, begin included,
// never leave a pooled connection out of step with the server or carrying
// a workspace: every transaction that does begin sees exactly its own
// workspace's rows.
func TestStrictBeginUnderCancellationKeepsConnectionsInStep(t *testing.T) {
	w := newStrictWorld(t)
	w.app.SetMaxOpenConns(4)
	scopes := map[int]context.Context{0: scopeCtx(w.wsA), 1: scopeCtx(w.wsB)}
	want := map[int][]string{0: {"a1", "a2"}, 1: {"b1", "b2"}}
	var g errgroup.Group
	var ok, failed atomic.Int64
	for worker := range 8 {
		g.Go(func() error {
			rng := rand.New(rand.NewPCG(uint64(worker), 1))
			for i := range 300 {
				k := (worker + i) % 2
				// Every other transaction has time enough, which keeps
				// connections warm; the others end within the first
				// milliseconds of a transaction on a warm connection
				// (0.3-2 ms here): before, in and after BEGIN.
				d := time.Minute
				if rng.IntN(2) == 0 {
					d = time.Duration(rng.IntN(800)) * time.Microsecond
				}
				ctx, cancel := context.WithTimeout(scopes[k], d)
				var names []string
				err := w.app.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					return tx.NewRaw("SELECT name FROM agents ORDER BY name").Scan(ctx, &names)
				})
				// Past the deadline, not ctx.Err(): a dial fails on the
				// deadline itself, before the context's timer has fired.
				deadline, _ := ctx.Deadline()
				expired := !time.Now().Before(deadline)
				cancel()
				if err == nil {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
				if err == nil && !slices.Equal(names, want[k]) {
					return fmt.Errorf("workspace %d saw %v", k, names)
				}
				// database/sql gives up with ErrBadConn when its retries
				// all meet connections that cancellations broke (plain
				// pgx/stdlib does the same under this churn); anything else
				// before the deadline would be a connection out of step.
				if err != nil && !expired && !errors.Is(err, driver.ErrBadConn) {
					return fmt.Errorf("error before the deadline: %w", err)
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	t.Logf("%d transactions committed, %d ended by their context", ok.Load(), failed.Load())
	require.NotZero(t, ok.Load())
	require.NotZero(t, failed.Load())
	for k, ctx := range scopes {
		for range 8 { // every pooled connection, in turn
			inTx(t, ctx, w.app, func(tx bun.Tx) {
				require.Equal(t, want[k], rawNames(t, ctx, tx, "SELECT name FROM agents ORDER BY name"))
			})
		}
	}
}

// stallConn passes everything through until stall is called; from then on
// reads wait, reading nothing, until a read deadline passes: a server that
// stopped answering.
type stallConn struct {
	net.Conn
	mu       sync.Mutex
	stalled  bool
	deadline time.Time
	changed  chan struct{} // closed and replaced when the deadline changes
}

func (c *stallConn) stall() {
	c.mu.Lock()
	c.stalled = true
	c.mu.Unlock()
}

func (c *stallConn) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if !c.stalled {
			c.mu.Unlock()
			return c.Conn.Read(b)
		}
		dl, changed := c.deadline, c.changed
		c.mu.Unlock()
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, os.ErrDeadlineExceeded
		}
		var expire <-chan time.Time
		if !dl.IsZero() {
			timer := time.NewTimer(time.Until(dl))
			expire = timer.C
			defer timer.Stop()
		}
		select {
		case <-changed:
		case <-expire:
		}
	}
}

func (c *stallConn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *stallConn) SetDeadline(t time.Time) error {
	c.setReadDeadline(t)
	return c.Conn.SetDeadline(t)
}

func (c *stallConn) SetReadDeadline(t time.Time) error {
	c.setReadDeadline(t)
	return c.Conn.SetReadDeadline(t)
}

// A context that ends while BEGIN waits for the server's answer ends the
// connection too: its answer is still on the way, so handing it back to
// the pool would let the next borrower read it as its own.
func TestStrictBeginCanceledMidExchangeDropsTheConnection(t *testing.T) {
	w := newStrictWorld(t)
	cfg, err := pgx.ParseConfig(w.appDSN)
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []*stallConn
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sc := &stallConn{Conn: c, changed: make(chan struct{})}
		mu.Lock()
		conns = append(conns, sc)
		mu.Unlock()
		return sc, nil
	}
	db := bun.NewDB(sql.OpenDB(bunstore.NewRegistry().Connector(stdlib.GetConnector(*cfg), bunstore.WithStrictMode())), pgdialect.New())
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	ctx := scopeCtx(w.wsA)
	pid := func(tx bun.Tx) (pid int) {
		require.NoError(t, tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid))
		return pid
	}
	var first int
	// Connected, set_config looked up, BEGIN prepared; and a second
	// checkout, so that pgx/stdlib's reset does not ping (it pings a
	// connection idle for more than a second, or never reset) and the
	// stalled exchange is BEGIN's.
	for range 2 {
		inTx(t, ctx, db, func(tx bun.Tx) { first = pid(tx) })
	}

	mu.Lock()
	conns[0].stall()
	mu.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = db.BeginTx(cctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "pgguard: begin", "the exchange was under way")

	inTx(t, ctx, db, func(tx bun.Tx) {
		require.NotEqual(t, first, pid(tx), "a new connection")
		require.Equal(t, []string{"a1", "a2"}, rawNames(t, ctx, tx, "SELECT name FROM agents ORDER BY name"))
	})
}
