package pgguard

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func openStrict(t *testing.T, dsn string, mode pgx.QueryExecMode) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = mode
	db := sql.OpenDB(New("agents").Connector(stdlib.GetConnector(*cfg), WithStrictMode()))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// When BEGIN runs and setting the key fails, the transaction is rolled
// back before the error is returned: the pooled connection is kept, idle,
// and its next transaction gets the key. In every pgx query mode.
func TestStrictBeginFailingToSetTheKeyLeavesNoTransaction(t *testing.T) {
	dsn := pg.NewDatabase(t)
	ws := uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")
	ctx := workspace.WithScope(context.Background(), workspace.Scope{AccountID: ws, WorkspaceID: ws, UserID: "u"})
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		db := openStrict(t, dsn, mode)
		var before, after int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&before))

		keyStatement = func(context.Context) string { return "SET LOCAL default_transaction_isolation = 'bogus'" }
		_, err := db.BeginTx(ctx, nil)
		keyStatement = setLocalKey
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%v: %v", mode, err)
		require.Equal(t, "22023", pgErr.Code, "%v", mode)

		require.NoError(t, db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&after))
		require.Equal(t, before, after, "%v: the connection was left idle, so the pool keeps it", mode)
		var key string
		require.NoError(t, db.QueryRowContext(ctx, "SELECT coalesce(current_setting('"+SettingWorkspace+"', true), '')").Scan(&key))
		require.Empty(t, key, "%v: outside a transaction no key", mode)

		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err, "%v", mode)
		require.NoError(t, tx.QueryRowContext(ctx, "SELECT current_setting('"+SettingWorkspace+"')").Scan(&key))
		require.Equal(t, ws.String(), key, "%v", mode)
		require.NoError(t, tx.Rollback())
	}
}

// A Parse that fails (something squats the reserved name on the
// connection) leaves the connection in step with the server: the error is
// returned, no transaction is left open, and the next statement works.
// The guard refuses PREPARE, so the squatter goes around it.
func TestBeginParseFailureKeepsTheConnectionUsable(t *testing.T) {
	dsn := pg.NewDatabase(t)
	ws := uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")
	ctx := workspace.WithScope(context.Background(), workspace.Scope{AccountID: ws, WorkspaceID: ws, UserID: "u"})
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	db := sql.OpenDB(New("agents").Connector(stdlib.GetConnector(*cfg)))
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	around := func(q string) {
		require.NoError(t, conn.Raw(func(dc any) error {
			_, err := dc.(*guardConn).inner.(pgxConner).Conn().Exec(ctx, q)
			return err
		}))
	}
	// The serializable read-only BEGIN, which nothing has begun with yet.
	opts := &sql.TxOptions{Isolation: sql.LevelSerializable, ReadOnly: true}
	around("PREPARE workspacekit_begin_9 AS SELECT 1")
	_, err = conn.BeginTx(ctx, opts)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "%v", err)
	require.Equal(t, "42P05", pgErr.Code)
	var one int
	require.NoError(t, conn.QueryRowContext(ctx, "SELECT 1").Scan(&one))
	around("DEALLOCATE workspacekit_begin_9")
	tx, err := conn.BeginTx(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
}
