// Package workspace is the floor of workspacekit: the tenant types (Account,
// Workspace, Membership, Role), the active workspace carried in a
// context.Context (Scope), the lifecycle Service, and the sentinel errors
// every other package builds on.
//
// # The active workspace
//
// Every action happens inside the active workspace. A request gets one by
// Service.Enter (Switch, which needs no new login: the user's role in the
// target is read fresh from the store, then WithScope); everything scoped
// reads it with ScopeFrom and fails closed with ErrNoScope when there is
// none. The only way around a missing scope is Unscoped, which needs a
// reason and is logged.
//
// # Who acts, on which workspace
//
// One rule for every service of the library:
//
//   - Calls a user makes before any workspace is active take the user
//     explicitly: CreateAccount, Switch, Enter, Get, List (the selector),
//     Revalidate, and membership's Accept. There is no scope to read yet.
//   - Every other call reads the actor from the scope in ctx and fails with
//     ErrNoScope without one.
//   - Calls on the active workspace's content (Create of a sibling workspace
//     in its account, the team, invitations, roles, host records) act on the
//     scope's workspace. Calls on a workspace as an item of Settings >
//     Workspaces (Update, Delete) name it by id; the actor's role is read
//     fresh in that workspace, which need not be the active one, and a
//     workspace the actor cannot access is ErrNotFound.
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
