package pgguard_test

import (
	"context"
	"database/sql/driver"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/pgguard"
	"github.com/workspacekit/workspacekit/workspace"
)

// ids returns the active and another workspace's id as SQL text.
func ids() (a, b string) { return wsA.String(), wsB.String() }

// accepted are statements the rule lets through in workspace A: what bun
// generates for Scoped models, and the documented safe forms.
func accepted() []string {
	a, b := ids()
	return []string{
		`SELECT "agent"."id", "agent"."name" FROM "agents" AS "agent" WHERE ("agent"."workspace_id" = '` + a + `') AND ("agent"."id" = '` + b + `')`,
		`SELECT count(*) FROM "agents" AS "agent" WHERE ("agent"."workspace_id" = '` + a + `')`,
		`SELECT * FROM agents WHERE workspace_id = '` + strings.ToUpper(a) + `'::uuid LIMIT 10 OFFSET 20`,
		`SELECT * FROM public.agents WHERE workspace_id = '` + a + `'::pg_catalog.uuid`,
		`SELECT * FROM ONLY agents WHERE workspace_id = '` + a + `'`,
		`SELECT a.id FROM agents a JOIN contacts c ON c.workspace_id = a.workspace_id AND c.id = a.contact_id WHERE a.workspace_id = '` + a + `'`,
		`SELECT a.id FROM agents a LEFT JOIN contacts c ON c.workspace_id = a.workspace_id AND c.id = a.contact_id WHERE a.workspace_id = '` + a + `'`,
		`SELECT a.id FROM agents a LEFT JOIN contacts c ON c.workspace_id = '` + a + `' WHERE a.workspace_id = '` + a + `'`,
		`SELECT a.id FROM contacts c RIGHT JOIN agents a ON c.workspace_id = '` + a + `' WHERE a.workspace_id = '` + a + `'`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `' UNION SELECT * FROM agents WHERE workspace_id = '` + a + `'`,
		`WITH x AS (SELECT * FROM agents WHERE workspace_id = '` + a + `') SELECT * FROM x`,
		`SELECT * FROM (SELECT * FROM agents WHERE workspace_id = '` + a + `') s WHERE s.id IN (SELECT id FROM contacts WHERE workspace_id = '` + a + `')`,
		`SELECT * FROM agents WHERE workspace_id = $1`,
		`INSERT INTO "agents" AS "agent" ("workspace_id", "id", "name") VALUES ('` + a + `', '` + b + `', 'n') RETURNING "agent"."id"`,
		`INSERT INTO agents (workspace_id, id, name) VALUES ('` + a + `', 1, 'x'), ('` + a + `', 2, 'y')`,
		`INSERT INTO agents (workspace_id, id) VALUES ('` + a + `', 1) ON CONFLICT (workspace_id, id) DO UPDATE SET name = EXCLUDED.name, workspace_id = EXCLUDED.workspace_id`,
		`INSERT INTO agents (workspace_id, id) VALUES ('` + a + `', 1) ON CONFLICT DO NOTHING`,
		`UPDATE "agents" AS "agent" SET "name" = 'x' WHERE ("agent"."id" = 1) AND ("agent"."workspace_id" = '` + a + `')`,
		`UPDATE agents SET name = 'x', workspace_id = '` + a + `' WHERE workspace_id = '` + a + `' AND id = 1`,
		`UPDATE agents a SET name = c.name FROM contacts c WHERE a.workspace_id = '` + a + `' AND c.workspace_id = a.workspace_id AND c.id = a.contact_id`,
		`DELETE FROM "agents" AS "agent" WHERE ("agent"."id" = 1) AND ("agent"."workspace_id" = '` + a + `')`,
		`DELETE FROM agents a USING contacts c WHERE a.workspace_id = '` + a + `' AND c.workspace_id = '` + a + `' AND c.id = a.contact_id`,
		`EXPLAIN ANALYZE SELECT * FROM agents WHERE workspace_id = '` + a + `'`,
		`SELECT * FROM other WHERE x = $$agents$$`,
		`SELECT 'agents', "agents_x" FROM other`,
		`INSERT INTO other (x) SELECT id FROM agents WHERE workspace_id = '` + a + `'`,
		// With standard_conforming_strings on, as the parser reads and the
		// connector demands of the server, this is one literal.
		"SELECT name FROM contacts WHERE workspace_id = '" + a + "' AND name <> '\\'' UNION ALL SELECT name FROM contacts --'",
		`SELECT * FROM agents WHERE workspace_id = E'` + a + `'`,
		`BEGIN`, `COMMIT`, `SET LOCAL statement_timeout = 5`, `SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`, `RESET statement_timeout`, `SHOW search_path`, `DEALLOCATE ALL`,
	}
}

// refused are statements the rule refuses in workspace A, each a way out
// of it that was tried; the first block are issue 8's findings, each also
// run against PostgreSQL in store/bunstore.
func refused() []string {
	a, b := ids()
	return []string{
		// 1. a -- comment ended by \r
		"SELECT name FROM contacts WHERE workspace_id = '" + a + "' --\r UNION ALL SELECT name FROM contacts",
		// 2. the second ON binds to the LEFT JOIN
		"SELECT c.name FROM contacts c LEFT JOIN (SELECT 1 AS x) u JOIN (SELECT 1 AS y) v ON true ON c.workspace_id = '" + a + "'",
		// 3. an AND inside CASE
		"SELECT name FROM contacts WHERE CASE WHEN false THEN true AND workspace_id = '" + a + "' AND true ELSE true END",
		// 4. column alias lists, an unqualified name bound elsewhere
		"SELECT c.name FROM contacts AS c(wid) CROSS JOIN (SELECT '" + a + "'::uuid AS workspace_id) w WHERE workspace_id = '" + a + "'",
		"SELECT x.a FROM contacts AS x(a, b), (VALUES ('" + a + "'::uuid)) AS v(workspace_id) WHERE workspace_id = '" + a + "'",
		"SELECT * FROM contacts c WHERE c.workspace_id = '" + a + "' AND EXISTS (SELECT 1 FROM agents, (SELECT 1) s WHERE workspace_id = '" + a + "')",
		"SELECT * FROM contacts c WHERE c.workspace_id = '" + a + "' AND EXISTS (SELECT 1 FROM agents g WHERE c.workspace_id = '" + a + "')",
		// 5. IS DISTINCT FROM in SET
		"UPDATE contacts SET name = CASE WHEN name IS DISTINCT FROM 'x' THEN name ELSE 'x' END, workspace_id = '" + b + "' WHERE workspace_id = '" + a + "' AND id = 'r'",
		// 6. a three-part name
		"UPDATE db.public.contacts SET workspace_id = '" + b + "' WHERE workspace_id = '" + a + "' AND id = 1",
		"DELETE FROM db.public.contacts WHERE id = 1",
		// 7. standard_conforming_strings
		"SET standard_conforming_strings = off",
		"SET LOCAL standard_conforming_strings TO off",
		// 8, 9. the strict-mode key
		"SELECT set_config('app.workspace_id', '" + b + "', true)",
		"SELECT set_config('app.workspace_id', '" + b + "', false)",
		"SELECT pg_catalog.set_config('app.' || 'workspace_id', '" + b + "', true)",
		"SET LOCAL app.workspace_id = '" + b + "'",
		"SET app.workspace_id = '" + b + "'",
		"SET \"app.workspace_id\" TO '" + b + "'",
		"RESET app.workspace_id",
		"RESET ALL",
		"DO $$BEGIN PERFORM set_config('app.workspace_id', '" + b + "', true); END$$",
		"SELECT query_to_xml('select set_config(''app.workspace_id'', ''" + b + "'', true)', true, false, '')",
		"SELECT table_to_xml('contacts', true, false, '')",
		"UPDATE pg_settings SET setting = '" + b + "' WHERE name = 'app.workspace_id'",
		"ALTER ROLE CURRENT_USER SET app.workspace_id = '" + b + "'",
		"ALTER DATABASE d SET standard_conforming_strings = off",
		"ALTER SYSTEM SET search_path = evil",
		"SET search_path = evil, public",
		"SET client_encoding = 'SJIS'",
		"SET NAMES 'GBK'",
		"SET ROLE postgres",
		"SET statement_timeout = 1",
		"SET SESSION default_transaction_read_only = on",
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
		"SET SESSION AUTHORIZATION postgres",
		"CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'select 1'",
		"PREPARE p AS SELECT * FROM contacts WHERE workspace_id = '" + a + "'",
		"EXECUTE stmtcache_0123",
		"DECLARE c CURSOR WITH HOLD FOR SELECT 1",
		"COPY contacts TO STDOUT",
		"COPY (SELECT 1) TO STDOUT",
		// found by attacking the parser-based guard
		"INSERT INTO contacts (id, workspace_id, name) VALUES ((ROW(gen_random_uuid(), '" + b + "'::uuid)).*, '" + a + "')",
		"INSERT INTO agents (id, workspace_id, name) VALUES (c.*, '" + a + "')",
		"INSERT INTO agents (workspace_id, id) VALUES ('" + a + "', 1, 2)",
		"SELECT query FROM pg_stat_activity",
		"SELECT statement FROM pg_catalog.pg_prepared_statements",
		"SELECT * FROM pg_stat_get_activity(NULL)",
		"FETCH ALL FROM c; DECLARE c CURSOR FOR SELECT 1",
		// found by the second attack
		"CREATE TEMP TABLE loot AS EXECUTE stmtcache_0123('" + b + "')",
		"EXPLAIN ANALYZE EXECUTE stmtcache_0123('" + b + "')",
		"EXPLAIN ANALYZE CREATE TABLE loot AS EXECUTE stmtcache_0123",
		"CREATE SCHEMA s CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()",
		"ALTER TABLE loot RENAME TO contacts",
		"ALTER TABLE loot RENAME TO \"agents\"",
		"CREATE INDEX contacts ON other (x)",
		"CREATE TEMP TABLE loot (x int)",
		"CREATE TEMPORARY SEQUENCE s",
		"CREATE TEMP VIEW s AS SELECT name, setting FROM pg_settings",
		"CREATE VIEW s AS SELECT name, setting FROM pg_settings",
		"SELECT histogram_bounds FROM pg_stats WHERE tablename = 'agents'",
		"SELECT stavalues1 FROM pg_catalog.pg_statistic",
		"SELECT encode(pg_read_binary_file(pg_relation_filepath('contacts')), 'escape')",
		// found by the third attack
		"SELECT row_name FROM crosstab('SELECT name, name, name FROM contacts') AS ct(row_name text, c1 text)",
		"SELECT keyid FROM connectby('contacts', 'name', 'name', 'x', 0) AS t(keyid text, parent_keyid text, level int)",
		"SELECT n FROM xpath_table('name', '''<a/>''', 'contacts', '/a', 'true') AS t(n text, x text)",
		// shapes that escape bun's hooks
		`SELECT count(*) FROM "agents" AS "agent"`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `' OR TRUE`,
		`SELECT * FROM agents WHERE (workspace_id = '` + a + `') OR (id = 1)`,
		`SELECT * FROM agents WHERE NOT (workspace_id <> '` + a + `')`,
		`SELECT * FROM agents WHERE workspace_id::text = '` + a + `'`,
		`SELECT * FROM agents WHERE workspace_id OPERATOR(public.=) '` + a + `'`,
		`SELECT * FROM agents a LEFT JOIN contacts c ON c.id = a.contact_id WHERE a.workspace_id = '` + a + `'`,
		`SELECT * FROM agents a LEFT JOIN contacts c ON a.workspace_id = '` + a + `' AND c.workspace_id = '` + a + `'`,
		`SELECT * FROM agents a FULL JOIN contacts c ON c.workspace_id = '` + a + `' AND a.workspace_id = '` + a + `'`,
		`SELECT * FROM agents a, contacts a WHERE a.workspace_id = '` + a + `'`,
		`SELECT * FROM (agents a CROSS JOIN other o) AS j WHERE a.workspace_id = '` + a + `'`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `' UNION SELECT * FROM agents`,
		`WITH x AS (SELECT * FROM agents) SELECT * FROM x`,
		`WITH x AS (DELETE FROM agents WHERE id = 1 RETURNING *) SELECT * FROM x`,
		`SELECT * FROM agents WHERE workspace_id = '` + b + `'`,
		`SELECT * FROM agents WHERE workspace_id = $1`,
		`SELECT * FROM agents /* WHERE workspace_id = '` + a + `' */`,
		`SELECT * FROM U&"\0061gents" WHERE id = 1`,
		`SELECT * FROM "agents" JOIN LATERAL (SELECT * FROM contacts WHERE contacts.workspace_id = agents.workspace_id) s ON true WHERE agents.workspace_id = '` + a + `'`,
		`SELECT * INTO copy FROM agents WHERE workspace_id = '` + a + `'`,
		`CREATE TABLE copy AS SELECT * FROM agents WHERE workspace_id = '` + a + `'`,
		`INSERT INTO "agents" AS "agent" ("workspace_id", "id", "name") VALUES ('` + a + `', '` + b + `', 'n') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`,
		`INSERT INTO agents (workspace_id, id) VALUES ('` + a + `', 1) ON CONFLICT ON CONSTRAINT agents_pkey DO UPDATE SET name = 'x'`,
		`INSERT INTO agents (workspace_id, id) VALUES ('` + a + `', 1) ON CONFLICT (workspace_id, id) DO UPDATE SET workspace_id = '` + b + `'`,
		`INSERT INTO agents (workspace_id, id, name) VALUES ('` + a + `', 1, 'x'), ('` + b + `', 2, 'y')`,
		`INSERT INTO agents (id, name) VALUES (1, 'x')`,
		`INSERT INTO agents VALUES ('` + a + `', 1)`,
		`INSERT INTO agents DEFAULT VALUES`,
		`INSERT INTO agents (workspace_id, id) SELECT '` + a + `', id FROM other`,
		`UPDATE "agents" AS "agent" SET "name" = 'x', "workspace_id" = '` + b + `' WHERE ("agent"."id" = 1) AND ("agent"."workspace_id" = '` + a + `')`,
		`UPDATE agents SET (name, workspace_id) = ('x', '` + a + `') WHERE workspace_id = '` + a + `' AND id = 1`,
		`UPDATE agents SET (name, workspace_id) = (SELECT name, workspace_id FROM other) WHERE workspace_id = '` + a + `' AND id = 1`,
		`UPDATE "agents" AS "agent" SET "name" = 'x' WHERE ("agent"."workspace_id" = '` + a + `')`,
		`DELETE FROM "agents" AS "agent" WHERE ("agent"."workspace_id" = '` + a + `')`,
		`DELETE FROM agents a USING contacts c WHERE a.workspace_id = '` + a + `' AND c.id = a.contact_id`,
		`MERGE INTO agents USING contacts ON true WHEN MATCHED THEN DELETE`,
		`TRUNCATE agents`,
		`DROP TABLE agents`,
		`ALTER TABLE agents DISABLE ROW LEVEL SECURITY`,
		`LOCK TABLE agents`,
		`GRANT SELECT ON agents TO PUBLIC`,
		`CREATE VIEW v AS SELECT * FROM agents`,
		`SELECT * FROM agents TABLESAMPLE SYSTEM (10) WHERE workspace_id = '` + a + `'`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `'; SELECT * FROM contacts`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `' AND`,
	}
}

func seeds() []string { return append(accepted(), refused()...) }

func TestRuleAccepts(t *testing.T) {
	g := pgguard.New("agents", "contacts")
	args := []driver.NamedValue{{Ordinal: 1, Value: wsA.String()}}
	for _, q := range accepted() {
		var a []driver.NamedValue
		if strings.Contains(q, "$1") {
			a = args
		}
		require.NoError(t, g.Check(scoped(wsA), q, a), "%s", q)
	}
}

func TestRuleRefuses(t *testing.T) {
	g := pgguard.New("agents", "contacts")
	for _, q := range refused() {
		err := g.Check(scoped(wsA), q, nil)
		require.ErrorIs(t, err, pgguard.ErrUnscopedQuery, "%s", q)
	}
}

// Without a scope nothing touching a guarded table passes, and the error
// says why.
func TestRuleWithoutScope(t *testing.T) {
	g := pgguard.New("agents", "contacts")
	for _, q := range accepted() {
		if g.ReferencesForTest(q) {
			err := g.Check(context.Background(), q, nil)
			require.ErrorIs(t, err, pgguard.ErrUnscopedQuery, "%s", q)
			require.ErrorIs(t, err, workspace.ErrNoScope, "%s", q)
		}
	}
}

// A $n argument proves the workspace only when it holds the active id.
func TestRuleReadsArguments(t *testing.T) {
	g := pgguard.New("agents")
	q := "SELECT * FROM agents WHERE workspace_id = $1 AND id = $2"
	for _, v := range []any{wsA.String(), wsA, [16]byte(wsA), wsA[:], []byte(wsA.String())} {
		require.NoError(t, g.Check(scoped(wsA), q, []driver.NamedValue{{Ordinal: 1, Value: v}, {Ordinal: 2, Value: int64(1)}}), "%T", v)
	}
	for _, v := range []any{wsB.String(), wsB, nil, "x"} {
		require.ErrorIs(t, g.Check(scoped(wsA), q, []driver.NamedValue{{Ordinal: 1, Value: v}, {Ordinal: 2, Value: int64(1)}}), pgguard.ErrUnscopedQuery, "%v", v)
	}
	require.ErrorIs(t, g.Check(scoped(wsA), q, nil), pgguard.ErrUnscopedQuery, "no arguments")
}

// System work under workspace.Unscoped may touch any row and run DDL, but
// not leave a session-level change of what the guard relies on behind on a
// pooled connection.
func TestRuleUnscoped(t *testing.T) {
	g := pgguard.New("agents", "contacts")
	_, b := ids()
	for _, q := range []string{
		"SELECT * FROM agents",
		"DELETE FROM agents WHERE workspace_id = '" + b + "'",
		"ALTER TABLE agents ENABLE ROW LEVEL SECURITY",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
		"SELECT set_config('app.workspace_id', '" + b + "', true)",
		"SET LOCAL statement_timeout = 5",
		"SET LOCAL search_path = public",
	} {
		require.NoError(t, g.Check(unscoped(), q, nil), "%s", q)
	}
	for _, q := range []string{
		"SET app.workspace_id = '" + b + "'",
		"SET SESSION app.workspace_id = '" + b + "'",
		"SET LOCAL app.workspace_id = '" + b + "'",
		"RESET app.workspace_id",
		"SELECT set_config('app.workspace_id', '" + b + "', false)",
		"SELECT set_config('application_name', 'x', $1)",
		"SET standard_conforming_strings = off",
		"SET search_path = evil",
		"ALTER ROLE app SET app.workspace_id = '" + b + "'",
		"DO $$BEGIN SET LOCAL app.workspace_id = '" + b + "'; END$$",
		"PREPARE p AS SELECT 1",
		"EXECUTE p",
		"DECLARE c CURSOR WITH HOLD FOR SELECT * FROM contacts",
	} {
		require.ErrorIs(t, g.Check(unscoped(), q, nil), pgguard.ErrUnscopedQuery, "%s", q)
	}
}

// The cache answers a repeated shape without a parse, separately per table
// set, and the key keeps what the verdict depends on.
func TestCacheKeys(t *testing.T) {
	a, b := ids()
	for _, c := range []struct{ q, key string }{
		{`SELECT * FROM agents WHERE workspace_id = '` + a + `' AND id = 42 LIMIT 10`, `SELECT * FROM agents WHERE workspace_id = 'W' AND id = 0 LIMIT 0`},
		{`SELECT * FROM agents WHERE workspace_id = '` + strings.ToUpper(a) + `' AND n = 'it''s'`, `SELECT * FROM agents WHERE workspace_id = 'W' AND n = '?'`},
		{`SELECT * FROM "t1" WHERE workspace_id = '` + b + `' AND x = $12 AND y = 1.5`, `SELECT * FROM "t1" WHERE workspace_id = '?' AND x = $12 AND y = 0`},
		{`SELECT a1, b_2 FROM t WHERE "x'y" = 'z'`, `SELECT a1, b_2 FROM t WHERE "x'y" = '?'`},
	} {
		key, ok := pgguard.ShapeForTest(c.q, wsA)
		require.True(t, ok, c.q)
		require.Equal(t, c.key, key)
	}
	for _, q := range []string{
		"SELECT 1 -- c", "SELECT /* c */ 1", "SELECT $$x$$", "SELECT $a$x$a$", "SELECT E'x'", "SELECT e'x'",
		"SELECT U&'x'", `SELECT U&"x"`, "SELECT B'1'", "SELECT X'1F'", "SELECT N'x'", "SELECT 'a\\'", "SELECT 'a'\n'b'",
		"SELECT 'a' 'b'", "SELECT 1e5", "SELECT 0x1F", "SELECT 1_000", "SELECT 1.2.3", "SELECT 1.", "SELECT 'x", `SELECT "x`,
		"SELECT a$b FROM t",
	} {
		_, ok := pgguard.ShapeForTest(q, wsA)
		require.False(t, ok, "%q must be left to the parser", q)
	}
}

// A verdict that reads a literal's value (a utility statement naming a
// guarded table in an option's string) is never cached: one shape, two
// verdicts.
func TestCacheKeepsNoUtilityVerdicts(t *testing.T) {
	g := pgguard.New("contacts")
	ok := "CREATE FOREIGN TABLE loot (name text) SERVER s OPTIONS (table_name 'other')"
	bad := "CREATE FOREIGN TABLE loot (name text) SERVER s OPTIONS (table_name 'contacts')"
	require.NoError(t, g.Check(scoped(wsA), ok, nil))
	require.NoError(t, g.Check(scoped(wsA), ok, nil))
	require.Equal(t, 0, g.CachedForTest())
	require.ErrorIs(t, g.Check(scoped(wsA), bad, nil), pgguard.ErrUnscopedQuery)
	require.NoError(t, g.Check(scoped(wsA), "SAVEPOINT sp", nil))
	require.Equal(t, 1, g.CachedForTest(), "transaction control is cached")
}

func TestCacheHitsAndTableChanges(t *testing.T) {
	a, _ := ids()
	g := pgguard.New("agents")
	q := `SELECT * FROM agents a JOIN contacts c ON c.id = a.contact_id WHERE a.workspace_id = '` + a + `'`
	require.NoError(t, g.Check(scoped(wsA), q, nil))
	require.Equal(t, 1, g.CachedForTest())
	require.NoError(t, g.Check(scoped(wsA), q, nil))
	require.Equal(t, 1, g.CachedForTest(), "a hit adds nothing")
	g.SetTables("agents", "contacts")
	require.Equal(t, 0, g.CachedForTest(), "new tables, new cache")
	require.ErrorIs(t, g.Check(scoped(wsA), q, nil), pgguard.ErrUnscopedQuery)
}
