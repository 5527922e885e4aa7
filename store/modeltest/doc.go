// Package modeltest is the randomized, model-based isolation suite of
// workspacekit: it answers "can tenant A ever see or change tenant B's
// data, under any sequence of operations, concurrency and faults?" with a
// machine. Like storetest it is exported, so that a host runs it over its
// own store and its own host tables (Target.Tables, TableOf).
//
// # The model
//
// A reference model in plain Go maps (model.go): accounts, workspaces,
// memberships, invitations with their tokens, custom roles, API keys with
// their secrets (when the store implements apikey.Store), and the rows of
// 2-3 host tables, plus the permission matrix copied from package rbac's
// documentation. Each operation (ops_*.go) predicts its outcome on the
// model from the documented rules, in the order the services check them.
//
// # The generator
//
// Sequences are drawn by pgregory.net/rapid (Run): several users in several
// accounts and workspaces call every public operation of the workspace,
// membership, rbac and apikey services and every Repo method, including
// what must be refused: foreign ids, stale scopes (after a deletion, a
// removal, a demotion, a revocation), forged scopes, wrong confirmations,
// reused, superseded, revoked and expired tokens and secrets, roles above
// the caller's own, plan limits. A failing sequence is shrunk and printed,
// one operation and its outcome a line, with the seed that replays it.
//
// # What is checked after every operation
//
//   - its outcome (error class and returned data) equals the model's;
//   - every read the acting scope can make equals the model's view for
//     that scope;
//   - every workspace of the sequence, read around the services (the
//     store's methods, and the host tables through Target.Snapshot: on
//     PostgreSQL another connection that bypasses the guard and
//     row-level security), equals the model, and a workspace the
//     operation did not act on is byte-for-byte what it was before;
//   - every Authorizer decision (the permission set and CanGrant) of every
//     actor in every workspace, deleted ones included, equals the model's.
//
// # Concurrency, faults, load
//
// RunConcurrent runs 4-8 actors at once, each in accounts of its own,
// checked against its own model as it goes, and the whole store against
// every model at the end; RunContended makes them race on one account in
// rounds and checks that some order of each round explains what they saw
// (see concurrent.go for the rules and where they are weaker than
// linearizability). Target.Faults injects a real database's faults into
// single operations (a killed backend, a statement timeout, a cancelled
// context, a serialization failure), and the suite checks each such
// operation was all or nothing. Soak runs N goroutines for a duration and
// checks for leaked goroutines, connections left in use and heap growth.
package modeltest
