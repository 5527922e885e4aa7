package bunstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store/bunstore"
)

// Issue 8, items 1-7: each attack on the guard, confirmed against
// PostgreSQL by an independent review, run twice against a database seeded
// with two workspaces: once WITHOUT the guard (a plain pgx/stdlib
// connection to the same database), to prove the statement really returns
// or changes B's rows while claiming workspace A, and once through the
// guarded connection in A's scope, where it must be refused with
// ErrUnscopedQuery and leave B's rows as they were. Statements are sent on
// the *sql.DB under bun, so that they reach the driver byte for byte (bun's
// formatter never sees them).

// attackWorld is a world plus an unguarded connection pool to its database.
type attackWorld struct {
	*world
	raw *sql.DB // unguarded, superuser, same database
	dsn string  // superuser DSN of the database
}

func newAttackWorld(t *testing.T) *attackWorld {
	t.Helper()
	w := newWorld(t)
	dsn := pgDSN(t, w.db)
	return &attackWorld{world: w, raw: openUnguarded(t, dsn), dsn: dsn}
}

// openUnguarded opens a plain pgx/stdlib pool on dsn: no guard at all.
func openUnguarded(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	db := sql.OpenDB(stdlib.GetConnector(*cfg))
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openGuarded opens a fresh guarded pool on dsn with w's registry, for
// subtests that leave a connection in a state the others must not inherit.
func (w *attackWorld) openGuarded(t *testing.T, dsn string) *bun.DB {
	t.Helper()
	db, err := w.reg.OpenDB(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// expand replaces <A>, <B>, <cA> (A's contact), <cB> (B's contact), <a1>
// and <b1> in q.
func (w *attackWorld) expand(q string) string {
	return strings.NewReplacer(
		"<A>", w.wsA.String(), "<B>", w.wsB.String(),
		"<cA>", w.cA.String(), "<cB>", w.cB.String(),
		"<a1>", w.a1.String(), "<b1>", w.b1.String(),
	).Replace(q)
}

// querier is what the attacks are sent on: a pool, a pinned connection or
// a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// wsRows returns every row of workspace ws in both host tables, read on q
// (unguarded).
func wsRows(t *testing.T, q querier, ws uuid.UUID) []string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), `
		SELECT 'agent ' || id || ' ' || name || ' ' || coalesce(contact_id::text, '-') FROM agents WHERE workspace_id = $1
		UNION ALL SELECT 'contact ' || id || ' ' || name FROM contacts WHERE workspace_id = $1 ORDER BY 1`, ws)
	require.NoError(t, err)
	return scanStrings(t, rows)
}

// workspaceOf returns the workspace of the contact with id, read on q.
func workspaceOf(t *testing.T, q querier, id uuid.UUID) uuid.UUID {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), "SELECT workspace_id FROM contacts WHERE id = $1", id)
	require.NoError(t, err)
	defer rows.Close()
	require.True(t, rows.Next(), "contact %s is gone", id)
	var ws uuid.UUID
	require.NoError(t, rows.Scan(&ws))
	return ws
}

func scanStrings(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s sql.NullString
		require.NoError(t, rows.Scan(&s))
		out = append(out, s.String)
	}
	require.NoError(t, rows.Err())
	return out
}

// queryStrings runs q (a statement returning one text column) and returns
// its rows.
func queryStrings(t *testing.T, ctx context.Context, db querier, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	require.NoError(t, err, "%q", q)
	return scanStrings(t, rows)
}

// bNames are the names seeded in workspace B.
var bNames = []string{"contact-b", "b1", "b2"}

// leaksB reports whether any of rows shows a name of workspace B.
func leaksB(rows []string) bool {
	for _, r := range rows {
		for _, n := range bNames {
			for _, part := range strings.FieldsFunc(r, func(c rune) bool { return c == ',' || c == ':' || c == ' ' }) {
				if part == n {
					return true
				}
			}
		}
	}
	return false
}

// attack is one statement sent in A's scope: a read (one text column) that
// returns B's rows without the guard, or a write that changes them.
type attack struct {
	name  string
	query string // with <A>, <B>, ... placeholders (expand)
	write bool
	// moved, for a write, is a row of A the statement moves into B: it
	// must still be in A after the guarded attempt.
	moved func(w *attackWorld) uuid.UUID
}

// run proves at is a real attack on the unguarded connection (a write runs
// in a transaction rolled back afterwards) and that the guarded connection
// refuses it, leaving B's rows (and a moved row) where they were.
func (w *attackWorld) run(t *testing.T, at attack) {
	t.Helper()
	t.Run(at.name, func(t *testing.T) {
		q := w.expand(at.query)
		ctx := scopeCtx(w.wsA)
		before := wsRows(t, w.raw, w.wsB)
		require.NotEmpty(t, before)

		// (a) Without the guard it reaches B.
		if at.write {
			tx, err := w.raw.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback() }() // also when a check fails
			_, err = tx.ExecContext(ctx, q)
			require.NoError(t, err, "%q", q)
			require.NotEqual(t, before, wsRows(t, tx, w.wsB), "unguarded, %q must change B's rows (else it is no attack)", q)
			require.NoError(t, tx.Rollback())
			require.Equal(t, before, wsRows(t, w.raw, w.wsB))
		} else {
			got := queryStrings(t, ctx, w.raw, q)
			require.True(t, leaksB(got), "unguarded, %q must return B's rows (else it is no attack); got %v", q, got)
		}

		// (b) Through the guard it is refused and B is untouched.
		var err error
		if at.write {
			_, err = w.db.DB.ExecContext(ctx, q)
		} else {
			var rows *sql.Rows
			rows, err = w.db.DB.QueryContext(ctx, q)
			if err == nil {
				got := scanStrings(t, rows)
				t.Errorf("GUARD HOLE: accepted in A's scope and returned %v", got)
			}
		}
		if err == nil {
			// A hole: start the next attack from the seeded rows again.
			t.Cleanup(func() { w.seed(t) })
		}
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "the guard must refuse %q", q)
		require.Equal(t, before, wsRows(t, w.raw, w.wsB), "B's rows changed")
		if at.moved != nil {
			id := at.moved(w)
			require.Equal(t, w.wsA, workspaceOf(t, w.raw, id), "A's row %s moved", id)
		}
	})
}

func movedContactA(w *attackWorld) uuid.UUID { return w.cA }

// 1. PostgreSQL ends a -- comment at \r as well as \n.
func TestAttack1CommentEndedByCR(t *testing.T) {
	w := newAttackWorld(t)
	for _, at := range []attack{
		{name: "issue: --\\r", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' --\r UNION ALL SELECT name FROM contacts"},
		{name: "--\\r\\n", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' --\r\n UNION ALL SELECT name FROM contacts"},
		{name: "comment text then \\r, no space", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' -- only A\rUNION ALL SELECT name FROM contacts"},
		{name: "upper case", query: "select NAME from CONTACTS where WORKSPACE_ID = '<A>' --\r union all select NAME from CONTACTS"},
		{name: "quoted identifiers", query: "SELECT \"name\" FROM \"contacts\" WHERE \"workspace_id\" = '<A>' --\r UNION ALL SELECT \"name\" FROM \"public\".\"contacts\""},
		{name: "\\r ends the comment before OR", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' --\r OR true"},
		{name: "two comments", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' -- a\r-- b\r UNION ALL SELECT name FROM agents"},
		{name: "block comment holding \\r", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' /* \r */ UNION ALL SELECT name FROM contacts"},
		{name: "UPDATE: OR after \\r", query: "UPDATE contacts SET name = name || '!' WHERE workspace_id = '<A>' AND id = '<cA>' --\r OR true", write: true},
		{name: "DELETE: OR after \\r", query: "DELETE FROM contacts WHERE workspace_id = '<A>' AND id = '<cA>' --\r OR id = '<cB>'", write: true},
	} {
		w.run(t, at)
	}
}

// 2. In an unparenthesised nested join the second ON binds to the LEFT
// JOIN, which filters only its nullable side.
func TestAttack2OnBoundToTheLeftJoin(t *testing.T) {
	w := newAttackWorld(t)
	for _, at := range []attack{
		{name: "issue", query: "SELECT c.name FROM contacts c LEFT JOIN (SELECT 1 AS x) u JOIN (SELECT 1 AS y) v ON true ON c.workspace_id = '<A>'"},
		{name: "parenthesised", query: "SELECT c.name FROM contacts c LEFT JOIN ((SELECT 1 AS x) u JOIN (SELECT 1 AS y) v ON true) ON c.workspace_id = '<A>'"},
		{name: "three levels", query: "SELECT c.name FROM contacts c LEFT JOIN (SELECT 1 AS x) u JOIN (SELECT 1 AS y) v JOIN (SELECT 1 AS z) z ON true ON true ON c.workspace_id = '<A>'"},
		{name: "a guarded table on the nullable side", query: "SELECT c.name FROM contacts c LEFT JOIN agents g JOIN (SELECT 1 AS y) v ON true ON c.workspace_id = '<A>' AND g.workspace_id = '<A>'"},
		{name: "RIGHT JOIN", query: "SELECT c.name FROM (SELECT 1 AS x) u RIGHT JOIN contacts c ON c.workspace_id = '<A>'"},
		{name: "FULL JOIN", query: "SELECT c.name FROM contacts c FULL JOIN (SELECT '<A>'::uuid AS w) u ON c.workspace_id = u.w"},
		{name: "CROSS JOIN then LEFT JOIN", query: "SELECT c.name FROM contacts c CROSS JOIN (SELECT 1 AS x) u LEFT JOIN (SELECT 1 AS y) v ON c.workspace_id = '<A>'"},
		{name: "NATURAL LEFT JOIN", query: "SELECT c.name FROM contacts c NATURAL LEFT JOIN (SELECT '<A>'::uuid AS workspace_id) w"},
		{name: "LEFT JOIN USING", query: "SELECT c.name FROM contacts c LEFT JOIN (SELECT '<A>'::uuid AS workspace_id) w USING (workspace_id)"},
		{name: "quoted and upper case", query: "SELECT \"C\".NAME FROM \"contacts\" \"C\" LEFT JOIN (SELECT 1 AS x) U JOIN (SELECT 1 AS y) V ON TRUE ON \"C\".WORKSPACE_ID = '<A>'"},
		{name: "schema-qualified", query: "SELECT c.name FROM public.contacts c LEFT JOIN (SELECT 1 AS x) u JOIN (SELECT 1 AS y) v ON true ON c.workspace_id = '<A>'"},
		{name: "DELETE USING a LEFT JOIN", query: "DELETE FROM agents g USING contacts c LEFT JOIN (SELECT 1 AS x) u ON c.workspace_id = '<A>' WHERE g.workspace_id = c.workspace_id AND g.contact_id = c.id", write: true},
	} {
		w.run(t, at)
	}
}

// 3. An AND inside CASE ... END (or any expression) is no top-level
// conjunct.
func TestAttack3AndInsideCase(t *testing.T) {
	w := newAttackWorld(t)
	for _, at := range []attack{
		{name: "issue", query: "SELECT name FROM contacts WHERE CASE WHEN false THEN true AND workspace_id = '<A>' AND true ELSE true END"},
		{name: "CASE in the condition", query: "SELECT name FROM contacts WHERE CASE WHEN workspace_id = '<A>' AND true THEN true ELSE true END"},
		{name: "AND binds tighter than OR", query: "SELECT name FROM contacts WHERE workspace_id = '<A>' AND true OR true"},
		{name: "parenthesised then OR", query: "SELECT name FROM contacts WHERE (workspace_id = '<A>' AND id IS NOT NULL) OR true"},
		{name: "NOT", query: "SELECT name FROM contacts WHERE NOT (workspace_id = '<A>' AND false)"},
		{name: "IS NOT NULL", query: "SELECT name FROM contacts WHERE (workspace_id = '<A>' AND true) IS NOT NULL"},
		{name: "COALESCE", query: "SELECT name FROM contacts WHERE COALESCE(NULLIF(workspace_id = '<A>' AND true, workspace_id = '<A>'), true)"},
		{name: "sub-select", query: "SELECT name FROM contacts WHERE (SELECT true WHERE false AND workspace_id = '<A>') IS NULL"},
		{name: "upper case", query: "SELECT NAME FROM CONTACTS WHERE CASE WHEN FALSE THEN TRUE AND WORKSPACE_ID = '<A>' AND TRUE ELSE TRUE END"},
		{name: "UPDATE", query: "UPDATE contacts SET name = name || '!' WHERE CASE WHEN false THEN workspace_id = '<A>' AND id IS NOT NULL ELSE true END", write: true},
		{name: "DELETE", query: "DELETE FROM contacts WHERE workspace_id = '<A>' AND id = '<cA>' OR id = '<cB>'", write: true},
	} {
		w.run(t, at)
	}
}

// 4. A column alias list renames workspace_id, so an unqualified
// workspace_id binds to another range, or to the outer query.
func TestAttack4ColumnAliasList(t *testing.T) {
	w := newAttackWorld(t)
	for _, at := range []attack{
		{name: "issue: contacts AS c(wid)", query: "SELECT c.name FROM contacts AS c(wid) CROSS JOIN (SELECT '<A>'::uuid AS workspace_id) w WHERE workspace_id = '<A>'"},
		{name: "issue: x(a, b), VALUES AS v(workspace_id)", query: "SELECT x.name FROM contacts AS x(a, b), (VALUES ('<A>'::uuid)) AS v(workspace_id) WHERE workspace_id = '<A>'"},
		{name: "issue: unqualified name in a subquery binds to the outer table",
			query: "SELECT c.name || ':' || coalesce((SELECT string_agg(g.n, ',' ORDER BY g.n) FROM agents AS g(w, i, n) WHERE workspace_id = '<A>'), '') FROM contacts c WHERE c.workspace_id = '<A>'"},
		{name: "qualified outer name in a subquery",
			query: "SELECT c.name || ':' || coalesce((SELECT string_agg(g.name, ',' ORDER BY g.name) FROM agents g WHERE c.workspace_id = '<A>'), '') FROM contacts c WHERE c.workspace_id = '<A>'"},
		{name: "EXISTS: the unqualified name binds to the sub-select's range", query: "SELECT c.name FROM contacts c WHERE EXISTS (SELECT 1 FROM (SELECT '<A>'::uuid AS workspace_id) s WHERE workspace_id = '<A>')"},
		{name: "LATERAL supplies workspace_id", query: "SELECT c.name FROM contacts c, LATERAL (SELECT '<A>'::uuid AS workspace_id) l WHERE l.workspace_id = '<A>'"},
		{name: "one-column list", query: "SELECT c.name FROM contacts c(w), (SELECT '<A>'::uuid AS workspace_id) s WHERE workspace_id = '<A>'"},
		{name: "quoted identifiers", query: "SELECT \"c\".\"name\" FROM \"contacts\" AS \"c\"(\"wid\") CROSS JOIN (SELECT '<A>'::uuid AS \"workspace_id\") \"w\" WHERE \"workspace_id\" = '<A>'"},
		{name: "upper case, schema-qualified", query: "SELECT C.NAME FROM PUBLIC.CONTACTS AS C(WID) CROSS JOIN (SELECT '<A>'::UUID AS WORKSPACE_ID) W WHERE WORKSPACE_ID = '<A>'"},
		{name: "ONLY", query: "SELECT c.name FROM ONLY contacts AS c(wid) CROSS JOIN (SELECT '<A>'::uuid AS workspace_id) w WHERE workspace_id = '<A>'"},
		{name: "UPDATE ... FROM", query: "UPDATE contacts AS c SET name = c.name || '!' FROM (SELECT '<A>'::uuid AS workspace_id) w WHERE w.workspace_id = '<A>' AND c.id IS NOT NULL", write: true},
		{name: "DELETE USING", query: "DELETE FROM contacts AS c USING (SELECT '<A>'::uuid AS workspace_id) w WHERE w.workspace_id = '<A>' AND c.id = '<cB>'", write: true},
	} {
		w.run(t, at)
	}
}

// 5. The SET list (and an INSERT's column list) is read on the tree: IS
// DISTINCT FROM (or anything else) before workspace_id does not hide a
// move into B.
func TestAttack5SetListMovesTheRow(t *testing.T) {
	w := newAttackWorld(t)
	for _, at := range []attack{
		{name: "issue: IS DISTINCT FROM", query: "UPDATE contacts SET name = CASE WHEN name IS DISTINCT FROM 'x' THEN name ELSE 'x' END, workspace_id = '<B>' WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "IS DISTINCT FROM in a cast", query: "UPDATE contacts SET name = ('x' IS DISTINCT FROM 'y')::text, workspace_id = '<B>' WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "IS NOT DISTINCT FROM", query: "UPDATE contacts SET name = CASE WHEN name IS NOT DISTINCT FROM 'x' THEN 'x' ELSE name END, workspace_id = '<B>' WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "CASE for workspace_id", query: "UPDATE contacts SET workspace_id = CASE WHEN name IS DISTINCT FROM 'x' THEN '<B>'::uuid ELSE workspace_id END WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "multi-column SET", query: "UPDATE contacts SET (name, workspace_id) = ('moved', '<B>') WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "multi-column SET from a sub-select", query: "UPDATE contacts SET (name, workspace_id) = (SELECT 'moved', '<B>'::uuid) WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "ROW(...)", query: "UPDATE contacts SET (name, workspace_id) = ROW('moved', '<B>'::uuid) WHERE workspace_id = '<A>' AND id = '<cA>'"},
		{name: "upper case", query: "UPDATE CONTACTS SET NAME = NAME, WORKSPACE_ID = '<B>' WHERE WORKSPACE_ID = '<A>' AND ID = '<cA>'"},
		{name: "quoted", query: "UPDATE \"contacts\" SET \"name\" = \"name\", \"workspace_id\" = '<B>' WHERE \"workspace_id\" = '<A>' AND \"id\" = '<cA>'"},
		{name: "from a FROM item", query: "UPDATE contacts c SET workspace_id = o.w FROM (SELECT '<B>'::uuid AS w) o WHERE c.workspace_id = '<A>' AND c.id = '<cA>'"},
		{name: "ON CONFLICT DO UPDATE", query: "INSERT INTO contacts (workspace_id, id, name) VALUES ('<A>', '<cA>', 'x') ON CONFLICT (workspace_id, id) DO UPDATE SET name = CASE WHEN EXCLUDED.name IS DISTINCT FROM 'y' THEN 'x' END, workspace_id = '<B>'"},
	} {
		at.write, at.moved = true, movedContactA
		w.run(t, at)
	}
	// The INSERT column list: a composite expanded with .* in a VALUES row
	// stands for several values, so the item at workspace_id's position in
	// the tree is not the value the server puts there.
	for _, at := range []attack{
		{name: "INSERT: .* shifts VALUES, a contact planted in B", write: true,
			query: "INSERT INTO contacts (id, workspace_id, name) VALUES ((ROW(gen_random_uuid(), '<B>'::uuid)).*, '<A>')"},
		{name: "INSERT: .* shifts VALUES, an agent planted in B", write: true,
			query: "INSERT INTO agents (name, id, workspace_id, contact_id) VALUES ((ROW('planted', gen_random_uuid())).*, '<B>', '<A>')"},
		{name: "INSERT: .* shifts VALUES, ON CONFLICT DO UPDATE changes B's row", write: true,
			query: "INSERT INTO agents (name, id, workspace_id, contact_id) VALUES ((ROW('x', '<b1>'::uuid)).*, '<B>', '<A>') ON CONFLICT (workspace_id, id) DO UPDATE SET name = agents.name || ' (changed in A)'"},
		{name: "INSERT: .* shifts VALUES, ON CONFLICT DO UPDATE returns B's row",
			query: "INSERT INTO agents (name, id, workspace_id, contact_id) VALUES ((ROW('x', '<b1>'::uuid)).*, '<B>', '<A>') ON CONFLICT (workspace_id, id) DO UPDATE SET name = agents.name RETURNING agents.name"},
		{name: "INSERT: .* shifts VALUES in a writable CTE", write: true,
			query: "WITH i AS (INSERT INTO contacts (id, workspace_id, name) VALUES ((ROW(gen_random_uuid(), '<B>'::uuid)).*, '<A>') RETURNING id) SELECT count(*) FROM i"},
	} {
		w.run(t, at)
	}
}

// 6. A three-part name (<db>.public.contacts) is the same table.
func TestAttack6ThreePartName(t *testing.T) {
	w := newAttackWorld(t)
	var db string
	require.NoError(t, w.raw.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&db))
	quoted := pgx.Identifier{db, "public", "contacts"}.Sanitize()
	for _, at := range []attack{
		{name: "issue: UPDATE moves A into B", query: "UPDATE " + db + ".public.contacts SET workspace_id = '<B>' WHERE workspace_id = '<A>'", write: true, moved: movedContactA},
		{name: "UPDATE of B's row", query: "UPDATE " + db + ".public.contacts SET name = 'stolen' WHERE id = '<cB>'", write: true},
		{name: "DELETE of B's row", query: "DELETE FROM " + db + ".public.contacts WHERE id = '<cB>'", write: true},
		{name: "DELETE with OR", query: "DELETE FROM " + db + ".public.contacts WHERE workspace_id = '<A>' OR true", write: true},
		{name: "quoted", query: "UPDATE " + quoted + " SET name = 'stolen' WHERE id = '<cB>'", write: true},
		{name: "upper case", query: "UPDATE " + strings.ToUpper(db) + ".PUBLIC.CONTACTS SET NAME = 'stolen' WHERE ID = '<cB>'", write: true},
		{name: "ONLY", query: "DELETE FROM ONLY " + db + ".public.contacts WHERE id = '<cB>'", write: true},
		{name: "aliased", query: "UPDATE " + db + ".public.contacts AS c SET name = 'stolen' WHERE c.id = '<cB>'", write: true},
		{name: "INSERT plants a row in B", query: "INSERT INTO " + db + ".public.contacts (workspace_id, id, name) VALUES ('<B>', gen_random_uuid(), 'planted')", write: true},
		{name: "joined with a restricted table", query: "SELECT g.name || ':' || c.name FROM agents g, " + db + ".public.contacts c WHERE g.workspace_id = '<A>' AND c.id IS NOT NULL"},
		{name: "SELECT", query: "SELECT name FROM " + db + ".public.contacts WHERE id IS NOT NULL"},
		{name: "SELECT, qualified column", query: "SELECT name FROM " + db + ".public.contacts WHERE " + db + ".public.contacts.id IS NOT NULL"},
	} {
		w.run(t, at)
	}

	// A name the guard cannot see as the table at all: a string naming it
	// in a utility statement. The full parse refuses a guarded table's
	// name in any String node, but the verdict cache abstracts every
	// string constant to one shape, so once the same statement with another
	// name was accepted, the one naming the table is a cache hit.
	t.Run("a string naming the table (postgres_fdw table_name) after a cache hit", func(t *testing.T) {
		ctx := scopeCtx(w.wsA)
		var ok bool
		require.NoError(t, w.raw.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgres_fdw')").Scan(&ok))
		if !ok {
			t.Skip("postgres_fdw is not installed")
		}
		before := wsRows(t, w.raw, w.wsB)
		cfg, err := pgx.ParseConfig(w.dsn)
		require.NoError(t, err)
		lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
		mapping := "user " + lit(cfg.User)
		if cfg.Password != "" {
			mapping += ", password " + lit(cfg.Password)
		}
		// The host's loopback server, set up by its administrator.
		for _, s := range []string{
			"CREATE EXTENSION postgres_fdw",
			fmt.Sprintf("CREATE SERVER loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %s, port '%d', dbname %s)", lit(cfg.Host), cfg.Port, lit(cfg.Database)),
			"CREATE USER MAPPING FOR CURRENT_USER SERVER loop OPTIONS (" + mapping + ")",
		} {
			_, err := w.raw.ExecContext(context.Background(), s)
			require.NoError(t, err, s)
		}
		create := func(name, remote string) string {
			return "CREATE FOREIGN TABLE " + name + " (name text) SERVER loop OPTIONS (table_name " + lit(remote) + ")"
		}

		// (a) Unguarded: the foreign table reads every workspace's rows.
		_, err = w.raw.ExecContext(ctx, create("loot_raw", "contacts"))
		require.NoError(t, err)
		got := queryStrings(t, ctx, w.raw, "SELECT name FROM loot_raw")
		require.True(t, leaksB(got), "unguarded: %v", got)

		// The full parse refuses it (a registry of its own: no cache
		// entry for the shape yet).
		fresh := bunstore.NewRegistry()
		require.NoError(t, fresh.Register(w.db, (*Agent)(nil), (*Contact)(nil)))
		require.ErrorIs(t, fresh.Check(ctx, create("loot", "contacts"), nil), bunstore.ErrUnscopedQuery)

		// (b) Guarded, in A's scope: the same statement with another name
		// first, then the one naming contacts.
		_, err = w.db.DB.ExecContext(ctx, create("loot", "other"))
		if err == nil {
			_, err = w.db.DB.ExecContext(ctx, "DROP FOREIGN TABLE loot")
			require.NoError(t, err)
		}
		q := create("loot", "contacts")
		_, err = w.db.DB.ExecContext(ctx, q)
		if err == nil {
			got := queryStrings(t, ctx, w.db.DB, "SELECT name FROM loot")
			t.Errorf("GUARD HOLE: %q was accepted (a cache hit) and SELECT name FROM loot returned %v", q, got)
		}
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "the guard must refuse %q", q)
		require.Equal(t, before, wsRows(t, w.raw, w.wsB))
	})
}

// 7. The guard reads quotes as the parser does, with
// standard_conforming_strings on; with it off the server reads a
// backslash-quote inside a string as a quote and the rest as SQL.
// client_encoding is the same kind of setting (in SJIS, BIG5 or GBK the
// server converts 0x95 0x5C into one character before lexing, where the
// parser reads a backslash escaping the quote after it), and so is a
// reader of the text between the guard and the server (pgx's simple
// protocol, which writes arguments into the text).
func TestAttack7StandardConformingStrings(t *testing.T) {
	// One literal for the guard (and for the server with the setting on),
	// a UNION for the server with the setting off.
	const union = "SELECT name FROM contacts WHERE workspace_id = '<A>' AND name <> '\\'' UNION ALL SELECT name FROM contacts --'"
	// The same for client_encoding SJIS.
	const sjisUnion = "SELECT name FROM contacts WHERE workspace_id = '<A>' AND name <> E'\x95\\' UNION ALL SELECT name FROM contacts --'"

	t.Run("(i) SET through the guarded connection is refused", func(t *testing.T) {
		w := newAttackWorld(t)
		ctx := scopeCtx(w.wsA)
		before := wsRows(t, w.raw, w.wsB)

		// (a) On an unguarded connection: the SET, then the UNION leaks.
		for _, c := range []struct{ set, attack string }{
			{"SET standard_conforming_strings = off", union},
			{"SET client_encoding = 'SJIS'", sjisUnion},
		} {
			rc, err := w.raw.Conn(ctx)
			require.NoError(t, err)
			_, err = rc.ExecContext(ctx, c.set)
			require.NoError(t, err)
			q := w.expand(c.attack)
			got := queryStrings(t, ctx, rc, q)
			require.True(t, leaksB(got), "unguarded, after %q, %q must return B's rows; got %v", c.set, q, got)
			discard(t, rc)
		}

		// (b) Guarded: every way of changing them is refused, in A's
		// scope and the session-level ones also under Unscoped. (In a
		// transaction rolled back at the end, so that a regression cannot
		// leave a role or database default behind for other tests.)
		g := w.openGuarded(t, w.dsn)
		gc, err := g.DB.BeginTx(ctx, nil)
		require.NoError(t, err)
		defer func() { _ = gc.Rollback() }()
		db := pgx.Identifier{dbName(t, w.raw)}.Sanitize()
		for _, s := range []string{
			"SET standard_conforming_strings = off",
			"SET standard_conforming_strings TO 'off'",
			"SET SESSION standard_conforming_strings = off",
			"SET \"standard_conforming_strings\" = off",
			"SET STANDARD_CONFORMING_STRINGS = OFF",
			"SET standard_conforming_strings = false",
			"SET standard_conforming_strings = 0",
			"SELECT set_config('standard_conforming_strings', 'off', false)",
			"SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false)",
			"SELECT set_config('standard_' || 'conforming_strings', 'off', false)",
			"UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
			"DO $$BEGIN SET standard_conforming_strings = off; END$$",
			"ALTER ROLE CURRENT_USER SET standard_conforming_strings = off",
			"ALTER DATABASE " + db + " SET standard_conforming_strings = off",
			"ALTER SYSTEM SET standard_conforming_strings = off",
			"SET client_encoding = 'SJIS'",
			"SET NAMES 'SJIS'",
			"SET LOCAL client_encoding = 'BIG5'",
			"SET CLIENT_ENCODING TO 'gbk'",
			"SELECT set_config('client_encoding', 'SJIS', false)",
			"ALTER ROLE CURRENT_USER SET client_encoding = 'SJIS'",
			"ALTER DATABASE " + db + " SET client_encoding = 'SJIS'",
		} {
			_, err := gc.ExecContext(ctx, s)
			require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "in A's scope: %q", s)
		}
		for _, s := range []string{
			"SET standard_conforming_strings = off",
			"SET SESSION standard_conforming_strings = off",
			"SELECT set_config('standard_conforming_strings', 'off', false)",
			"UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
			"ALTER ROLE CURRENT_USER SET standard_conforming_strings = off",
			"ALTER DATABASE " + db + " SET standard_conforming_strings = off",
			"SET client_encoding = 'SJIS'",
			"SET NAMES 'SJIS'",
			"SELECT set_config('client_encoding', 'SJIS', false)",
			"ALTER ROLE CURRENT_USER SET client_encoding = 'SJIS'",
		} {
			_, err := gc.ExecContext(unscoped(), s)
			require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "under Unscoped: %q", s)
		}
		// The setting stayed on, so the statement is one literal.
		got := queryStrings(t, ctx, gc, w.expand(union))
		require.False(t, leaksB(got), "guarded: %v", got)
		require.Equal(t, before, wsRows(t, w.raw, w.wsB))
	})

	grantTables := func(t *testing.T, w *attackWorld, role string) {
		_, err := w.raw.ExecContext(context.Background(), "GRANT SELECT, INSERT, UPDATE, DELETE ON contacts, agents TO "+pgx.Identifier{role}.Sanitize())
		require.NoError(t, err)
	}
	t.Run("(ii) role default", func(t *testing.T) {
		w := newAttackWorld(t)
		role := pg.NewRole(t, w.dsn)
		grantTables(t, w, role.Name)
		_, err := w.raw.ExecContext(context.Background(), "ALTER ROLE "+pgx.Identifier{role.Name}.Sanitize()+" SET standard_conforming_strings = off")
		require.NoError(t, err)
		w.settingDefault(t, role.DSN, "standard_conforming_strings", "off", union)
	})
	t.Run("(ii) database default", func(t *testing.T) {
		w := newAttackWorld(t) // its own database
		_, err := w.raw.ExecContext(context.Background(), "ALTER DATABASE "+pgx.Identifier{dbName(t, w.raw)}.Sanitize()+" SET standard_conforming_strings = off")
		require.NoError(t, err)
		w.settingDefault(t, w.dsn, "standard_conforming_strings", "off", union)
	})
	t.Run("(ii) client_encoding role default", func(t *testing.T) {
		w := newAttackWorld(t)
		role := pg.NewRole(t, w.dsn)
		grantTables(t, w, role.Name)
		_, err := w.raw.ExecContext(context.Background(), "ALTER ROLE "+pgx.Identifier{role.Name}.Sanitize()+" SET client_encoding = 'SJIS'")
		require.NoError(t, err)
		w.settingDefault(t, role.DSN, "client_encoding", "SJIS", sjisUnion)
	})
	t.Run("(ii) client_encoding database default", func(t *testing.T) {
		w := newAttackWorld(t)
		_, err := w.raw.ExecContext(context.Background(), "ALTER DATABASE "+pgx.Identifier{dbName(t, w.raw)}.Sanitize()+" SET client_encoding = 'SJIS'")
		require.NoError(t, err)
		w.settingDefault(t, w.dsn, "client_encoding", "SJIS", sjisUnion)
	})

	t.Run("(iii) a change inside the server, out of the guard's sight", func(t *testing.T) {
		w := newAttackWorld(t)
		for _, s := range []string{
			`CREATE FUNCTION scs_off() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$`,
			`CREATE FUNCTION scs_off_local() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', true) $$`,
			`CREATE FUNCTION scs_off_dynamic() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SET standard_conforming_strings = ' || 'off'; END $$`,
			`CREATE FUNCTION enc_sjis() RETURNS text LANGUAGE sql AS $$ SELECT set_config('client_encoding', 'SJIS', false) $$`,
		} {
			_, err := w.raw.ExecContext(context.Background(), s)
			require.NoError(t, err, s)
		}
		safe := w.expand("SELECT name FROM contacts WHERE workspace_id = '<A>'")
		before := wsRows(t, w.raw, w.wsB)

		for _, c := range []struct{ fn, attack string }{
			{"scs_off()", union},
			{"scs_off_dynamic()", union},
			{"enc_sjis()", sjisUnion},
		} {
			t.Run(c.fn, func(t *testing.T) {
				ctx := scopeCtx(w.wsA)
				q := w.expand(c.attack)
				// (a) Unguarded: the call, then the UNION leaks.
				rc, err := w.raw.Conn(ctx)
				require.NoError(t, err)
				_, err = rc.ExecContext(ctx, "SELECT "+c.fn)
				require.NoError(t, err)
				got := queryStrings(t, ctx, rc, q)
				require.True(t, leaksB(got), "unguarded after %s: %v", c.fn, got)
				discard(t, rc)

				// (b) Guarded: the call itself is host SQL the guard lets
				// through (it cannot see inside the function), but the
				// next statement on that connection is refused.
				g := w.openGuarded(t, w.dsn)
				gc, err := g.DB.Conn(ctx)
				require.NoError(t, err)
				defer gc.Close()
				_, err = gc.ExecContext(ctx, "SELECT "+c.fn)
				if err != nil {
					t.Logf("the guard refused the call itself: %v", err)
				}
				for _, s := range []string{q, safe, "SELECT 1"} {
					rows, err := gc.QueryContext(ctx, s)
					if err == nil {
						got := scanStrings(t, rows)
						t.Errorf("GUARD HOLE: after %s, %q was accepted and returned %v", c.fn, s, got)
					}
					require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "after %s: %q", c.fn, s)
				}
				require.Equal(t, before, wsRows(t, w.raw, w.wsB))
			})
		}

		t.Run("set_config under Unscoped", func(t *testing.T) {
			g := w.openGuarded(t, w.dsn)
			gc, err := g.DB.Conn(context.Background())
			require.NoError(t, err)
			defer gc.Close()
			for _, s := range []string{
				"SELECT set_config('standard_conforming_strings', 'off', false)",
				"SELECT set_config('client_encoding', 'SJIS', false)",
			} {
				_, err = gc.ExecContext(unscoped(), s)
				require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "session-level: %q", s)
			}
			got := queryStrings(t, scopeCtx(w.wsA), gc, w.expand(union))
			require.False(t, leaksB(got), "%v", got)
		})

		t.Run("transaction-local, under Unscoped and from a function", func(t *testing.T) {
			g := w.openGuarded(t, w.dsn)
			g.SetMaxOpenConns(1)
			for _, c := range []struct{ set, attack string }{
				{"SELECT set_config('standard_conforming_strings', 'off', true)", union},
				{"SET LOCAL standard_conforming_strings = off", union},
				{"SELECT scs_off_local()", union},
				{"SET LOCAL client_encoding = 'SJIS'", sjisUnion},
				{"SELECT set_config('client_encoding', 'SJIS', true)", sjisUnion},
			} {
				ctx := scopeCtx(w.wsA)
				setCtx := ctx
				if !strings.Contains(c.set, "scs_off_local") {
					setCtx = unscoped() // system work may change settings for its transaction
				}
				q := w.expand(c.attack)
				tx, err := g.DB.BeginTx(ctx, nil)
				require.NoError(t, err)
				_, err = tx.ExecContext(setCtx, c.set)
				require.NoError(t, err, "%q", c.set)
				rows, err := tx.QueryContext(ctx, q)
				if err == nil {
					got := scanStrings(t, rows)
					t.Errorf("GUARD HOLE: after %q in the transaction, %q was accepted and returned %v", c.set, q, got)
				}
				require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "after %q", c.set)
				require.NoError(t, tx.Rollback())
				// The setting ended with the transaction: the connection
				// works again.
				require.Equal(t, []string{"contact-a"}, queryStrings(t, ctx, g.DB, safe))
			}
			require.Equal(t, before, wsRows(t, w.raw, w.wsB))
		})
	})

	// pgx's simple protocol writes the arguments into the text on the
	// client, after the guard checked it, with a lexer of its own that
	// takes the quote after an identifier ending in e (name'...') for the
	// start of an escape string. Where the server (and the guard) read
	// '$1' as a string constant, pgx writes the quoted argument there,
	// outside any string for the server.
	t.Run("(iv) pgx simple protocol rewrites what the guard checked", func(t *testing.T) {
		w := newAttackWorld(t)
		ctx := scopeCtx(w.wsA)
		before := wsRows(t, w.raw, w.wsB)
		cfg, err := pgx.ParseConfig(w.dsn)
		require.NoError(t, err)
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		q := `SELECT name'\' , '$1' AS x`
		arg := "x UNION ALL SELECT name, name FROM contacts --"
		second := func(rows *sql.Rows) []string {
			defer rows.Close()
			var out []string
			for rows.Next() {
				var a, b sql.NullString
				require.NoError(t, rows.Scan(&a, &b))
				out = append(out, b.String)
			}
			require.NoError(t, rows.Err())
			return out
		}

		raw := sql.OpenDB(stdlib.GetConnector(*cfg))
		defer raw.Close()
		rows, err := raw.QueryContext(ctx, q, arg)
		require.NoError(t, err)
		got := second(rows)
		require.True(t, leaksB(got), "unguarded, simple protocol: %v", got)

		guarded := sql.OpenDB(w.reg.Connector(stdlib.GetConnector(*cfg)))
		defer guarded.Close()
		rows, err = guarded.QueryContext(ctx, q, arg)
		if err == nil {
			got := second(rows)
			t.Errorf("GUARD HOLE: %q with argument %q was accepted and returned %v", q, arg, got)
		}
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
		require.Equal(t, before, wsRows(t, w.raw, w.wsB))
	})
}

// settingDefault checks, for a database or role where setting defaults
// to value, that an unguarded connection as dsn leaks B's rows with
// attack, and that the guarded connection as dsn refuses it and every
// other statement touching the registered tables.
func (w *attackWorld) settingDefault(t *testing.T, dsn, setting, value, attack string) {
	t.Helper()
	ctx := scopeCtx(w.wsA)
	q := w.expand(attack)
	before := wsRows(t, w.raw, w.wsB)

	raw := openUnguarded(t, dsn)
	var got string
	require.NoError(t, raw.QueryRowContext(ctx, "SHOW "+setting).Scan(&got))
	require.Equal(t, value, got, "the default must reach a new session")
	rows := queryStrings(t, ctx, raw, q)
	require.True(t, leaksB(rows), "unguarded, with %s = %s by default, %q must return B's rows; got %v", setting, value, q, rows)

	g := w.openGuarded(t, dsn)
	for _, s := range []string{
		q,
		w.expand("SELECT name FROM contacts WHERE workspace_id = '<A>'"),
		w.expand("UPDATE contacts SET name = name WHERE workspace_id = '<A>' AND id = '<cA>'"),
	} {
		rows, err := g.DB.QueryContext(ctx, s)
		if err == nil {
			got := scanStrings(t, rows)
			t.Errorf("GUARD HOLE: with %s = %s by default, %q was accepted and returned %v", setting, value, s, got)
		}
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "%q", s)
	}
	// bun's own model query, through the hooks.
	var cs []Contact
	err := g.NewSelect().Model(&cs).Scan(ctx)
	require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
	require.Equal(t, before, wsRows(t, w.raw, w.wsB))
}

func dbName(t *testing.T, q querier) string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), "SELECT current_database()")
	require.NoError(t, err)
	names := scanStrings(t, rows)
	require.Len(t, names, 1)
	return names[0]
}

// discard closes c's connection instead of returning it to the pool.
func discard(t *testing.T, c *sql.Conn) {
	t.Helper()
	require.ErrorIs(t, c.Raw(func(any) error { return driver.ErrBadConn }), driver.ErrBadConn)
	_ = c.Close()
}
