package pgguard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrUnguardedTable means the database holds a way to a guarded table's
// rows that the guard cannot see through: an inheritance parent or child,
// a partition, or a view of it that is not guarded itself, or a guarded
// table without its uuid workspace_id column.
var ErrUnguardedTable = errors.New("pgguard: a way to guarded rows is not guarded")

// VerifyTables checks, through db, what the rule assumes of the guarded
// tables: each has a uuid workspace_id column; every inheritance ancestor
// and descendant (partitions included: a SELECT of a parent returns its
// children's rows, and a partition can be read on its own) is guarded too;
// and no view reads a guarded table (the guard cannot see inside a view;
// guard the view's name if its rows carry workspace_id, or drop it).
// Run it at start-up, after migrations.
// Errors: ErrUnguardedTable, the database's.
func (g *Guard) VerifyTables(ctx context.Context, db RowQuerier) error {
	tables := g.Tables()
	if len(tables) == 0 {
		return nil
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = "'" + strings.ReplaceAll(t, "'", "''") + "'"
	}
	names := "ARRAY[" + strings.Join(quoted, ", ") + "]::text[]"
	var missing, unguarded sql.NullString
	err := db.QueryRowContext(ctx, `WITH RECURSIVE
		g AS (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = ANY (`+names+`) AND c.relkind IN ('r', 'p', 'f', 'v', 'm')),
		anc(oid) AS (SELECT i.inhparent FROM pg_catalog.pg_inherits i JOIN g ON i.inhrelid = g.oid
			UNION SELECT i.inhparent FROM pg_catalog.pg_inherits i JOIN anc ON i.inhrelid = anc.oid),
		des(oid) AS (SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN g ON i.inhparent = g.oid
			UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN des ON i.inhparent = des.oid),
		views AS (SELECT r.ev_class AS oid FROM pg_catalog.pg_rewrite r
			JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
			JOIN g ON d.refobjid = g.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
			WHERE r.ev_class <> g.oid)
		SELECT
			(SELECT string_agg(c.oid::pg_catalog.regclass::text, ', ' ORDER BY c.oid::pg_catalog.regclass::text) FROM pg_catalog.pg_class c JOIN g ON g.oid = c.oid
				WHERE c.relkind IN ('r', 'p', 'f') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
					WHERE a.attrelid = c.oid AND a.attname = '`+ColumnWorkspaceID+`' AND a.atttypid = 'pg_catalog.uuid'::pg_catalog.regtype AND NOT a.attisdropped)),
			(SELECT string_agg(DISTINCT c.oid::pg_catalog.regclass::text, ', ') FROM pg_catalog.pg_class c
				JOIN (SELECT oid FROM anc UNION SELECT oid FROM des UNION SELECT oid FROM views) x ON x.oid = c.oid
				WHERE NOT (c.relname = ANY (`+names+`)))`).Scan(&missing, &unguarded)
	if err != nil {
		return fmt.Errorf("pgguard: verify tables: %w", err)
	}
	if missing.Valid {
		return fmt.Errorf("%w: no uuid %s column in %s", ErrUnguardedTable, ColumnWorkspaceID, missing.String)
	}
	if unguarded.Valid {
		return fmt.Errorf("%w: %s reach the rows of guarded tables (an inheritance parent or child, a partition or a view): guard them too, or drop them", ErrUnguardedTable, unguarded.String)
	}
	return nil
}
