// Package workspace is the floor of workspacekit: the tenant types (Account,
// Workspace, Membership, Role), the active workspace carried in a
// context.Context (Scope), the lifecycle Service, and the sentinel errors
// every other package builds on.
//
// # The active workspace
//
// Every action happens inside the active workspace. A request gets one by
// Service.Switch (no new login: the user's role in the target is read fresh
// from the store) and carries it with WithScope; everything scoped reads it
// with ScopeFrom and fails closed with ErrNoScope when there is none. The
// only way around a missing scope is Unscoped, which needs a reason and is
// logged.
//
// # Lifecycle
//
// CreateAccount makes an account and its first workspace; the account owner
// is owner of every workspace of the account, derived rather than stored, so
// it cannot drift. Create adds workspaces within the plan's limit (Plans),
// safe under concurrent creates. Delete needs an owner and the workspace's
// name typed exactly, and removes everything the workspace owns in one
// transaction, host data included (RegisterPurge).
//
// # Events and the change log
//
// Every change a service commits is published as a typed Event after the
// commit (Publisher, Bus) and, first, written as a Change to the store's
// change log in the same transaction (ChangeLog, AppendEvent): a rolled-back
// change is in neither, and a committed one is in the log even if its
// process dies before publishing. The log is ordered by commit, readable
// after any id (ChangesAfter), and is what other instances read to learn of
// changes; its payload is the event as JSON.
//
// # Errors
//
// Errors wrap the sentinels of errors.go with the ids involved; match them
// with errors.Is. Each method's doc lists the ones it returns.
package workspace
