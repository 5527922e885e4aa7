// Package memstore is the in-memory implementation of store.Store: what host
// applications run their test suites on. It passes the same conformance suite
// (store/storetest) as the PostgreSQL store, so code tested here behaves the
// same in production: the same sentinel errors, ordering (ids and names in
// byte order), uniqueness rules, foreign keys, cascades and transactions.
// It also refuses what PostgreSQL cannot store: a string with a NUL byte is
// workspace.ErrInvalid in every method that takes one (store.CheckText).
//
// Values are copied in and out: no slice or pointer is shared with callers.
//
// The change log (workspace.ChangeLog) is kept under the store lock with the
// same undo log as every table: a rolled-back transaction takes its changes
// and their ids back, and since one transaction at a time holds the lock,
// ids follow commit order without gaps, as on PostgreSQL.
//
// # Transactions
//
// Atomic carries a transaction in the context it hands to fn. It holds a
// store-wide lock until fn returns, which makes transactions serializable
// and Lock* methods trivially correct; calls outside a transaction take the
// lock for the call only. Every write records how to undo itself, and an
// error or a panic in fn replays that log backwards. Inside fn, use only the
// context fn received (see Atomic).
//
// # Adding a table
//
// Another file of this package can add a table that joins the same
// transactions and is purged with its workspace:
//
//  1. Keep the rows in a table[K, V] (table.go), or in any structure whose
//     every write calls t.onRollback with the function that undoes it.
//     Group keys with an index[G, K] where a list must not scan every row.
//     Both need no registration: they live wherever the new code keeps them
//     (a field of its own repository type is fine).
//  2. Read and write only inside s.do(ctx, func(t *tx) error { ... }), which
//     joins the transaction of ctx or makes one for the call and holds the
//     store lock; a returned error undoes what the call wrote. Methods that
//     must run in the caller's transaction use s.inTx instead.
//  3. Copy slices and pointers on the way in and out (see cloneInvitation).
//  4. If rows belong to a workspace, register their purge once with
//     s.onDeleteWorkspace(func(t *tx, workspaceID uuid.UUID) error { ... });
//     DeleteWorkspace runs it in its transaction and rolls everything back
//     if it returns an error. Inserts check, inside s.do, that the
//     workspace still exists (s.workspaces.has), as PostgreSQL's foreign
//     key would (see Repo.Insert).
//  5. Pass caller-supplied strings through store.CheckText first.
package memstore
