package apikey

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// MaxNameLen bounds key names, in characters.
const MaxNameLen = 64

// Store is what the service needs of a store; memstore and bunstore
// implement it and store/storetest checks the contract (RunKeys). Every
// method that takes a workspace id acts in that workspace only: another
// workspace's key id is ErrNotFound, as if it did not exist.
type Store interface {
	workspace.Transactor
	workspace.ChangeAppender

	// GetAccount returns the account; workspace.ErrNotFound.
	GetAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error)
	// LockWorkspace returns the workspace locked until the transaction
	// ends (the plan limit is counted under it);
	// workspace.ErrNotFound, workspace.ErrNoTransaction.
	LockWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error)

	// CreateKey inserts k (AccountID ignored). Key ids are unique across
	// workspaces (GetKey finds a key by id alone): workspace.ErrConflict if
	// its id exists in any workspace, workspace.ErrNotFound if its
	// workspace does not, workspace.ErrInvalid for an empty hash or a NUL
	// byte in the name, role or creator.
	CreateKey(ctx context.Context, k Key) error
	// GetKey returns the key with id, whatever its workspace, with its
	// Hash and AccountID: what Authenticate reads on a cache miss, one
	// statement of primary-key lookups. workspace.ErrNotFound.
	GetKey(ctx context.Context, id uuid.UUID) (Key, error)
	// LockKey returns the workspace's key with id, locked until the
	// transaction ends; workspace.ErrNotFound (also for another
	// workspace's key), workspace.ErrNoTransaction.
	LockKey(ctx context.Context, workspaceID, id uuid.UUID) (Key, error)
	// UpdateKey replaces the name, role and revoked time of the
	// workspace's key k.ID; workspace.ErrNotFound (also for another
	// workspace's key).
	UpdateKey(ctx context.Context, k Key) error
	// ListKeys returns the workspace's keys, revoked ones included, in id
	// order: those after the id after (uuid.Nil: from the start), at most
	// limit of them (<= 0: all).
	ListKeys(ctx context.Context, workspaceID, after uuid.UUID, limit int) ([]Key, error)
	// CountActiveKeys counts the workspace's keys that are neither revoked
	// nor expired at now.
	CountActiveKeys(ctx context.Context, workspaceID uuid.UUID, now time.Time) (int, error)
	// TouchKeys records when keys were last used: for each id, last_used
	// becomes the later of its stored value and the given time. Ids that
	// no longer exist are skipped. It crosses workspaces on purpose (one
	// write for every key used since the last flush) and writes nothing
	// but that time.
	TouchKeys(ctx context.Context, used map[uuid.UUID]time.Time) error
}
