package workspace

import (
	"context"

	"github.com/google/uuid"
)

// Transactor runs fn in one transaction carried by the context it passes to
// fn: every store method called with that context takes part in it, so
// services of different packages commit together. If fn returns an error (or
// panics) everything it wrote is rolled back. A nested call joins the
// transaction already in ctx, without a savepoint: when a service called
// inside a host's transaction fails, the host must roll back, not commit
// what the failed call may have half written. Like sql.Tx, a transaction's
// context must not be used from several goroutines at once.
type Transactor interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

// TxObserver is an optional capability of a Transactor, found by type
// assertion. Services use it so that what follows a commit (events, cache
// invalidation) waits for the real commit: when a host calls a service inside
// its own Atomic, the service's transaction only joins the host's, which may
// still roll back. Both stores of this module implement it.
//
// A store built on a transaction the host began itself (bunstore.New on a
// bun.Tx) cannot see that transaction's commit: it runs the functions when
// its own outermost Atomic returns.
type TxObserver interface {
	// InTransaction reports whether ctx carries a transaction of this store.
	InTransaction(ctx context.Context) bool
	// AfterCommit runs fn after the outermost transaction in ctx commits, or
	// at once when ctx carries none. fn never runs if the transaction rolls
	// back, and runs once even if the store retries the transaction. fn gets
	// ctx without the finished transaction, so that it can use the store.
	AfterCommit(ctx context.Context, fn func(ctx context.Context))
}

// AfterCommit runs fn after the transaction in ctx commits, using t's
// TxObserver capability. Without it, fn runs at once with ctx: callers call
// it after their Atomic returned, so a failure prevents fn, but a host
// transaction around theirs may still roll back.
func AfterCommit(ctx context.Context, t Transactor, fn func(ctx context.Context)) {
	if o, ok := t.(TxObserver); ok {
		o.AfterCommit(ctx, fn)
		return
	}
	fn(ctx)
}

// InTransaction reports whether ctx carries a transaction of t; false when t
// lacks the TxObserver capability.
func InTransaction(ctx context.Context, t Transactor) bool {
	o, ok := t.(TxObserver)
	return ok && o.InTransaction(ctx)
}

// Page asks for at most Limit items that come after the item with id After
// (uuid.Nil: from the start). Lists are ordered by id, which for UUIDv7 ids is
// creation order, so paging is stable while items are added.
type Page struct {
	After uuid.UUID
	Limit int
}

// Store is the storage contract of the lifecycle service: accounts,
// workspaces and the membership rows that give access to them. Every
// implementation must pass the suite in package store/storetest.
//
// Methods return ErrNotFound for missing rows and ErrConflict for broken
// uniqueness rules, wrapped with the ids involved. Lock methods lock the row
// until the transaction in ctx ends and return ErrNoTransaction outside one.
// Every method that takes a string (user ids, names, cursors, also inside
// the structs it takes) returns ErrInvalid when one holds a NUL byte, which
// PostgreSQL text cannot store; nothing is read or written then.
//
// The service writes one Change per committed change through
// ChangeAppender, as the last step of its transaction.
type Store interface {
	Transactor
	ChangeAppender

	// CreateAccount inserts a; ErrConflict if its id exists.
	CreateAccount(ctx context.Context, a Account) error
	// GetAccount returns the account; ErrNotFound.
	GetAccount(ctx context.Context, id uuid.UUID) (Account, error)
	// LockAccount is GetAccount plus a row lock; ErrNotFound, ErrNoTransaction.
	LockAccount(ctx context.Context, id uuid.UUID) (Account, error)
	// UpdateAccount replaces name, owner, plan and version; ErrNotFound.
	UpdateAccount(ctx context.Context, a Account) error

	// CreateWorkspace inserts w; ErrConflict if the account already has a
	// workspace whose NameKey equals w's, or w's id exists; ErrNotFound if the
	// account does not exist.
	CreateWorkspace(ctx context.Context, w Workspace) error
	// GetWorkspace returns the workspace; ErrNotFound.
	GetWorkspace(ctx context.Context, id uuid.UUID) (Workspace, error)
	// LockWorkspace is GetWorkspace plus a row lock; ErrNotFound, ErrNoTransaction.
	LockWorkspace(ctx context.Context, id uuid.UUID) (Workspace, error)
	// UpdateWorkspace replaces name, description and updated time;
	// ErrNotFound, ErrConflict (name taken in the account).
	UpdateWorkspace(ctx context.Context, w Workspace) error
	// DeleteWorkspace removes the workspace and every row the library keeps
	// for it (memberships, invitations, custom roles); ErrNotFound.
	DeleteWorkspace(ctx context.Context, id uuid.UUID) error
	// CountWorkspaces returns how many workspaces the account has.
	CountWorkspaces(ctx context.Context, accountID uuid.UUID) (int, error)
	// ListAccountWorkspaces returns the account's workspaces by id.
	ListAccountWorkspaces(ctx context.Context, accountID uuid.UUID) ([]Workspace, error)

	// GetAccess returns what user may use the workspace as: owner if the user
	// owns its account, else the stored membership; ErrNotFound if neither.
	GetAccess(ctx context.Context, workspaceID uuid.UUID, user UserID) (Access, error)
	// ListAccess returns the workspaces user can access with the role there,
	// ordered by workspace id, one page at a time.
	ListAccess(ctx context.Context, user UserID, p Page) ([]Access, error)

	// CreateMembership inserts m; ErrConflict if the user is already a
	// member, ErrNotFound if the workspace does not exist.
	// An API key's user id (KeyUser) is ErrInvalid: keys are never members.
	CreateMembership(ctx context.Context, m Membership) error
	// GetMembership returns the stored membership; ErrNotFound.
	GetMembership(ctx context.Context, workspaceID uuid.UUID, user UserID) (Membership, error)
	// UpdateMembership replaces role, version and updated time; ErrNotFound.
	UpdateMembership(ctx context.Context, m Membership) error
	// DeleteMembership removes the membership; ErrNotFound.
	DeleteMembership(ctx context.Context, workspaceID uuid.UUID, user UserID) error
	// ListMemberships returns the workspace's stored memberships ordered by
	// user id, at most limit of them after the user id after ("" = start).
	ListMemberships(ctx context.Context, workspaceID uuid.UUID, after UserID, limit int) ([]Membership, error)
	// CountMemberships returns how many stored memberships the workspace has
	// (the derived account owner is not one of them).
	CountMemberships(ctx context.Context, workspaceID uuid.UUID) (int, error)
}
