package rbac

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Store is what the authorizer reads (memberships, the single source of truth
// for who holds which role) and where custom roles are kept. Every
// implementation must pass the suite in package store/storetest. As in
// workspace.Store, a string holding a NUL byte (a role name, a permission)
// is workspace.ErrInvalid. Custom role changes are written to the change
// log (workspace.ChangeAppender) in their transaction.
type Store interface {
	workspace.Transactor
	workspace.ChangeAppender
	GetWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error)
	GetAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error)
	LockWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error)
	GetAccess(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) (workspace.Access, error)
	ListMemberships(ctx context.Context, workspaceID uuid.UUID, after workspace.UserID, limit int) ([]workspace.Membership, error)
	// GetMembership is what a decision inside a transaction reads instead
	// of every membership (see workspace.Store).
	GetMembership(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) (workspace.Membership, error)

	// CreateRole inserts r; ErrConflict if the workspace has a role of that
	// name, ErrNotFound if the workspace does not exist, ErrInvalid if the
	// name is a built-in role's (built-in roles are defined once, for every
	// workspace).
	CreateRole(ctx context.Context, r CustomRole) error
	// GetRole returns the workspace's role; ErrNotFound.
	GetRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) (CustomRole, error)
	// UpdateRole replaces the permissions and updated time; ErrNotFound.
	UpdateRole(ctx context.Context, r CustomRole) error
	// DeleteRole removes the role; ErrNotFound.
	DeleteRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) error
	// ListRoles returns the workspace's custom roles ordered by name.
	ListRoles(ctx context.Context, workspaceID uuid.UUID) ([]CustomRole, error)
	// CountRoleHolders counts the workspace's memberships, pending
	// invitations and API keys that are not revoked (a store with
	// KeyGrants) that hold role.
	CountRoleHolders(ctx context.Context, workspaceID uuid.UUID, role workspace.Role) (int, error)
	// ReassignRole moves every membership (bumping its version), pending
	// invitation and API key that is not revoked (a store with KeyGrants)
	// of the workspace from role from to role to, and returns how many
	// memberships moved.
	ReassignRole(ctx context.Context, workspaceID uuid.UUID, from, to workspace.Role) (int, error)
}

// KeyGrants is an optional capability of a Store: the roles of the
// workspace's API keys (package apikey), so that a key's scope is decided
// like a member's, from the same snapshot, and a revoked key is denied
// wherever its scope came from. A Store without it gives keys no role:
// every decision for a key's scope denies.
type KeyGrants interface {
	// ListKeyGrants returns every key of the workspace that is not
	// revoked (expired or not: the Authorizer compares expiry with its
	// clock).
	ListKeyGrants(ctx context.Context, workspaceID uuid.UUID) ([]KeyGrant, error)
}

// KeyGrant is one API key's role in its workspace.
type KeyGrant struct {
	KeyID uuid.UUID
	Role  workspace.Role
	// ExpiresAt is zero for a key that never expires.
	ExpiresAt time.Time
}
