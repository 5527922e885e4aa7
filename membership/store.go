package membership

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Store is the storage contract of the membership service: the workspace
// store's memberships plus invitations. Every implementation must pass the
// suite in package store/storetest.
//
// Invitation methods are keyed by workspace so that one workspace can never
// read or change another's invitations by id. As in workspace.Store, a
// string holding a NUL byte (an email, a role, a user id) is
// workspace.ErrInvalid. Every change the service commits is written to the
// change log (workspace.ChangeAppender, part of workspace.Store) in its
// transaction.
type Store interface {
	workspace.Store

	// CreateInvitation inserts inv; ErrConflict if its id or token hash
	// exists, ErrNotFound if the workspace does not exist.
	CreateInvitation(ctx context.Context, inv Invitation) error
	// GetInvitation returns the workspace's invitation; ErrNotFound (also
	// when the id belongs to another workspace).
	GetInvitation(ctx context.Context, workspaceID, id uuid.UUID) (Invitation, error)
	// LockInvitationByToken returns the invitation with this token hash,
	// locked until the transaction ends; ErrNotFound, ErrNoTransaction.
	LockInvitationByToken(ctx context.Context, tokenHash []byte) (Invitation, error)
	// GetInvitationByToken returns the invitation with this token hash,
	// without a lock; ErrNotFound.
	GetInvitationByToken(ctx context.Context, tokenHash []byte) (Invitation, error)
	// UpdateInvitation replaces role, token hash, status, accepted-by, updated
	// and expiry times of the workspace's invitation; ErrNotFound,
	// ErrConflict (token hash taken).
	UpdateInvitation(ctx context.Context, inv Invitation) error
	// ListPendingInvitations returns the workspace's pending invitations
	// (expired ones included) ordered by id.
	ListPendingInvitations(ctx context.Context, workspaceID uuid.UUID) ([]Invitation, error)
	// CountPendingInvitations counts the workspace's pending invitations that
	// have not expired at now: the seats they hold.
	CountPendingInvitations(ctx context.Context, workspaceID uuid.UUID, now time.Time) (int, error)

	// GetRole returns the workspace's custom role (see rbac.Store); the
	// service re-reads it under the workspace lock so that a role deleted
	// concurrently is never granted.
	GetRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) (rbac.CustomRole, error)
}
