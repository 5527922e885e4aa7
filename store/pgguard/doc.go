// Package pgguard keeps SQL inside the active workspace on PostgreSQL. It
// works at the database/sql/driver level and needs nothing of an ORM: a
// host on bun (store/bunstore wires it in), sqlc or plain pgx/stdlib gives
// it the names of its workspace-scoped tables and opens its *sql.DB through
// Guard.Connector.
//
//	g := pgguard.New("contacts", "agents")
//	cfg, _ := pgx.ParseConfig(dsn)
//	db := sql.OpenDB(g.Connector(stdlib.GetConnector(*cfg), pgguard.WithStrictMode()))
//
// # The guard
//
// Every statement is decided on PostgreSQL's own parse tree (libpg_query:
// pg_query_go with cgo, its WebAssembly build go-pgquery without, so static
// CGO_ENABLED=0 binaries keep the guard), not on a second grammar of our
// own: each reference to a guarded table must be restricted, at its own
// query level, by a top-level AND-ed workspace_id = the active workspace
// (check.go has the whole rule); statements that would change what the
// guard or strict mode relies on are refused. A refused statement returns
// ErrUnscopedQuery without reaching the server. The active workspace comes
// from workspace.ScopeFrom; workspace.Unscoped is the logged escape for
// system work. Verdicts are cached by statement shape (literals
// abstracted), so a repeated shape costs a few hundred nanoseconds and no
// allocation; a new shape costs one parse (tens of microseconds).
//
// What a text guard cannot see is SQL built inside the server: functions,
// views, rules, triggers. Strict mode is the defence there.
//
// # Strict mode
//
// WithStrictMode makes every transaction set the key app.workspace_id
// (SET LOCAL, sent with BEGIN: no extra round trip) that row-level
// security policies compare workspace_id with (RLSStatements).
// KeyLockStatements, run once by a superuser, takes set_config, plpgsql,
// temporary objects, CREATE and other sessions' statement text from the app
// role, and the guard refuses SET of the key: then nothing the app role can
// send through the guard, as text or built inside the server, sets the key,
// and a transaction sees one workspace's rows at most. VerifyKey and
// VerifyViews check it from the app role's connection at start-up;
// VerifyTables checks that no inheritance relative, partition or view
// reaches guarded rows unguarded.
package pgguard
