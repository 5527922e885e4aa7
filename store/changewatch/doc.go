// Package changewatch keeps the per-process caches of several app
// instances in step with one store. Each instance runs a Watcher over the
// store's change log (workspace.ChangeLog): it reads every committed
// change after the last one it applied, in order, and invalidates exactly
// the workspaces it touched in its Invalidators (rbac.Authorizer). A
// transport tells it when the log has grown — LISTEN/NOTIFY on PostgreSQL
// (bunstore.Listen), or nothing at all on memstore, where the watcher's
// own polling does — so a change reaches every instance in about one
// notification's latency.
//
// The staleness bound does not rest on the transport. The watcher reads
// the log at least every poll interval, whatever arrives, and counts itself
// fresh only while its last complete read began within the bound (default
// 1 s): a dropped connection, a lost notification or a database restart
// then costs at most the bound, and while the watcher cannot read the log
// at all, Fresh is false and an Authorizer built WithFreshness(w) stops
// trusting its snapshots (it reads through to the store).
package changewatch
