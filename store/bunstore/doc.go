// Package bunstore is the PostgreSQL implementation of store.Store on bun
// (pgdialect) with pgx v5 through database/sql. It passes store/storetest,
// the same conformance suite as the in-memory store, so code tested on
// memstore behaves the same in production.
//
// # Setting up
//
//	db, err := bunstore.Open(dsn)       // or the host's own *bun.DB
//	err = bunstore.Migrate(ctx, db)     // embedded migrations, idempotent
//	s := bunstore.New(db)               // store.Store
//
// Migrate is safe to run from every instance at start-up: a PostgreSQL
// advisory lock serialises the runs, and bun's bookkeeping lives in the
// tables workspacekit_migrations and workspacekit_migration_locks.
//
// # Schema
//
// accounts, workspaces, memberships, invitations, invitation_tokens,
// custom_roles, and the API keys' workspacekit_api_keys and
// workspacekit_api_key_ids (prefixed: a host may have an api_keys table of
// its own). Every workspace-owned table has workspace_id leading its
// primary key and unique indexes and in its foreign keys, and cascades from
// workspaces, so the schema can be distributed by workspace (Citus-style)
// and deleting a workspace removes its rows in one statement. Invitation
// token hashes and API key ids, which must be unique across workspaces and
// are looked up before any workspace is known, are kept unique by lookup
// tables keyed by them (invitation_tokens, workspacekit_api_key_ids)
// rather than by global indexes. Workspace names are unique per account on
// workspace.NameKey, computed in Go. User ids and role names are COLLATE
// "C", so orderings equal Go's byte order. The account owner's role is
// derived in SQL (an owned account's workspaces join in), never stored.
//
// # Change log
//
// workspacekit_changes keeps one row per committed change (the
// workspace.ChangeLog contract), its ids taken from the one-row
// workspacekit_change_counter, whose row lock (held from AppendChange to the
// end of the transaction) makes ids follow commit order without gaps. The
// same statement calls pg_notify on ChangesChannel, delivered on commit
// only. PruneChanges is the retention call. PRODUCTION.md, "Change log",
// has the guarantee and the measured cost.
//
// # Transactions
//
// Atomic puts a bun.Tx in the context; every method (of any Store on the
// same database, and code that uses Store.DB) runs in it. Nested calls join.
// Writes that may fail in an expected way (ErrConflict, ErrNotFound) run
// under a savepoint inside a transaction, so the caller's transaction stays
// usable after such an error, as the contract requires. Lock* methods use
// SELECT ... FOR UPDATE and need a transaction. Serialization failures and
// deadlocks (SQLSTATE 40001, 40P01) re-run the whole transaction a bounded
// number of times (WithRetries).
//
// # Strict mode
//
// Row-level security as defence in depth behind the hooks and the guard:
// Registry.EnableStrict (as the tables' owner) puts every registered host
// table and the library's tables under a policy on the transaction-local
// setting app.workspace_id, which every transaction of a WithStrictMode
// connection sets from its scope. The library's Store connects as its own
// role, which a second policy admits to every row of the library's tables
// (it reads across workspaces by design); host code connects as an app
// role bound everywhere. GrantStrict grants both least privilege and
// VerifyStrict checks the app's connection at start-up. PRODUCTION.md has
// the roles, policies, privileges and measured cost.
//
// # Errors
//
// PostgreSQL errors map to the workspace package's sentinels by SQLSTATE:
// 23505 unique violation -> ErrConflict, 23503 foreign key -> ErrNotFound,
// 23514/23502/22001/22P02 -> ErrInvalid; no row -> ErrNotFound. The
// *pgconn.PgError stays in the chain for errors.As. A string argument with
// a NUL byte is ErrInvalid before anything is sent (store.CheckText): bun
// would write an error marker into the SQL text in its place.
//
// # Times
//
// timestamptz values come back converted to UTC, so what is read equals
// what was written (at microsecond precision, which workspace.UTCClock
// already truncates to).
package bunstore
