package bunstore_test

// Attacks on strict mode (issue 8, items 8, 9 and 10 and what follows
// from them), as the app role of a production-shaped deployment on real
// PostgreSQL 15 (newStrictLib: owner, library role, app role,
// LockStrictKey applied), with two tenants, alpha (A) and bravo (B).
//
// Three kinds of app-role connection are attacked:
//   - guarded: the host's connection (the registry's guard, strict mode);
//   - rawApp: strict mode with the guard of an empty registry (no table
//     registered: only row-level security binds the rows, but the guard
//     still screens the statements it refuses whatever they touch, such as
//     SET of the key);
//   - pgx: a plain pgx connection as the app role, no guard at all, that
//     begins its transactions the way strict mode's begin does (BEGIN; SET
//     LOCAL app.workspace_id = '<A>'): SQL the guard never sees, where only
//     the server's privileges stand.
//
// Each attack runs inside a transaction scoped to A, then the transaction
// reads the library's tables and the host's contacts; whatever it reads
// must be A's (or nothing), and B's rows must be unchanged afterwards.
//
// The tests whose comments describe a hole (HOLE, BUG in their messages)
// failed when written, on 501fb7c's code (the client_encoding ones on
// dfa3229's); they pass since 2871a2f (client_encoding) and c6497a0 (the
// rest), and stay as regression tests.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/pgguard"
	"github.com/workspacekit/workspacekit/workspace"
)

// saEnv is newStrictLib with two tenants and the app role's credentials,
// so that the tests can open connections of their own as that role.
type saEnv struct {
	*strictLib
	a, b    tenant
	appRole string
	appCfg  *pgx.ConnConfig
	bBefore []string
}

func newSAEnv(t *testing.T) *saEnv {
	t.Helper()
	s := newStrictLib(t)
	e := &saEnv{strictLib: s, a: s.tenant(t, "alpha"), b: s.tenant(t, "bravo")}
	require.NoError(t, s.app.QueryRowContext(context.Background(), "SELECT current_user").Scan(&e.appRole))
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	password := hex.EncodeToString(pw[:])
	_, err := s.owner.ExecContext(unscoped(), "ALTER ROLE "+pgx.Identifier{e.appRole}.Sanitize()+" PASSWORD '"+password+"'")
	require.NoError(t, err)
	e.appCfg, err = pgx.ParseConfig(pgDSN(t, s.owner))
	require.NoError(t, err)
	e.appCfg.User, e.appCfg.Password = e.appRole, password
	e.bBefore = e.bRows(t)
	require.NotEmpty(t, e.bBefore)
	return e
}

// expand replaces {A}, {B}, {lib} and {app} in q.
func (e *saEnv) expand(q string) string {
	return strings.NewReplacer("{A}", e.a.ws.ID.String(), "{B}", e.b.ws.ID.String(),
		"{lib}", pgx.Identifier{e.libRole}.Sanitize(), "{app}", pgx.Identifier{e.appRole}.Sanitize()).Replace(q)
}

// bRows is every row of B's, read by the owner: library tables and
// contacts, whole rows.
func (e *saEnv) bRows(t *testing.T) []string {
	t.Helper()
	return ownerRows(t, e.strictLib, e.expand(`
		SELECT 'account ' || to_jsonb(x)::text FROM accounts x WHERE id = (SELECT account_id FROM workspaces WHERE id = '{B}')
		UNION ALL SELECT 'workspace ' || to_jsonb(x)::text FROM workspaces x WHERE id = '{B}'
		UNION ALL SELECT 'membership ' || to_jsonb(x)::text FROM memberships x WHERE workspace_id = '{B}'
		UNION ALL SELECT 'invitation ' || to_jsonb(x)::text FROM invitations x WHERE workspace_id = '{B}'
		UNION ALL SELECT 'custom_role ' || to_jsonb(x)::text FROM custom_roles x WHERE workspace_id = '{B}'
		UNION ALL SELECT 'contact ' || to_jsonb(x)::text FROM contacts x WHERE workspace_id = '{B}'
		ORDER BY 1`))
}

// requireBUnchanged checks that B's rows are what they were at the start.
func (e *saEnv) requireBUnchanged(t *testing.T) {
	t.Helper()
	require.Equal(t, e.bBefore, e.bRows(t), "B's rows changed")
}

// appConfig is a copy of the app role's connection configuration.
func (e *saEnv) appConfig() *pgx.ConnConfig { return e.appCfg.Copy() }

// openApp opens a bun.DB as the app role on cfg, through the registry's
// guard (strict mode if strict), with a pool of one connection.
func (e *saEnv) openApp(t *testing.T, cfg *pgx.ConnConfig, strict bool) *bun.DB {
	t.Helper()
	var opts []bunstore.ConnectorOption
	if strict {
		opts = append(opts, bunstore.WithStrictMode())
	}
	sqldb := sql.OpenDB(e.reg.Connector(stdlib.GetConnector(*cfg), opts...))
	sqldb.SetMaxOpenConns(1)
	db := bun.NewDB(sqldb, pgdialect.New())
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// rawConn is a plain pgx connection as the app role: no guard, simple
// protocol (text as sent).
func (e *saEnv) rawConn(t *testing.T) *pgx.Conn {
	t.Helper()
	cfg := e.appConfig()
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// saRunner sends statements inside one transaction.
type saRunner interface {
	exec(ctx context.Context, q string) error
	rows(ctx context.Context, q string) ([]string, error)
}

type saSQLer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// saSQL runs through database/sql (and so through the guard).
type saSQL struct{ q saSQLer }

func (s saSQL) exec(ctx context.Context, q string) error {
	_, err := s.q.ExecContext(ctx, q)
	return err
}

func (s saSQL) rows(ctx context.Context, q string) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []string{}
	for rows.Next() {
		dst := make([]any, len(cols))
		for i := range dst {
			dst[i] = new(any)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		out = append(out, saText(*dst[0].(*any)))
	}
	return out, rows.Err()
}

// saPgx runs on a plain pgx connection.
type saPgx struct{ c *pgx.Conn }

func (s saPgx) exec(ctx context.Context, q string) error {
	_, err := s.c.Exec(ctx, q)
	return err
}

func (s saPgx) rows(ctx context.Context, q string) ([]string, error) {
	rows, err := s.c.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		out = append(out, saText(v[0]))
	}
	return out, rows.Err()
}

func saText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(v)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// saKind is one kind of app-role connection, beginning transactions
// scoped to ctx's workspace.
type saKind struct {
	name string
	// guarded: the registered tables are guarded (a read of contacts needs
	// the workspace condition).
	guarded bool
	// unguarded: nothing screens the text (the pgx connection).
	unguarded bool
	inTx      func(t *testing.T, ctx context.Context, fn func(ctx context.Context, r saRunner)) error
}

func (e *saEnv) kinds() []saKind {
	atomic := func(st *bunstore.Store) func(t *testing.T, ctx context.Context, fn func(ctx context.Context, r saRunner)) error {
		return func(t *testing.T, ctx context.Context, fn func(ctx context.Context, r saRunner)) error {
			return st.Atomic(ctx, func(ctx context.Context) error {
				tx, ok := bunstore.TxFrom(ctx)
				require.True(t, ok)
				fn(ctx, saSQL{tx.Tx})
				return nil
			})
		}
	}
	return []saKind{
		{name: "guarded", guarded: true, inTx: atomic(e.host)},
		{name: "rawApp", inTx: atomic(e.rawApp)},
		{name: "pgx", unguarded: true, inTx: func(t *testing.T, ctx context.Context, fn func(ctx context.Context, r saRunner)) error {
			c := e.rawConn(t)
			sc, ok := workspace.ScopeFrom(ctx)
			require.True(t, ok)
			// What strict mode's begin sends.
			if _, err := c.Exec(ctx, "BEGIN; SET LOCAL "+bunstore.SettingWorkspace+" = '"+sc.WorkspaceID.String()+"'"); err != nil {
				return err
			}
			fn(ctx, saPgx{c})
			_, err := c.Exec(ctx, "COMMIT")
			return err
		}},
	}
}

// probe reads, in the attacker's transaction, the key and everything a
// transaction of A may see, and tries to touch every contact: the strings
// returned must all be A's.
func (e *saEnv) probe(t *testing.T, ctx context.Context, r saRunner, guarded bool) (key string, seen []string) {
	t.Helper()
	keys, err := r.rows(ctx, "SELECT coalesce(current_setting('"+bunstore.SettingWorkspace+"', true), '')")
	require.NoError(t, err)
	require.Len(t, keys, 1)
	qs := []string{
		"SELECT user_id FROM memberships",
		"SELECT email FROM invitations",
		"SELECT name FROM workspaces",
		"SELECT name FROM accounts",
		"SELECT name FROM custom_roles",
	}
	if guarded {
		qs = append(qs,
			e.expand("SELECT name FROM contacts WHERE workspace_id = '{A}'"),
			e.expand("UPDATE contacts SET name = name WHERE workspace_id = '{A}' AND id IS NOT NULL RETURNING name"))
	} else {
		qs = append(qs, "SELECT name FROM contacts", "UPDATE contacts SET name = name RETURNING name")
	}
	for _, q := range qs {
		got, err := r.rows(ctx, q)
		require.NoError(t, err, q)
		seen = append(seen, got...)
	}
	return keys[0], seen
}

// saLeaks reports whether any of seen is B's.
func saLeaks(seen []string) bool {
	for _, s := range seen {
		if strings.Contains(s, "bravo") {
			return true
		}
	}
	return false
}

// saRefused reports whether err is the guard's refusal or the server's.
func saRefused(err error) bool {
	var pe *pgconn.PgError
	return errors.Is(err, bunstore.ErrUnscopedQuery) || errors.As(err, &pe)
}

// saAttack is one attempt to make A's transaction B's.
type saAttack struct {
	name  string
	stmts []string // sent one by one, each with ExecContext (simple protocol)
	// leak, when set, is a query whose rows must not be B's (for attacks
	// that carry B's key into a function rather than the transaction).
	leak string
	// text: a SET sent as text, which needs no privilege; on a
	// connection without the guard it works (the documented limit).
	text bool
}

// saOutcome is what one attack did on one connection kind.
type saOutcome struct {
	err  error
	key  string
	seen []string
}

// attempt runs at inside a transaction of A on k, under a savepoint
// (rolled back if the attack failed, so the transaction can go on), then
// probes.
func (e *saEnv) attempt(t *testing.T, k saKind, ctx context.Context, at saAttack) saOutcome {
	t.Helper()
	var out saOutcome
	err := k.inTx(t, ctx, func(ctx context.Context, r saRunner) {
		require.NoError(t, r.exec(ctx, "SAVEPOINT sa_attack"))
		for _, q := range at.stmts {
			if out.err = r.exec(ctx, e.expand(q)); out.err != nil {
				break
			}
		}
		if out.err != nil {
			require.NoError(t, r.exec(ctx, "ROLLBACK TO SAVEPOINT sa_attack"))
		}
		if at.leak != "" {
			require.NoError(t, r.exec(ctx, "SAVEPOINT sa_leak"))
			got, err := r.rows(ctx, e.expand(at.leak))
			if err != nil {
				require.NoError(t, r.exec(ctx, "ROLLBACK TO SAVEPOINT sa_leak"))
			}
			out.seen = append(out.seen, got...)
		}
		key, seen := e.probe(t, ctx, r, k.guarded)
		out.key = key
		out.seen = append(out.seen, seen...)
	})
	require.NoError(t, err, "the transaction itself")
	return out
}

// item8Attacks are the ways host SQL may try to switch the key inside its
// transaction. text marks the SETs sent as text: only a guard refuses
// those.
var item8Attacks = []saAttack{
	{name: "set_config", stmts: []string{"SELECT set_config('app.workspace_id', '{B}', true)"}},
	{name: "set_config qualified and quoted", stmts: []string{`SELECT pg_catalog."set_config"('app.workspace_id', '{B}', true)`}},
	{name: "set_config quoted schema", stmts: []string{`SELECT "pg_catalog".set_config('app.workspace_id', '{B}', true)`}},
	{name: "set_config built name", stmts: []string{"SELECT set_config('app.' || 'workspace_id', '{B}', true)"}},
	{name: "set_config case variant", stmts: []string{"SELECT set_config('App.Workspace_ID', '{B}', true)"}},
	{name: "set_config from pg_settings", stmts: []string{"SELECT set_config(name, '{B}', true) FROM pg_settings WHERE name = 'app.workspace_id'"}},
	{name: "set_config in a subquery", stmts: []string{"SELECT (SELECT set_config('app.workspace_id', v, true) FROM (VALUES ('{B}')) x(v))"}},
	{name: "set_config under EXPLAIN ANALYZE", stmts: []string{"EXPLAIN ANALYZE SELECT set_config('app.workspace_id', '{B}', true)"}},
	{name: "set_config after GRANT to self", stmts: []string{
		"GRANT EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) TO PUBLIC",
		"SELECT set_config('app.workspace_id', '{B}', true)"}},
	{name: "PREPARE then EXECUTE set_config", stmts: []string{
		"PREPARE sa_p AS SELECT set_config('app.workspace_id', '{B}', true)",
		"EXECUTE sa_p"}},
	{name: "DO calling set_config", stmts: []string{"DO $$BEGIN PERFORM set_config('app.workspace_id', '{B}', true); END$$"}},
	{name: "DO with dynamic set_config", stmts: []string{"DO $$BEGIN EXECUTE format('SELECT set_config(%L, %L, true)', 'app.workspace_id', '{B}'); END$$"}},
	{name: "query_to_xml set_config", stmts: []string{"SELECT query_to_xml('select set_config(''app.workspace_id'', ''{B}'', true)', false, false, '')"}},
	{name: "query_to_xml SET LOCAL", stmts: []string{"SELECT query_to_xml('SET LOCAL app.workspace_id = ''{B}''', false, false, '')"}},
	{name: "ts_stat set_config", stmts: []string{"SELECT * FROM ts_stat('select set_config(''app.workspace_id'', ''{B}'', true)::tsvector')"}},
	{name: "UPDATE pg_settings", stmts: []string{"UPDATE pg_settings SET setting = '{B}' WHERE name = 'app.workspace_id'"}},
	{name: "pg_temp function with a SET clause",
		stmts: []string{"CREATE FUNCTION pg_temp.sa_f() RETURNS SETOF text LANGUAGE sql SET app.workspace_id = '{B}' AS $$SELECT email FROM invitations$$"},
		leak:  "SELECT pg_temp.sa_f()"},
	{name: "public function with a SET clause",
		stmts: []string{"CREATE FUNCTION public.sa_f() RETURNS SETOF text LANGUAGE sql SET app.workspace_id = '{B}' AS $$SELECT email FROM invitations$$"},
		leak:  "SELECT public.sa_f()"},
	{name: "own schema function with a SET clause",
		stmts: []string{"CREATE SCHEMA sa_s", "CREATE FUNCTION sa_s.f() RETURNS SETOF text LANGUAGE sql SET app.workspace_id = '{B}' AS $$SELECT email FROM invitations$$"},
		leak:  "SELECT sa_s.f()"},
	{name: "ALTER ROLE CURRENT_USER SET", stmts: []string{"ALTER ROLE CURRENT_USER SET app.workspace_id = '{B}'"}},
	{name: "ALTER ROLE own name SET", stmts: []string{"ALTER ROLE {app} SET app.workspace_id = '{B}'"}},
	{name: "ALTER DATABASE SET", stmts: []string{"DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET app.workspace_id = %L', current_database(), '{B}'); END$$"}},
	{name: "SET ROLE to the library role", stmts: []string{"SET LOCAL ROLE {lib}"}},
	{name: "SET SESSION AUTHORIZATION", stmts: []string{"SET LOCAL SESSION AUTHORIZATION {lib}"}},
	// Text SETs: no privilege can stop them; the guard does.
	{name: "SET LOCAL", text: true, stmts: []string{"SET LOCAL app.workspace_id = '{B}'"}},
	{name: "SET LOCAL TO", text: true, stmts: []string{"SET LOCAL app.workspace_id TO '{B}'"}},
	{name: "SET LOCAL upper case", text: true, stmts: []string{"SET LOCAL APP.WORKSPACE_ID = '{B}'"}},
	{name: "SET LOCAL quoted mixed case", text: true, stmts: []string{`SET LOCAL "App.Workspace_Id" = '{B}'`}},
	{name: "SET LOCAL quoted parts", text: true, stmts: []string{`SET LOCAL "app"."workspace_id" = '{B}'`}},
	{name: "SET LOCAL spaced parts", text: true, stmts: []string{`SET LOCAL app . "workspace_id" = '{B}'`}},
	{name: "SET LOCAL unicode escape name", text: true, stmts: []string{`SET LOCAL U&"\0061pp.workspace_id" = '{B}'`}},
	{name: "SET LOCAL escape string value", text: true, stmts: []string{`SET LOCAL app.workspace_id = E'{B}'`}},
	{name: "SET LOCAL after CR and comment", text: true, stmts: []string{"/* x */\rSET\rLOCAL app.workspace_id = '{B}' --\r"}},
	{name: "SET LOCAL second statement", text: true, stmts: []string{"SELECT 1; SET LOCAL app.workspace_id = '{B}'"}},
	{name: "SET (transaction-level in a transaction)", text: true, stmts: []string{"SET app.workspace_id = '{B}'"}},
	// A DO block's PL/pgSQL runs SET without set_config, but a privilege
	// can stop it (USAGE on LANGUAGE plpgsql): on the unguarded connection
	// the server must refuse it.
	// DO could SET as it likes, but LockStrictKey takes plpgsql from PUBLIC.
	{name: "DO with SET LOCAL", stmts: []string{"DO $$BEGIN SET LOCAL app.workspace_id = '{B}'; END$$"}},
	{name: "DO with EXECUTE SET LOCAL", stmts: []string{"DO $$BEGIN EXECUTE 'SET LOCAL app.workspace_id = ''{B}'''; END$$"}},
	{name: "DO with session SET", stmts: []string{"DO $$BEGIN SET app.workspace_id = '{B}'; END$$"}},
}

// TestAttack8KeyCannotBeSwitchedInsideATransaction is item 8: every way
// listed in the issue (and a few more) to switch strict mode's key inside a
// transaction of A, on the three kinds of app-role connection.
func TestAttack8KeyCannotBeSwitchedInsideATransaction(t *testing.T) {
	e := newSAEnv(t)
	for _, k := range e.kinds() {
		t.Run(k.name, func(t *testing.T) {
			for _, at := range item8Attacks {
				t.Run(at.name, func(t *testing.T) {
					out := e.attempt(t, k, e.a.ctx, at)
					if k.unguarded && at.text {
						// THE DOCUMENTED LIMIT, asserted so that it stays
						// visible: a SET sent as text needs no privilege,
						// so on a connection without the guard it switches
						// the key and the transaction reads B's rows. Only
						// the guard (which refuses every SET of the key)
						// stands between host SQL and this; SQL the server
						// builds (query_to_xml, ts_stat, views) cannot SET.
						require.NoError(t, out.err)
						require.Equal(t, e.b.ws.ID.String(), out.key)
						require.True(t, saLeaks(out.seen), "the limit: B is visible: %v", out.seen)
						return
					}
					require.Error(t, out.err, "the attack must be refused")
					require.True(t, saRefused(out.err), "refused by the guard or the server: %v", out.err)
					if k.unguarded {
						var pe *pgconn.PgError
						require.ErrorAs(t, out.err, &pe, "no guard here: the server refuses")
					}
					require.Equal(t, e.a.ws.ID.String(), out.key, "the key stays A's")
					require.False(t, saLeaks(out.seen), "B's rows visible: %v", out.seen)
					require.NotEmpty(t, out.seen, "A's rows stay visible")
				})
			}
		})
	}
	e.requireBUnchanged(t)
	// No role or database default was left behind by the ALTERs.
	require.NoError(t, e.reg.VerifyStrict(context.Background(), e.app, bunstore.LibraryTables()...))
}

// TestAttack8SetWorkspaceFromAnotherScopeIsRefused: bunstore.SetWorkspace
// given A's scope and B's id.
func TestAttack8SetWorkspaceFromAnotherScopeIsRefused(t *testing.T) {
	e := newSAEnv(t)
	for _, st := range []struct {
		name string
		st   *bunstore.Store
	}{{"app guarded", e.host}, {"app rawApp", e.rawApp}, {"library", bunstore.New(e.lib)}} {
		t.Run(st.name, func(t *testing.T) {
			require.NoError(t, st.st.Atomic(e.a.ctx, func(ctx context.Context) error {
				tx, _ := bunstore.TxFrom(ctx)
				require.ErrorIs(t, bunstore.SetWorkspace(ctx, tx, e.b.ws.ID), workspace.ErrForbidden)
				var key string
				require.NoError(t, tx.QueryRowContext(ctx, "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&key))
				require.Equal(t, e.a.ws.ID.String(), key)
				return nil
			}))
		})
	}
	// Under Unscoped the app role still cannot: set_config is the library
	// role's alone.
	err := e.host.Atomic(workspace.Unscoped(e.a.ctx, "attack"), func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		return bunstore.SetWorkspace(ctx, tx, e.b.ws.ID)
	})
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "42501", pe.Code)
	e.requireBUnchanged(t)
}

// TestAttack8ClientEncodingHidesStatementsFromTheGuard: the guard parses
// the bytes the client sends; the server lexes them after converting them
// from client_encoding. With a client-only encoding whose
// multi-byte characters may end in 0x5C (SJIS, BIG5, GBK), the server
// converts the text before lexing it, so 0x95 0x5C is one character (表),
// while the guard parses the bytes as sent, where 0x5C is a backslash that
// escapes the next quote inside E'...'. The guard then reads one string
// constant where the server runs three statements, the second a SET LOCAL
// of the key:
//
//	SET LOCAL client_encoding = 'SJIS'
//	SELECT E'<0x95>\'; SET LOCAL app.workspace_id = $$<B>$$; SET LOCAL client_encoding = $$UTF8$$; SELECT 1 --'
//
// pgx sends a statement without arguments as a simple query, unchanged, and
// checks client_encoding only when it interpolates arguments. (Found in
// this review; pgguard refuses SET of client_encoding and every statement
// while it is not UTF8 since commit 2871a2f: this is its regression test.)
func TestAttack8ClientEncodingHidesStatementsFromTheGuard(t *testing.T) {
	e := newSAEnv(t)
	for _, enc := range []struct{ name, lead string }{{"SJIS", "\x95"}, {"BIG5", "\xa5"}, {"GBK", "\x81"}} {
		t.Run(enc.name, func(t *testing.T) {
			at := saAttack{stmts: []string{
				"SET LOCAL client_encoding = '" + enc.name + "'",
				"SELECT E'" + enc.lead + "\\'; SET LOCAL app.workspace_id = $${B}$$; SET LOCAL client_encoding = $$UTF8$$; SELECT 1 --'",
			}}
			for _, k := range e.kinds()[:2] {
				t.Run(k.name, func(t *testing.T) {
					out := e.attempt(t, k, e.a.ctx, at)
					require.Equal(t, e.a.ws.ID.String(), out.key, "HOLE: the guard let a hidden SET LOCAL of the key through (attack error: %v)", out.err)
					require.False(t, saLeaks(out.seen), "HOLE: B's rows visible: %v", out.seen)
					require.Error(t, out.err)
					require.ErrorIs(t, out.err, bunstore.ErrUnscopedQuery)
				})
				// Under Unscoped a transaction-local SET of client_encoding
				// passes; the statements after it must not (the guard then
				// refuses every statement of the transaction, ROLLBACK TO
				// SAVEPOINT included: it can only end).
				t.Run(k.name+" unscoped", func(t *testing.T) {
					st := map[string]*bunstore.Store{"guarded": e.host, "rawApp": e.rawApp}[k.name]
					errEnd := errors.New("end")
					err := st.Atomic(workspace.Unscoped(e.a.ctx, "attack: system work on A"), func(ctx context.Context) error {
						tx, _ := bunstore.TxFrom(ctx)
						r := saSQL{tx.Tx}
						if err := r.exec(ctx, at.stmts[0]); err != nil {
							require.True(t, saRefused(err), "%v", err)
							return errEnd
						}
						err := r.exec(ctx, e.expand(at.stmts[1]))
						require.ErrorIs(t, err, bunstore.ErrUnscopedQuery, "HOLE: the hidden statements reached the server")
						return errEnd
					})
					require.ErrorIs(t, err, errEnd)
					out := e.attempt(t, k, e.a.ctx, saAttack{})
					require.Equal(t, e.a.ws.ID.String(), out.key)
					require.False(t, saLeaks(out.seen), "%v", out.seen)
				})
			}
		})
	}
	// The same hides anything else from the guard: a read of a guarded
	// table with no workspace condition, in strict mode bound by the
	// policy, without it (a plain guarded connection as the owner) not.
	w := newWorld(t)
	err := w.db.RunInTx(scopeCtx(w.wsA), nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.Tx.ExecContext(ctx, "SET LOCAL client_encoding = 'SJIS'"); err != nil {
			return err
		}
		_, err := tx.Tx.ExecContext(ctx, "SELECT E'\x95\\'; CREATE TEMP TABLE sa_loot ON COMMIT DROP AS SELECT name FROM contacts; SET LOCAL client_encoding = $$UTF8$$; SELECT 1 --'")
		if err != nil {
			return err
		}
		var n int
		if err := tx.Tx.QueryRowContext(ctx, "SELECT count(*) FROM sa_loot WHERE name = 'contact-b'").Scan(&n); err != nil {
			return err
		}
		require.Zero(t, n, "HOLE: without strict mode the hidden statement copied B's contact out")
		return nil
	})
	require.True(t, err == nil || saRefused(err), "%v", err)
}

// TestAttack8DoBlockUnderUnscopedSetsTheKey: the guard refuses SET of the
// key even under workspace.Unscoped ("SET needs no privilege, so a text
// SET is the one way the app role could choose the key"), but under
// Unscoped it lets DO through, and PL/pgSQL runs SET itself, without
// set_config:
//
//	DO $$BEGIN SET LOCAL app.workspace_id = '<B>'; END$$
//
// System work on A (Unscoped with A's scope) then reads B's rows.
func TestAttack8DoBlockUnderUnscopedSetsTheKey(t *testing.T) {
	e := newSAEnv(t)
	ctx := workspace.Unscoped(e.a.ctx, "attack: system work on A")
	for _, at := range []saAttack{
		{name: "DO SET LOCAL", stmts: []string{"DO $$BEGIN SET LOCAL app.workspace_id = '{B}'; END$$"}},
		{name: "DO EXECUTE SET LOCAL", stmts: []string{"DO $$BEGIN EXECUTE 'SET LOCAL app.workspace_id = ''{B}'''; END$$"}},
	} {
		t.Run(at.name, func(t *testing.T) {
			out := e.attempt(t, e.kinds()[0], ctx, at)
			require.Equal(t, e.a.ws.ID.String(), out.key, "HOLE: %s under Unscoped switched the key (attack error: %v)", at.stmts[0], out.err)
			require.False(t, saLeaks(out.seen), "HOLE: B's rows visible: %v", out.seen)
		})
	}
}

// TestAttack8HoldCursorOutlivesUnscopedWork: under Unscoped the guard lets
// DECLARE through, and a cursor WITH HOLD outlives the transaction on the
// pooled connection; FETCH is not refused in scoped work. A transaction
// scoped to B then reads A's rows from it:
//
//	(Unscoped, A's scope)  DECLARE sa_c CURSOR WITH HOLD FOR SELECT email FROM invitations
//	(B's scope)            FETCH ALL FROM sa_c
func TestAttack8HoldCursorOutlivesUnscopedWork(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	// In scoped work DECLARE is refused.
	err := e.host.Atomic(e.a.ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		_, err := tx.Tx.ExecContext(ctx, "DECLARE sa_c CURSOR WITH HOLD FOR SELECT email FROM invitations")
		return err
	})
	require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
	err = e.host.Atomic(workspace.Unscoped(e.a.ctx, "attack: system work on A"), func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		_, err := tx.Tx.ExecContext(ctx, "DECLARE sa_c CURSOR WITH HOLD FOR SELECT email FROM invitations")
		return err
	})
	if err != nil {
		require.True(t, saRefused(err), "%v", err)
		return
	}
	var got []string
	err = e.host.Atomic(e.b.ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		rows, err := saSQL{tx.Tx}.rows(ctx, "FETCH ALL FROM sa_c")
		got = rows
		return err
	})
	if err != nil {
		require.True(t, saRefused(err), "%v", err)
	}
	for _, s := range got {
		require.NotContains(t, s, "alpha", "HOLE: B's transaction fetched A's rows from a cursor held over from other work: %v", got)
	}
}

// TestAttack8PgStatActivityShowsOtherWorkspacesStatements: every
// connection of the app role serves every workspace, and PostgreSQL shows a
// role the query text of its own other sessions in pg_stat_activity. bun
// writes values into the statement text, so a transaction of A reads what
// a concurrent (or just finished, on an idle connection) transaction of B
// wrote or searched for:
//
//	SELECT query FROM pg_stat_activity WHERE pid <> pg_backend_pid()
//
// The guard lets it through (no registered table), row-level security does
// not apply to it, and VerifyStrict does not look at it.
func TestAttack8PgStatActivityShowsOtherWorkspacesStatements(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(2)
	inserted, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	releaseB := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseB() // also when an assertion below ends the test early
	done := make(chan error, 1)
	go func() {
		done <- e.host.Atomic(e.b.ctx, func(ctx context.Context) error {
			if err := e.contacts.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "bravo-secret-deal"}); err != nil {
				return err
			}
			close(inserted)
			<-release // a request of B still at work (an API call, a slow step)
			return nil
		})
	}()
	select {
	case <-inserted:
	case err := <-done:
		t.Fatalf("B's transaction: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("B's transaction did not start")
	}
	var got []string
	for _, q := range []string{
		"SELECT coalesce(query, '') FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
		"SELECT coalesce(query, '') FROM pg_stat_get_activity(NULL)",
		"SELECT coalesce(pg_stat_get_backend_activity(s), '') FROM pg_stat_get_backend_idset() s",
	} {
		err := e.host.Atomic(e.a.ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			rows, err := saSQL{tx.Tx}.rows(ctx, q)
			got = append(got, rows...)
			return err
		})
		if err != nil {
			require.True(t, saRefused(err), "%v", err)
		}
	}
	releaseB()
	require.NoError(t, <-done)
	require.False(t, saLeaks(got), "HOLE: A's transaction read B's statement text: %q", got)
}

// TestAttack8PgxSimpleProtocolRewritesWhatTheGuardChecked: with pgx's
// QueryExecModeSimpleProtocol (the mode for PgBouncer), pgx interpolates
// the arguments into the text after the guard has checked the text and the
// arguments apart. pgx's sanitizer takes the E of an identifier followed by
// a quote as the start of an escape string (E'...') (PostgreSQL reads the type name
// "name" and a standard string), so where PostgreSQL sees '$1' as a
// constant (the guard sees no parameter), pgx sees a placeholder and
// writes the argument there, outside any string for the server:
//
//	db.ExecContext(ctx, `SELECT name'\' , '$1' AS x`, "x; SET LOCAL app.workspace_id = $$<B>$$; SELECT 1 --")
//
// reaches the server as
//
//	SELECT name'\' , ''x; SET LOCAL app.workspace_id = $$<B>$$; SELECT 1 --'' AS x
func TestAttack8PgxSimpleProtocolRewritesWhatTheGuardChecked(t *testing.T) {
	e := newSAEnv(t)
	cfg := e.appConfig()
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	db := e.openApp(t, cfg, true)
	var key string
	var seen []string
	err := bunstore.New(db).Atomic(e.a.ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		_, err := tx.Tx.ExecContext(ctx, `SELECT name'\' , '$1' AS x`, e.expand("x; SET LOCAL app.workspace_id = $${B}$$; SELECT 1 --"))
		if err != nil {
			require.True(t, saRefused(err), "%v", err)
			return nil
		}
		key, seen = e.probe(t, ctx, saSQL{tx.Tx}, true)
		return nil
	})
	require.NoError(t, err)
	if key != "" {
		require.Equal(t, e.a.ws.ID.String(), key, "HOLE: the argument became a SET LOCAL of the key")
	}
	require.False(t, saLeaks(seen), "HOLE: B's rows visible: %v", seen)
}

// TestAttack8TransactionControlInsideAtomicFindsNoOtherWorkspace: COMMIT,
// ROLLBACK, chains and savepoints sent as text inside a transaction of A
// end the key with the transaction; none makes another workspace's rows
// visible, and the pooled connection starts its next borrower clean.
func TestAttack8TransactionControlInsideAtomicFindsNoOtherWorkspace(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	for _, stmts := range [][]string{
		{"COMMIT"},
		{"ROLLBACK"},
		{"COMMIT AND CHAIN"},
		{"ROLLBACK AND CHAIN"},
		{"COMMIT", "BEGIN"},
		{"COMMIT", "BEGIN ISOLATION LEVEL SERIALIZABLE"},
		{"SAVEPOINT s", "RELEASE SAVEPOINT s"},
		{"SAVEPOINT s", "ROLLBACK TO SAVEPOINT s"},
		{"PREPARE TRANSACTION 'sa'"},
		{"DISCARD ALL"},
		{"DISCARD PLANS"},
	} {
		t.Run(strings.Join(stmts, "; "), func(t *testing.T) {
			err := e.host.Atomic(e.a.ctx, func(ctx context.Context) error {
				tx, _ := bunstore.TxFrom(ctx)
				r := saSQL{tx.Tx}
				for _, q := range stmts {
					if err := r.exec(ctx, q); err != nil {
						require.True(t, saRefused(err), "%v", err)
						return nil
					}
				}
				key, seen := e.probe(t, ctx, r, true)
				require.Contains(t, []string{"", e.a.ws.ID.String()}, key)
				require.False(t, saLeaks(seen), "%v", seen)
				return nil
			})
			if err != nil {
				require.True(t, saRefused(err) || errors.Is(err, bunstore.ErrCommit), "%v", err)
			}
			e.requireCleanPool(t, e.app)
		})
	}
	// DISCARD ALL outside a transaction drops the prepared BEGINs: the next
	// transaction prepares them again and still sets the key.
	_, err := e.app.ExecContext(context.Background(), "DISCARD ALL")
	require.NoError(t, err)
	e.warm(t, e.app)
	require.NoError(t, e.host.Atomic(e.a.ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		key, seen := e.probe(t, ctx, saSQL{tx.Tx}, true)
		require.Equal(t, e.a.ws.ID.String(), key)
		require.NotEmpty(t, seen)
		require.False(t, saLeaks(seen))
		return nil
	}))
	// A BEGIN sent as text outside Atomic leaves the connection in a
	// transaction without the key: nothing visible, and the next Atomic
	// still gets its own workspace.
	_, err = e.app.ExecContext(e.a.ctx, "BEGIN")
	require.NoError(t, err)
	require.Empty(t, rawNames(t, context.Background(), e.app, "SELECT name FROM workspaces"))
	require.NoError(t, e.host.Atomic(e.b.ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		got, err := saSQL{tx.Tx}.rows(ctx, "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)")
		require.NoError(t, err)
		require.Equal(t, []string{e.b.ws.ID.String()}, got)
		return nil
	}))
	e.requireCleanPool(t, e.app)
	e.requireBUnchanged(t)
}

// TestAttack8PreparedStatementsFollowTheTransactionsKey: a statement
// prepared through the driver in A's transaction and executed later sees
// the rows of whatever transaction runs it, and none outside one.
func TestAttack8PreparedStatementsFollowTheTransactionsKey(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	stmt, err := e.app.DB.PrepareContext(e.a.ctx, "SELECT email FROM invitations ORDER BY 1")
	require.NoError(t, err)
	defer stmt.Close()
	read := func(ctx context.Context) []string {
		var out []string
		require.NoError(t, e.host.Atomic(ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			rows, err := tx.Tx.StmtContext(ctx, stmt).QueryContext(ctx)
			require.NoError(t, err)
			out = saScan(t, rows)
			return nil
		}))
		return out
	}
	require.Equal(t, []string{"alpha-member@example.com", "alpha-pending@example.com"}, read(e.a.ctx))
	require.False(t, saLeaks(read(e.a.ctx)))
	rows, err := stmt.QueryContext(e.a.ctx) // outside a transaction
	require.NoError(t, err)
	require.Empty(t, saScan(t, rows))
}

// warm runs the probe's queries once outside a transaction, errors
// ignored: after a DISCARD ALL, pgx's statement cache names statements the
// server no longer has, and pgx forgets each one at its first failure.
func (e *saEnv) warm(t *testing.T, db *bun.DB) {
	t.Helper()
	for _, q := range []string{
		"SELECT coalesce(current_setting('" + bunstore.SettingWorkspace + "', true), '')",
		"SELECT user_id FROM memberships", "SELECT email FROM invitations", "SELECT name FROM workspaces",
		"SELECT name FROM accounts", "SELECT name FROM custom_roles",
		e.expand("SELECT name FROM contacts WHERE workspace_id = '{A}'"),
		e.expand("UPDATE contacts SET name = name WHERE workspace_id = '{A}' AND id IS NOT NULL RETURNING name"),
		"SELECT current_setting('" + bunstore.SettingWorkspace + "', true)",
	} {
		if rows, err := db.QueryContext(e.a.ctx, q); err == nil {
			_ = rows.Close()
		}
	}
}

// saScan reads one text column.
func saScan(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// requireCleanPool checks that db's (single) pooled connection carries no
// key: a statement outside a transaction, with no scope, sees nothing.
func (e *saEnv) requireCleanPool(t *testing.T, db *bun.DB) {
	t.Helper()
	var key sql.NullString
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&key))
	require.Empty(t, key.String, "the pooled connection carries a key")
	for _, q := range []string{"SELECT user_id FROM memberships", "SELECT email FROM invitations", "SELECT name FROM workspaces", "SELECT name FROM accounts", "SELECT name FROM custom_roles"} {
		require.Empty(t, rawNames(t, context.Background(), db, q), q)
	}
}

// TestAttack9SessionLevelKeyDoesNotSurviveOnThePool is item 9: a
// session-level SET or set_config(..., false), outside a transaction or in
// one, on a pool of one connection; the next borrower (no scope, outside a
// transaction), also after a later transaction of A, must see nothing.
func TestAttack9SessionLevelKeyDoesNotSurviveOnThePool(t *testing.T) {
	e := newSAEnv(t)
	stmts := []string{
		"SET app.workspace_id = '{B}'",
		"SET SESSION app.workspace_id = '{B}'",
		`SET SESSION "App.Workspace_Id" TO '{B}'`,
		"SELECT set_config('app.workspace_id', '{B}', false)",
		"SELECT pg_catalog.set_config('app.workspace_id', '{B}', false)",
		"SELECT set_config('app.workspace_id', '{B}', 1 = 0)",
		"UPDATE pg_settings SET setting = '{B}' WHERE name = 'app.workspace_id'",
		"SELECT query_to_xml('select set_config(''app.workspace_id'', ''{B}'', false)', false, false, '')",
		"DO $$BEGIN SET app.workspace_id = '{B}'; END$$",
	}
	for _, st := range []struct {
		name string
		db   *bun.DB
		s    *bunstore.Store
	}{{"guarded", e.app, e.host}, {"rawApp", e.rawAppDB, e.rawApp}} {
		t.Run(st.name, func(t *testing.T) {
			st.db.SetMaxOpenConns(1)
			for _, q := range stmts {
				q := e.expand(q)
				t.Run(q, func(t *testing.T) {
					// Outside a transaction, with A's scope.
					_, err := st.db.ExecContext(e.a.ctx, q)
					require.Error(t, err)
					require.True(t, saRefused(err), "%v", err)
					e.requireCleanPool(t, st.db)
					// Inside a transaction of A.
					require.NoError(t, st.s.Atomic(e.a.ctx, func(ctx context.Context) error {
						tx, _ := bunstore.TxFrom(ctx)
						_, err := tx.Tx.ExecContext(ctx, "SAVEPOINT s")
						require.NoError(t, err)
						_, err = tx.Tx.ExecContext(ctx, q)
						require.Error(t, err)
						require.True(t, saRefused(err), "%v", err)
						_, err = tx.Tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT s")
						require.NoError(t, err)
						return nil
					}))
					e.requireCleanPool(t, st.db)
					// A later transaction of A, then no scope again.
					require.NoError(t, st.s.Atomic(e.a.ctx, func(ctx context.Context) error {
						tx, _ := bunstore.TxFrom(ctx)
						key, seen := e.probe(t, ctx, saSQL{tx.Tx}, st.name == "guarded")
						require.Equal(t, e.a.ws.ID.String(), key)
						require.False(t, saLeaks(seen), "%v", seen)
						return nil
					}))
					e.requireCleanPool(t, st.db)
				})
			}
		})
	}
	// Without a guard a session SET works and outlives the transaction on
	// that connection: why the guard must refuse every SET of the key and
	// why the library's pools must never carry unguarded connections.
	c := e.rawConn(t)
	_, err := c.Exec(context.Background(), e.expand("SET app.workspace_id = '{B}'"))
	require.NoError(t, err, "the documented limit: a text SET needs no privilege")
	got, err := saPgx{c}.rows(context.Background(), "SELECT name FROM workspaces")
	require.NoError(t, err)
	require.Equal(t, []string{"bravo"}, got, "the documented limit, visible: a session SET on an unguarded connection")
	e.requireBUnchanged(t)
}

// requireNoKeyAfterATransactionOfA runs a transaction of A on the app's
// one-connection pool, then checks that the connection, outside any
// transaction, carries no key for its next borrower.
func (e *saEnv) requireNoKeyAfterATransactionOfA(t *testing.T) {
	t.Helper()
	require.NoError(t, e.host.Atomic(e.a.ctx, func(ctx context.Context) error { return nil }))
	var key sql.NullString
	require.NoError(t, e.app.QueryRowContext(context.Background(), "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&key))
	require.Empty(t, key.String, "HOLE: the pooled connection carries B's key into the next borrower")
	e.requireCleanPool(t, e.app)
}

// TestAttack9ClientEncodingLeavesASessionKeyOnThePool: the encoding
// mismatch of TestAttack8ClientEncodingHidesStatementsFromTheGuard, at
// session level, outside a transaction: the key stays on the pooled
// connection, and its next borrower, with no scope, reads B's rows (also
// after a later transaction of A):
//
//	SET client_encoding = 'SJIS'
//	SELECT E'<0x95>\'; SET app.workspace_id = $$<B>$$; SET client_encoding = $$UTF8$$; SELECT 1 --'
func TestAttack9ClientEncodingLeavesASessionKeyOnThePool(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	ctx := e.a.ctx
	for _, q := range []string{
		"SET client_encoding = 'SJIS'",
		e.expand("SELECT E'\x95\\'; SET app.workspace_id = $${B}$$; SET client_encoding = $$UTF8$$; SELECT 1 --'"),
	} {
		if _, err := e.app.ExecContext(ctx, q); err != nil {
			require.True(t, saRefused(err), "%v", err)
			break
		}
	}
	_, _ = e.app.ExecContext(ctx, "SET client_encoding = 'UTF8'")
	e.requireNoKeyAfterATransactionOfA(t)
}

// TestAttack9DoBlockUnderUnscopedLeavesASessionKeyOnThePool: under
// Unscoped the guard refuses a session-level SET of the key but not a DO
// block, whose PL/pgSQL SET is session-level and stays on the pooled
// connection:
//
//	DO $$BEGIN SET app.workspace_id = '<B>'; END$$
func TestAttack9DoBlockUnderUnscopedLeavesASessionKeyOnThePool(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	_, err := e.app.ExecContext(workspace.Unscoped(context.Background(), "attack: system work"), e.expand("DO $$BEGIN SET app.workspace_id = '{B}'; END$$"))
	if err != nil {
		require.True(t, saRefused(err), "%v", err)
	}
	e.requireNoKeyAfterATransactionOfA(t)
}

// TestAttack9KeyDefaultsRefuseNewStrictConnections: a role or database
// default of the key (ALTER ROLE/DATABASE ... SET, run by the superuser;
// the app role cannot: TestAttack8KeyCannotBeSwitchedInsideATransaction),
// or one in the connection's startup parameters: a new strict connection
// refuses to start (ErrStrictSession) and VerifyStrict reports
// ErrNotStrict; connections opened before the default keep no key.
func TestAttack9KeyDefaultsRefuseNewStrictConnections(t *testing.T) {
	e := newSAEnv(t)
	ctx := context.Background()
	e.app.SetMaxOpenConns(1)
	e.requireCleanPool(t, e.app) // one connection open before the default
	var dbname string
	require.NoError(t, e.owner.QueryRowContext(unscoped(), "SELECT current_database()").Scan(&dbname))
	db := pgx.Identifier{dbname}.Sanitize()
	for _, d := range []struct{ set, reset string }{
		{"ALTER ROLE {app} SET app.workspace_id = '{B}'", "ALTER ROLE {app} RESET app.workspace_id"},
		{`ALTER ROLE {app} SET "App.Workspace_Id" = '{B}'`, `ALTER ROLE {app} RESET "App.Workspace_Id"`},
		{"ALTER ROLE {app} IN DATABASE " + db + " SET app.workspace_id = '{B}'", "ALTER ROLE {app} IN DATABASE " + db + " RESET app.workspace_id"},
		{"ALTER DATABASE " + db + " SET app.workspace_id = '{B}'", "ALTER DATABASE " + db + " RESET app.workspace_id"},
		{"ALTER ROLE ALL IN DATABASE " + db + " SET app.workspace_id = '{B}'", "ALTER ROLE ALL IN DATABASE " + db + " RESET app.workspace_id"},
	} {
		t.Run(d.set, func(t *testing.T) {
			_, err := e.owner.ExecContext(unscoped(), e.expand(d.set))
			require.NoError(t, err)
			defer func() {
				_, err := e.owner.ExecContext(unscoped(), e.expand(d.reset))
				require.NoError(t, err)
			}()
			// The connection opened before: no key, nothing visible.
			e.requireCleanPool(t, e.app)
			err = e.reg.VerifyStrict(ctx, e.app, bunstore.LibraryTables()...)
			require.ErrorIs(t, err, bunstore.ErrNotStrict)
			// A new strict connection refuses to start.
			fresh := e.openApp(t, e.appConfig(), true)
			_, err = fresh.ExecContext(ctx, "SELECT 1")
			require.ErrorIs(t, err, pgguard.ErrStrictSession)
			// Without strict mode the default would show B's rows outside
			// transactions: VerifyStrict says so.
			plain := e.openApp(t, e.appConfig(), false)
			require.Equal(t, []string{"bravo"}, rawNames(t, ctx, plain, "SELECT name FROM workspaces"))
			require.ErrorIs(t, e.reg.VerifyStrict(ctx, plain, bunstore.LibraryTables()...), bunstore.ErrNotStrict)
		})
	}
	for name, params := range map[string]map[string]string{
		"startup parameter":             {"app.workspace_id": e.b.ws.ID.String()},
		"startup parameter, mixed case": {"App.Workspace_Id": e.b.ws.ID.String()},
		"options -c":                    {"options": "-c app.workspace_id=" + e.b.ws.ID.String()},
		"options --":                    {"options": "--app.workspace_id=" + e.b.ws.ID.String()},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := e.appConfig()
			for k, v := range params {
				cfg.RuntimeParams[k] = v
			}
			fresh := e.openApp(t, cfg, true)
			_, err := fresh.ExecContext(ctx, "SELECT 1")
			require.ErrorIs(t, err, pgguard.ErrStrictSession)
		})
	}
	require.NoError(t, e.reg.VerifyStrict(ctx, e.app, bunstore.LibraryTables()...))
	e.requireBUnchanged(t)
}

// TestAttack10PurgeFromAnotherWorkspaceIsRefusedInStrictMode is item 10 in
// strict mode: reg.Purge with A's scope (or B's, or none) and B's id is
// refused on every connection and deletes nothing; so are Purge and
// SetWorkspace from the deletion of another workspace; the lifecycle
// service's Delete of B still removes B's host rows, and under Unscoped
// Purge works on the library's connection.
func TestAttack10PurgeFromAnotherWorkspaceIsRefusedInStrictMode(t *testing.T) {
	e := newSAEnv(t)
	bID := e.b.ws.ID
	for name, db := range map[string]*bun.DB{"app": e.app, "rawApp": e.rawAppDB, "library": e.lib} {
		t.Run(name, func(t *testing.T) {
			purge := e.reg.Purge(db)
			for cname, ctx := range map[string]context.Context{"A's scope": e.a.ctx, "B's scope": e.b.ctx, "no scope": context.Background()} {
				require.ErrorIs(t, purge(ctx, bID), workspace.ErrForbidden, cname)
				require.ErrorIs(t, bunstore.New(db).Atomic(ctx, func(ctx context.Context) error { return purge(ctx, bID) }), workspace.ErrForbidden, cname)
			}
		})
	}
	e.requireBUnchanged(t)

	// A purge function running in the deletion of another workspace (A's
	// second one) cannot reach B.
	a2, err := e.env.WS.Create(e.a.ctx, workspace.NewWorkspace{Name: "alpha-2"})
	require.NoError(t, err)
	var inDeletion []error
	e.env.WS.RegisterPurge("attacker", func(ctx context.Context, _ uuid.UUID) error {
		inDeletion = append(inDeletion, e.reg.Purge(e.lib)(ctx, bID))
		tx, ok := bunstore.TxFrom(ctx)
		require.True(t, ok)
		inDeletion = append(inDeletion, bunstore.SetWorkspace(ctx, tx, bID))
		return nil
	})
	require.NoError(t, e.env.WS.Delete(e.a.ctx, a2.ID, "alpha-2"))
	require.Len(t, inDeletion, 2)
	for _, err := range inDeletion {
		require.ErrorIs(t, err, workspace.ErrForbidden)
	}
	e.requireBUnchanged(t)

	// The app role cannot purge even under Unscoped: set_config is the
	// library role's.
	err = e.reg.Purge(e.app)(workspace.Unscoped(e.a.ctx, "attack"), bID)
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "42501", pe.Code)
	e.requireBUnchanged(t)

	// Under Unscoped the library's connection purges (A's host rows here),
	// in a transaction (TestAttack10UnscopedPurgeOutsideATransaction: not
	// outside one).
	require.NoError(t, bunstore.New(e.lib).Atomic(workspace.Unscoped(context.Background(), "test: purge A"), func(ctx context.Context) error {
		return e.reg.Purge(e.lib)(ctx, e.a.ws.ID)
	}))
	require.Empty(t, ownerRows(t, e.strictLib, e.expand("SELECT name FROM contacts WHERE workspace_id = '{A}'")))
	e.requireBUnchanged(t)

	// The lifecycle service's Delete of B still purges B.
	_, err = e.env.WS.Create(e.b.ctx, workspace.NewWorkspace{Name: "bravo-2"})
	require.NoError(t, err)
	require.NoError(t, e.env.WS.Delete(e.b.ctx, bID, "bravo"))
	require.Empty(t, ownerRows(t, e.strictLib, e.expand("SELECT name FROM contacts WHERE workspace_id = '{B}'")))
	require.Empty(t, ownerRows(t, e.strictLib, e.expand("SELECT user_id FROM memberships WHERE workspace_id = '{B}'")))
	require.Empty(t, ownerRows(t, e.strictLib, e.expand("SELECT name FROM workspaces WHERE id = '{B}'")))
}

// TestAttack10UnscopedPurgeOutsideATransaction: not an isolation hole but
// a silent failure found on the way. In strict mode, Purge under Unscoped
// called outside Atomic runs on db, where set_config(..., true) and each
// DELETE are separate implicit transactions: the key is gone before the
// DELETEs run, they match no row, and Purge returns nil with the rows
// still there:
//
//	reg.Purge(libDB)(workspace.Unscoped(ctx, "..."), id) // nil, nothing deleted
func TestAttack10UnscopedPurgeOutsideATransaction(t *testing.T) {
	e := newSAEnv(t)
	err := e.reg.Purge(e.lib)(workspace.Unscoped(context.Background(), "test: purge A"), e.a.ws.ID)
	if err != nil {
		return // refusing to purge outside a transaction is as good
	}
	require.Empty(t, ownerRows(t, e.strictLib, e.expand("SELECT name FROM contacts WHERE workspace_id = '{A}'")),
		"BUG: Purge returned nil and deleted nothing (the key was set in its own implicit transaction)")
}

// TestAttack10PurgeFromAnotherWorkspaceIsRefusedWithoutStrictMode is item
// 10 on a guarded connection without strict mode.
func TestAttack10PurgeFromAnotherWorkspaceIsRefusedWithoutStrictMode(t *testing.T) {
	w := newWorld(t)
	before := w.snapshot(t)
	purge := w.reg.Purge(w.db)
	s := bunstore.New(w.db)
	for name, ctx := range map[string]context.Context{"A's scope": scopeCtx(w.wsA), "B's scope": scopeCtx(w.wsB), "no scope": context.Background()} {
		require.ErrorIs(t, purge(ctx, w.wsB), workspace.ErrForbidden, name)
		require.ErrorIs(t, s.Atomic(ctx, func(ctx context.Context) error { return purge(ctx, w.wsB) }), workspace.ErrForbidden, name)
		require.ErrorIs(t, s.Atomic(ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			return bunstore.SetWorkspace(ctx, tx, w.wsB)
		}), workspace.ErrForbidden, name)
	}
	require.Equal(t, before, w.snapshot(t))
	// Under Unscoped it purges B, and only B.
	require.NoError(t, purge(unscoped(), w.wsB))
	require.Empty(t, wsRowsSA(t, w, w.wsB))
	require.Len(t, wsRowsSA(t, w, w.wsA), 3)
}

func wsRowsSA(t *testing.T, w *world, ws fmt.Stringer) []string {
	t.Helper()
	return rawNames(t, unscoped(), w.db, "SELECT name FROM agents WHERE workspace_id = '"+ws.String()+"' UNION ALL SELECT name FROM contacts WHERE workspace_id = '"+ws.String()+"'")
}

// TestAttack8UnscopedWorkCannotSwitchTheKey runs item 8's attacks in
// system work on A (workspace.Unscoped with A's scope) on the guarded
// connection: the guard lets more through there (set_config when
// transaction-local, DO, query_to_xml), and the server's privileges must
// stop the rest.
func TestAttack8UnscopedWorkCannotSwitchTheKey(t *testing.T) {
	e := newSAEnv(t)
	ctx := workspace.Unscoped(e.a.ctx, "attack: system work on A")
	k := e.kinds()[0]
	for _, at := range item8Attacks {
		t.Run(at.name, func(t *testing.T) {
			out := e.attempt(t, k, ctx, at)
			require.Equal(t, e.a.ws.ID.String(), out.key, "HOLE: under Unscoped %q switched the key (attack error: %v)", at.stmts, out.err)
			require.False(t, saLeaks(out.seen), "HOLE: B's rows visible: %v", out.seen)
			require.Error(t, out.err)
			require.True(t, saRefused(out.err), "%v", out.err)
		})
	}
	e.requireBUnchanged(t)
	require.NoError(t, e.reg.VerifyStrict(context.Background(), e.app, bunstore.LibraryTables()...))
}

// TestAttack8PreparedStatementPlantedUnderUnscopedRunsInOtherTransactions:
// under Unscoped the guard lets DEALLOCATE and PREPARE through, and a
// prepared statement outlives the work on the pooled connection. pgx names
// the statements it caches stmtcache_<sha256 of the text, 24 bytes in
// hex>, so system work can replace the statement pgx prepared for a
// host's query with its own, under the same name:
//
//	DEALLOCATE stmtcache_<...>; PREPARE stmtcache_<...> AS
//	  SELECT name FROM workspaces, LATERAL (SELECT pg_notify('loot', (SELECT string_agg(email, ',') FROM invitations))) n
//
// pgx then binds that name whenever the host runs its query: the guard
// checks the host's text, the server runs the planted statement, in every
// later transaction of every workspace on that connection. Here it sends
// B's invitation emails to any listener (LISTEN needs no privilege).
func TestAttack8PreparedStatementPlantedUnderUnscopedRunsInOtherTransactions(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	const victim = "SELECT name FROM workspaces"
	read := func(ctx context.Context) []string {
		var got []string
		require.NoError(t, e.host.Atomic(ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			var err error
			got, err = saSQL{tx.Tx}.rows(ctx, victim)
			return err
		}))
		return got
	}
	require.Equal(t, []string{"bravo"}, read(e.b.ctx)) // pgx prepares and caches it
	sum := sha256.Sum256([]byte(victim))
	name := "stmtcache_" + hex.EncodeToString(sum[:24])
	listener := e.rawConn(t)
	_, err := listener.Exec(context.Background(), "LISTEN sa_loot")
	require.NoError(t, err)
	_, err = e.app.ExecContext(workspace.Unscoped(e.a.ctx, "attack: system work on A"),
		"DEALLOCATE "+name+"; PREPARE "+name+" AS SELECT name FROM workspaces, LATERAL (SELECT pg_notify('sa_loot', (SELECT string_agg(email, ',') FROM invitations))) n")
	if err != nil {
		require.True(t, saRefused(err), "%v", err)
		return
	}
	read(e.b.ctx) // B's next request on that connection
	wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := listener.WaitForNotification(wctx)
	if err != nil {
		return // nothing arrived: the planted statement did not run
	}
	require.NotContains(t, n.Payload, "bravo", "HOLE: a statement planted by system work ran in B's transaction and sent B's rows out")
}

// TestAttack8PgPreparedStatementsShowEarlierBorrowersStatements: pgx
// prepares every query it runs (QueryExecModeCacheStatement, its default)
// and keeps it on the connection, and bun writes values into the text; the
// next borrower of the pooled connection, in another workspace, reads those
// texts back from pg_prepared_statements (a session's own view: no
// privilege, no policy):
//
//	SELECT statement FROM pg_prepared_statements
func TestAttack8PgPreparedStatementsShowEarlierBorrowersStatements(t *testing.T) {
	e := newSAEnv(t)
	e.app.SetMaxOpenConns(1)
	// A request of B searches its contacts through bun, which writes the
	// value into the SQL text.
	require.NoError(t, e.host.Atomic(e.b.ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		var cs []Contact
		return tx.NewSelect().Model(&cs).Where("contact.workspace_id = ?", e.b.ws.ID).Where("contact.name = ?", "bravo-secret-search").Scan(ctx)
	}))
	var got []string
	for _, q := range []string{"SELECT statement FROM pg_prepared_statements", "SELECT statement FROM pg_prepared_statement()"} {
		err := e.host.Atomic(e.a.ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			rows, err := saSQL{tx.Tx}.rows(ctx, q)
			got = append(got, rows...)
			return err
		})
		if err != nil {
			require.True(t, saRefused(err), "%v", err)
		}
	}
	require.False(t, saLeaks(got), "HOLE: A's transaction read a statement of B's from the pooled connection: %q", got)
}

// TestAttack8PolicyBypassesNeedPrivilegesTheAppRoleLacks: on the
// unguarded connection, the statements that would switch the policy off or
// go around it (TRUNCATE, DDL on the table or its policy, row_security,
// COPY FROM) and writes that would move or plant rows in B are refused by
// the server.
func TestAttack8PolicyBypassesNeedPrivilegesTheAppRoleLacks(t *testing.T) {
	e := newSAEnv(t)
	var bContact string
	require.NoError(t, e.owner.QueryRowContext(unscoped(), e.expand("SELECT id::text FROM contacts WHERE workspace_id = '{B}'")).Scan(&bContact))
	var aContact string
	require.NoError(t, e.owner.QueryRowContext(unscoped(), e.expand("SELECT id::text FROM contacts WHERE workspace_id = '{A}'")).Scan(&aContact))
	k := e.kinds()[2]
	for _, q := range []string{
		"TRUNCATE contacts",
		"TRUNCATE memberships",
		"ALTER TABLE contacts DISABLE ROW LEVEL SECURITY",
		"ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY",
		"DROP POLICY workspacekit_isolation ON contacts",
		"CREATE POLICY sa_open ON contacts USING (true)",
		"ALTER POLICY workspacekit_isolation ON contacts USING (true)",
		"ALTER TABLE contacts OWNER TO CURRENT_USER",
		"SET LOCAL row_security = off; SELECT name FROM contacts",
		"INSERT INTO contacts (workspace_id, id, name) VALUES ('{B}', gen_random_uuid(), 'planted')",
		"UPDATE contacts SET workspace_id = '{B}'",
		"INSERT INTO contacts (workspace_id, id, name) VALUES ('{A}', '" + bContact + "', 'x') ON CONFLICT (id) DO UPDATE SET name = 'taken'",
		"INSERT INTO contacts (workspace_id, id, name) VALUES ('{A}', '" + aContact + "', 'x') ON CONFLICT (id) DO UPDATE SET workspace_id = '{B}'",
		"DELETE FROM contacts WHERE id = '" + bContact + "' RETURNING name",
		"UPDATE workspaces SET name = 'taken'",
		"INSERT INTO memberships (workspace_id, user_id, role, version, created_at, updated_at) VALUES ('{B}', 'intruder', 'owner', 1, now(), now())",
	} {
		t.Run(q, func(t *testing.T) {
			out := e.attempt(t, k, e.a.ctx, saAttack{stmts: []string{q}})
			require.False(t, saLeaks(out.seen), "B's rows visible: %v", out.seen)
			if strings.HasPrefix(q, "DELETE") {
				return // deletes nothing it cannot see; checked below
			}
			var pe *pgconn.PgError
			require.ErrorAs(t, out.err, &pe, "the server must refuse %s", q)
		})
	}
	// COPY FROM into a table under row-level security is refused by the
	// server (pgx CopyFrom), whatever the rows say.
	c := e.rawConn(t)
	ctx := e.a.ctx
	_, err := c.Exec(ctx, e.expand("BEGIN; SET LOCAL app.workspace_id = '{A}'"))
	require.NoError(t, err)
	_, err = c.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"workspace_id", "id", "name"},
		pgx.CopyFromRows([][]any{{e.b.ws.ID, workspace.NewID(), "planted"}}))
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	_, err = c.Exec(ctx, "ROLLBACK")
	require.NoError(t, err)
	// COPY TO reads through the policy.
	_, err = c.Exec(ctx, e.expand("BEGIN; SET LOCAL app.workspace_id = '{A}'"))
	require.NoError(t, err)
	var buf strings.Builder
	_, err = c.PgConn().CopyTo(ctx, &buf, "COPY (SELECT name FROM contacts UNION ALL SELECT email FROM invitations) TO STDOUT")
	require.NoError(t, err)
	require.NotContains(t, buf.String(), "bravo")
	require.Contains(t, buf.String(), "alpha")
	_, err = c.Exec(ctx, "COMMIT")
	require.NoError(t, err)
	e.requireBUnchanged(t)
}

// TestAttack8ViewOwnedByTheOwnerIsFlagged: a view runs with its owner's
// rights, and the owner that ran the migrations is a superuser, which
// row-level security never binds (FORCE or not). A view a host's migration
// creates over a strict table and grants to the app role therefore shows
// every workspace's rows to the app role:
//
//	CREATE VIEW sa_invites AS SELECT workspace_id, email FROM invitations;  -- as the owner
//	GRANT SELECT ON sa_invites TO <app>;
//	SELECT email FROM sa_invites;                                           -- as the app role, in A
//
// The app role cannot create one, so this is a check for the host's
// schema: VerifyStrict, which says strict mode holds, must not pass then
// (a view WITH (security_invoker) is bound by the reader's policies and is
// fine).
func TestAttack8ViewOwnedByTheOwnerIsFlagged(t *testing.T) {
	e := newSAEnv(t)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE VIEW sa_invoker WITH (security_invoker) AS SELECT workspace_id, email FROM invitations",
		"GRANT SELECT ON sa_invoker TO {app}",
	} {
		_, err := e.owner.ExecContext(unscoped(), e.expand(q))
		require.NoError(t, err)
	}
	require.Equal(t, []string{"alpha-member@example.com", "alpha-pending@example.com"}, e.raw(t, e.a.ctx, "SELECT email FROM sa_invoker ORDER BY 1"))
	require.NoError(t, e.reg.VerifyStrict(ctx, e.app, bunstore.LibraryTables()...), "a security_invoker view is bound by the policies")
	for _, q := range []string{
		"CREATE VIEW sa_invites AS SELECT workspace_id, email FROM invitations",
		"GRANT SELECT ON sa_invites TO {app}",
	} {
		_, err := e.owner.ExecContext(unscoped(), e.expand(q))
		require.NoError(t, err)
	}
	got := e.raw(t, e.a.ctx, "SELECT email FROM sa_invites ORDER BY 1")
	require.True(t, saLeaks(got), "the owner's view shows B's rows to the app role: %v", got)
	require.ErrorIs(t, e.reg.VerifyStrict(ctx, e.app, bunstore.LibraryTables()...), bunstore.ErrNotStrict,
		"HOLE (host schema): VerifyStrict passes while a view owned by a role that bypasses row-level security shows the app role every workspace's invitations")
}
