// Package storetest is the conformance suite of store.Store: the executable
// form of the storage contracts. Every implementation (store/memstore,
// store/bunstore) runs it with one call, Run, and must pass it unchanged.
//
// The suite covers every method with its documented errors, ordering and
// paging in PostgreSQL's byte order, copies in and out, the derived account
// owner, the cascade of DeleteWorkspace, transactions (commit, rollback on
// error and on panic of every kind of write, nesting, cancellation),
// isolation between workspaces and accounts, the row-lock races the
// services rely on, and the change log: ids in commit order without gaps
// under concurrent appends, paging, rollback, pruning, and the changes
// every service write appends.
//
// Tests never assume an empty store: they make fresh ids and user names, so
// a harness may hand the same store (one database) to every test.
package storetest
