package pgguard

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/stretchr/testify/require"
)

func TestVerifyTablesFindsWaysAroundTheGuard(t *testing.T) {
	dsn := pg.NewDatabase(t)
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	exec := func(q string) {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	exec("CREATE TABLE agents (workspace_id uuid NOT NULL, id int)")
	g := New("agents")
	require.NoError(t, g.VerifyTables(ctx, db))

	exec("CREATE TABLE old_agents () INHERITS (agents)")
	require.ErrorIs(t, g.VerifyTables(ctx, db), ErrUnguardedTable, "a child")
	g.SetTables("agents", "old_agents")
	require.NoError(t, g.VerifyTables(ctx, db))

	exec("CREATE TABLE things (workspace_id uuid NOT NULL, id int)")
	exec("ALTER TABLE agents INHERIT things")
	err = g.VerifyTables(ctx, db)
	require.ErrorIs(t, err, ErrUnguardedTable, "a parent")
	require.ErrorContains(t, err, "things")
	g.SetTables("agents", "old_agents", "things")
	require.NoError(t, g.VerifyTables(ctx, db))

	exec("CREATE VIEW agent_names AS SELECT id FROM agents")
	require.ErrorIs(t, g.VerifyTables(ctx, db), ErrUnguardedTable, "a view")
	exec("DROP VIEW agent_names")

	exec("CREATE TABLE contacts (workspace_id uuid NOT NULL, id int) PARTITION BY HASH (workspace_id)")
	exec("CREATE TABLE contacts_0 PARTITION OF contacts FOR VALUES WITH (MODULUS 1, REMAINDER 0)")
	g.SetTables("agents", "old_agents", "things", "contacts")
	require.ErrorIs(t, g.VerifyTables(ctx, db), ErrUnguardedTable, "a partition")
	g.SetTables("agents", "old_agents", "things", "contacts", "contacts_0")
	require.NoError(t, g.VerifyTables(ctx, db))

	exec("CREATE TABLE notes (workspace_id text, id int)")
	g.SetTables("agents", "old_agents", "things", "contacts", "contacts_0", "notes")
	require.ErrorIs(t, g.VerifyTables(ctx, db), ErrUnguardedTable, "workspace_id not uuid")
}
