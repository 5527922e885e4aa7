package bunstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/workspacekit/workspacekit/store/bunstore"
)

func appliedMigrations(t *testing.T, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+bunstore.MigrationsTable).Scan(&n))
	return n
}

func TestMigrateIsIdempotent(t *testing.T) {
	pg.Require(t)
	db, err := bunstore.Open(pg.NewDatabase(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	require.NoError(t, bunstore.Migrate(t.Context(), db))
	first := appliedMigrations(t, db)
	require.Positive(t, first)
	require.NoError(t, bunstore.New(db).Migrate(t.Context()))
	require.Equal(t, first, appliedMigrations(t, db), "a second run applies nothing")
}

func TestMigrateConcurrently(t *testing.T) {
	pg.Require(t)
	dsn := pg.NewDatabase(t)
	// Separate pools stand for separate app instances starting at once.
	const instances = 6
	var g errgroup.Group
	for range instances {
		db, err := bunstore.Open(dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		g.Go(func() error { return bunstore.Migrate(t.Context(), db) })
	}
	require.NoError(t, g.Wait())

	db, err := bunstore.Open(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ms, err := bunstore.Migrations()
	require.NoError(t, err)
	require.Equal(t, len(ms.Sorted()), appliedMigrations(t, db), "each migration recorded exactly once")
	var locks int
	require.NoError(t, db.QueryRowContext(t.Context(),
		"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").Scan(&locks))
	require.Zero(t, locks, "the advisory lock is released")
}

func TestMigrateNeedsADB(t *testing.T) {
	db := migratedDB(t)
	tx, err := db.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	require.ErrorIs(t, bunstore.New(tx).Migrate(t.Context()), bunstore.ErrMigrate)
}

// The schema keeps the Citus rule: in every table with a workspace_id
// column, the primary key and every unique index start with it, and every
// foreign key to a workspace-owned table includes it. Three tables are
// keyed otherwise on purpose: invitation_tokens and workspacekit_api_key_ids
// (lookup tables of a global unique value: a token hash, a key id) and the
// change log, one log of every workspace's changes in commit order (a
// reference table there).
func TestSchemaLeadsWithWorkspaceID(t *testing.T) {
	db := migratedDB(t)
	ctx := t.Context()
	rows, err := db.QueryContext(ctx, `
		SELECT c.relname, i.relname, a.attname
		FROM pg_index x
		JOIN pg_class c ON c.oid = x.indrelid
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
		WHERE n.nspname = 'public' AND x.indisunique
		  AND EXISTS (SELECT 1 FROM pg_attribute w WHERE w.attrelid = c.oid AND w.attname = 'workspace_id' AND NOT w.attisdropped)
		  AND c.relname NOT IN ('invitation_tokens', 'workspacekit_api_key_ids', 'workspacekit_changes')`)
	require.NoError(t, err)
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var table, index, first string
		require.NoError(t, rows.Scan(&table, &index, &first))
		require.Equal(t, "workspace_id", first, "unique index %s on %s", index, table)
		seen++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 4, seen, "the primary keys of memberships, invitations, custom_roles and workspacekit_api_keys")

	fks, err := db.QueryContext(ctx, `
		SELECT conrelid::regclass::text, conname,
		       EXISTS (SELECT 1 FROM unnest(conkey) k JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k WHERE a.attname = 'workspace_id')
		FROM pg_constraint
		WHERE contype = 'f' AND confrelid <> 'workspaces'::regclass AND confrelid <> 'accounts'::regclass
		  AND connamespace = 'public'::regnamespace`)
	require.NoError(t, err)
	defer fks.Close()
	for fks.Next() {
		var table, name string
		var has bool
		require.NoError(t, fks.Scan(&table, &name, &has))
		require.True(t, has, "foreign key %s on %s must include workspace_id", name, table)
	}
	require.NoError(t, fks.Err())
}
