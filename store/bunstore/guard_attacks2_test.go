package bunstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
)

// Second attack review of the parser-based guard (PostgreSQL 15). Each
// test proves the attack on an unguarded connection first (it really
// reaches workspace B, or really leaves state behind on the connection for
// its next borrower), then sends it through the guarded pool in A's scope,
// where it must be refused with ErrUnscopedQuery. Each failing test is a
// hole in the current guard: the guarded attempt is then carried through
// and what it reached is reported as "GUARD HOLE".

// pgxStatementName is the name pgx's statement cache (the default
// QueryExecModeCacheStatement) prepares sql under on the server:
// internal/stmtcache.StatementName in pgx v5.
func pgxStatementName(sql string) string {
	d := sha256.Sum256([]byte(sql))
	return "stmtcache_" + hex.EncodeToString(d[0:24])
}

// pinned is one connection of db, closed (not pooled again) at the end of
// the test, since the attacks leave state on it.
func pinned(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { discard(t, c) })
	return c
}

// runPrior runs B's own read as bun and pgx run reads: a query, prepared
// by pgx's statement cache also without arguments (pgx's Exec would send
// an argument-less statement as a simple query, unprepared).
func runPrior(t *testing.T, ctx context.Context, c *sql.Conn, q string, args []any) {
	t.Helper()
	rows, err := c.QueryContext(ctx, q, args...)
	require.NoError(t, err, "B's own statement %q", q)
	require.True(t, leaksB(scanStrings(t, rows)), "B reads its own rows")
}

// A. EXECUTE is refused as a statement of its own, but not where the
// grammar nests it: CREATE TABLE ... AS EXECUTE and EXPLAIN ANALYZE EXECUTE
// run a statement prepared on the connection with arguments of the
// attacker's choosing. pgx prepares every statement a host sends (its
// statement cache, the default mode) under a name computable from the SQL
// text, so a statement that an earlier borrower in B (or A itself) ran with
// the workspace as an argument runs again with B's id, never checked with
// those arguments; a statement bun wrote with B's id in its text runs
// again as it was. The guard checks a driver-prepared statement "at every
// execution", but only executions through the driver.
func TestAttack2NestedExecuteRunsPreparedStatements(t *testing.T) {
	w := newAttackWorld(t)
	ctxA, ctxB := scopeCtx(w.wsA), scopeCtx(w.wsB)

	reads := []struct {
		name   string
		prior  string // run in B's scope first, through the guard (accepted: it is B's own)
		args   []any
		attack string // <stmt> is the prior statement's server-side name
	}{
		{
			name:  "CREATE TEMP TABLE AS EXECUTE, B's id as the argument",
			prior: "SELECT name FROM contacts WHERE workspace_id = $1", args: []any{w.wsB},
			attack: "CREATE TEMP TABLE loot AS EXECUTE <stmt>('<B>')",
		},
		{
			name:  "EXPLAIN ANALYZE CREATE TEMP TABLE AS EXECUTE",
			prior: "SELECT name FROM agents WHERE workspace_id = $1 ORDER BY name", args: []any{w.wsB},
			attack: "EXPLAIN ANALYZE CREATE TEMP TABLE loot AS EXECUTE <stmt>('<B>')",
		},
		{
			name:   "bun's text with B's id, re-run without arguments",
			prior:  w.expand(`SELECT "contact"."name" FROM "contacts" AS "contact" WHERE ("contact"."workspace_id" = '<B>')`),
			attack: "CREATE TEMP TABLE loot AS EXECUTE <stmt>",
		},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			attack := w.expand(strings.ReplaceAll(r.attack, "<stmt>", pgxStatementName(r.prior)))

			// (a) Unguarded: B's statement, then the attack, on one connection.
			rc := pinned(t, w.raw)
			runPrior(t, ctxB, rc, r.prior, r.args)
			_, err := rc.ExecContext(ctxA, attack)
			require.NoError(t, err, "%q", attack)
			got := queryStrings(t, ctxA, rc, "SELECT name FROM loot")
			require.True(t, leaksB(got), "unguarded, %q must copy B's rows; got %v", attack, got)

			// (b) Guarded: B's statement is B's own and accepted; the attack
			// in A's scope must be refused.
			gc := pinned(t, w.db.DB)
			runPrior(t, ctxB, gc, r.prior, r.args)
			_, err = gc.ExecContext(ctxA, attack)
			if err == nil {
				got := queryStrings(t, ctxA, gc, "SELECT name FROM loot")
				t.Errorf("GUARD HOLE: %q accepted in A's scope; SELECT name FROM loot returned %v", attack, got)
			}
			require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "the guard must refuse %q", attack)
		})
	}

	// EXPLAIN ANALYZE runs what it explains: an UPDATE prepared for B's
	// own use changes B's row again, with A's values.
	t.Run("EXPLAIN ANALYZE EXECUTE of an UPDATE changes B's row", func(t *testing.T) {
		prior := "UPDATE contacts SET name = $2 WHERE workspace_id = $1 AND id = $3"
		attack := w.expand("EXPLAIN ANALYZE EXECUTE " + pgxStatementName(prior) + "('<B>', 'changed-by-a', '<cB>')")
		hasChange := func(rows []string) bool {
			for _, r := range rows {
				if strings.Contains(r, "changed-by-a") {
					return true
				}
			}
			return false
		}

		// (a) Unguarded, in a transaction rolled back.
		tx, err := w.raw.BeginTx(ctxB, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctxB, prior, w.wsB, "contact-b", w.cB)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctxA, attack)
		require.NoError(t, err, "%q", attack)
		require.True(t, hasChange(wsRows(t, tx, w.wsB)), "unguarded, %q must change B's contact", attack)
		require.NoError(t, tx.Rollback())

		// (b) Guarded: B's own UPDATE is accepted in B's scope; the attack in
		// A's scope must be refused.
		before := wsRows(t, w.raw, w.wsB)
		gtx, err := w.db.DB.BeginTx(ctxB, nil)
		require.NoError(t, err)
		defer func() { _ = gtx.Rollback() }()
		_, err = gtx.ExecContext(ctxB, prior, w.wsB, "contact-b", w.cB)
		require.NoError(t, err, "B's own statement")
		_, err = gtx.ExecContext(ctxA, attack)
		if err == nil {
			rows, qerr := gtx.QueryContext(ctxB, "SELECT name FROM contacts WHERE workspace_id = $1", w.wsB)
			require.NoError(t, qerr)
			t.Errorf("GUARD HOLE: %q accepted in A's scope; B's contacts are now %v", attack, scanStrings(t, rows))
		}
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "the guard must refuse %q", attack)
		require.NoError(t, gtx.Rollback())
		require.Equal(t, before, wsRows(t, w.raw, w.wsB))
	})
}

// B. A relation renamed to a guarded table's name. The guard looks for
// guarded names in RangeVars and String nodes, but RenameStmt keeps the
// new name in a plain string field (newname), so ALTER TABLE loot RENAME
// TO contacts passes in A's scope. A temporary table so renamed shadows
// public.contacts for the rest of the session (pg_temp is searched first
// for relations), that is for every later borrower of the pooled
// connection: B's reads get A's planted rows, B's writes land in A's
// table, which A reads back through a view made before the rename (views
// bind by OID).
func TestAttack2RenameShadowsGuardedTable(t *testing.T) {
	w := newAttackWorld(t)
	ctxA, ctxB := scopeCtx(w.wsA), scopeCtx(w.wsB)
	for _, rename := range []string{
		"ALTER TABLE loot RENAME TO contacts",
		"ALTER TABLE pg_temp.loot RENAME TO \"contacts\"",
	} {
		t.Run(rename, func(t *testing.T) {
			setupA := []string{
				"CREATE TEMP TABLE loot (workspace_id uuid NOT NULL, id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (workspace_id, id))",
				"CREATE TEMP VIEW peek AS SELECT name FROM loot",
				w.expand("INSERT INTO loot VALUES ('<B>', gen_random_uuid(), 'planted-by-a')"),
				rename,
			}
			readB := w.expand("SELECT name FROM contacts WHERE workspace_id = '<B>' ORDER BY name")
			writeB := w.expand("INSERT INTO contacts (workspace_id, id, name) VALUES ('<B>', gen_random_uuid(), 'secret-of-b')")

			// (a) Unguarded: A's session state, then B on the same connection.
			rc := pinned(t, w.raw)
			for _, s := range setupA {
				_, err := rc.ExecContext(ctxA, s)
				require.NoError(t, err, "%q", s)
			}
			require.Equal(t, []string{"planted-by-a"}, queryStrings(t, ctxB, rc, readB), "B reads A's planted row instead of its own")
			_, err := rc.ExecContext(ctxB, writeB)
			require.NoError(t, err)
			require.Contains(t, queryStrings(t, ctxA, rc, "SELECT name FROM peek"), "secret-of-b", "A reads what B wrote")

			// (b) Guarded: the attack must be refused, at the latest at the
			// rename (the guard refuses temporary relations outright now, so
			// it stops at the first step).
			gc := pinned(t, w.db.DB)
			for _, s := range setupA[:3] {
				if _, err := gc.ExecContext(ctxA, s); err != nil {
					require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "%q", s)
					return
				}
			}
			_, err = gc.ExecContext(ctxA, rename)
			if err == nil {
				gotB := queryStrings(t, ctxB, gc, readB)
				_, werr := gc.ExecContext(ctxB, writeB)
				require.NoError(t, werr)
				gotA := queryStrings(t, ctxA, gc, "SELECT name FROM peek")
				t.Errorf("GUARD HOLE: %q accepted in A's scope; the next borrower in B then read %v as its contacts, and A read B's write back: %v", rename, gotB, gotA)
			}
			require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "the guard must refuse %q", rename)
		})
	}
}

// C. pg_stats shows, for every column the role may read, its most common
// values and histogram bounds: values of every workspace's rows. ANALYZE
// with no table (accepted) or autovacuum fills it. (Strict mode's
// row-level security hides the statistics of its tables from pg_stats;
// the guard alone does not.)
func TestAttack2StatisticsViews(t *testing.T) {
	w := newAttackWorld(t)
	_, err := w.raw.ExecContext(context.Background(), "ANALYZE agents, contacts")
	require.NoError(t, err)
	// The guard itself lets A run a database-wide ANALYZE.
	_, err = w.db.DB.ExecContext(scopeCtx(w.wsA), "ANALYZE")
	require.NoError(t, err, "ANALYZE (every table) is accepted in A's scope")
	for _, at := range []attack{
		{name: "pg_stats histogram of agents.name", query: "SELECT array_to_string(histogram_bounds::text::text[], ' ') FROM pg_stats WHERE tablename = 'agents' AND attname = 'name'"},
		{name: "pg_stats of contacts, every column", query: "SELECT attname || ' ' || coalesce(array_to_string(most_common_vals::text::text[], ' '), '') || ' ' || coalesce(array_to_string(histogram_bounds::text::text[], ' '), '') FROM pg_catalog.pg_stats WHERE tablename = 'contacts'"},
		{name: "pg_statistic (superuser)", query: "SELECT array_to_string(s.stavalues1::text::text[], ' ') FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid WHERE c.relname = 'agents' AND s.stavalues1 IS NOT NULL"},
	} {
		w.run(t, at)
	}
}

// D. UPDATE of pg_settings is refused by its name, but any view over it is
// updatable the same way (its rule calls set_config(name, value, false)):
// a session-level change that stays on the pooled connection for its next
// borrower, in another workspace. The guard refuses the same change as
// SET SESSION (rule_test.go).
func TestAttack2SettingsThroughAView(t *testing.T) {
	w := newAttackWorld(t)
	ctxA, ctxB := scopeCtx(w.wsA), scopeCtx(w.wsB)
	for _, c := range []struct{ setting, value, shown string }{
		{"default_transaction_read_only", "on", "on"},
		{"search_path", "pg_temp, public", "pg_temp, public"},
		{"statement_timeout", "1", "1ms"},
	} {
		t.Run(c.setting, func(t *testing.T) {
			stmts := []string{
				"CREATE TEMP VIEW s AS SELECT name, setting FROM pg_settings",
				"UPDATE s SET setting = '" + c.value + "' WHERE name = '" + c.setting + "'",
			}
			// (a) Unguarded: the next borrower (B) inherits it.
			rc := pinned(t, w.raw)
			for _, s := range stmts {
				_, err := rc.ExecContext(ctxA, s)
				require.NoError(t, err, "%q", s)
			}
			require.Equal(t, []string{c.shown}, queryStrings(t, ctxB, rc, "SHOW "+c.setting))

			// (b) Guarded: one of the two must be refused.
			gc := pinned(t, w.db.DB)
			var refused error
			for _, s := range stmts {
				if _, err := gc.ExecContext(ctxA, s); err != nil {
					refused = err
					break
				}
			}
			if refused == nil {
				t.Errorf("GUARD HOLE: %q accepted in A's scope; the connection's next borrower in B has %s = %v",
					stmts, c.setting, queryStrings(t, ctxB, gc, "SHOW "+c.setting))
			}
			require.ErrorIs(t, refused, bunstore.ErrUnscopedQuery)
		})
	}
}

// E. With a superuser (or pg_read_server_files) app role, which the guard
// alone does not rule out: CHECKPOINT (accepted) writes the heap to disk
// and pg_read_binary_file reads the table's file, every workspace's rows.
// The table is named in a string, out of the guard's sight.
func TestAttack2ServerFiles(t *testing.T) {
	w := newAttackWorld(t)
	var super bool
	require.NoError(t, w.raw.QueryRowContext(context.Background(), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super))
	if !super {
		t.Skip("the test role is not superuser")
	}
	_, err := w.db.DB.ExecContext(scopeCtx(w.wsA), "CHECKPOINT")
	require.NoError(t, err, "CHECKPOINT is accepted in A's scope")
	// Every byte but letters, digits and - (octal escapes included) becomes
	// a space: the rows' text stays.
	read := `SELECT regexp_replace(encode(pg_read_binary_file(pg_relation_filepath('<t>')), 'escape'), '\\[0-7]{3}|[^a-z0-9-]', ' ', 'g')`
	for _, at := range []attack{
		{name: "contacts' heap file", query: strings.ReplaceAll(read, "<t>", "contacts")},
		{name: "agents' heap file", query: strings.ReplaceAll(read, "<t>", "public.agents")},
	} {
		// Again before each: a hole's clean-up reseeds the tables (new
		// files, not yet written).
		_, err := w.raw.ExecContext(context.Background(), "CHECKPOINT")
		require.NoError(t, err)
		w.run(t, at)
	}
}
