package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/workspacekit/workspacekit/workspace"
)

// ErrForeignWorkspace means a record handed to a scoped write names another
// workspace than the active one. Nothing was written.
var ErrForeignWorkspace = errors.New("store: record belongs to another workspace")

// Record is what a host type must expose to be kept in a Repo: its id and
// the workspace that owns it. bunstore.Scoped provides the workspace half
// (embed it and add RecordID).
type Record interface {
	// RecordID returns the record's id, unique within its workspace.
	RecordID() uuid.UUID
	// RecordWorkspaceID returns the owning workspace (uuid.Nil when not
	// yet stamped).
	RecordWorkspaceID() uuid.UUID
	// SetRecordWorkspaceID stamps the owning workspace on insert.
	SetRecordWorkspaceID(uuid.UUID)
}

// RecordPtr constrains the pointer type of a record type T: repositories
// are generic over T and need PT's methods to read and stamp it.
type RecordPtr[T any] interface {
	*T
	Record
}

// Repo is a workspace-scoped repository of host records of type T, one per
// host table. Every method takes the workspace from workspace.ScopeFrom(ctx)
// and sees only that workspace's records: another workspace's id is
// indistinguishable from a missing one. Without a scope every method fails
// with workspace.ErrNoScope, also in a context from workspace.Unscoped: a
// repository always works in exactly one workspace (system work that
// crosses workspaces uses the database directly). When ctx carries a
// transaction of the store (Atomic), the method takes part in it. Records
// are copied in and out.
//
// A scope of a deleted workspace stops working at once: the workspace's
// records go with it (memstore purges them, PostgreSQL cascades), so reads,
// Update and Delete find nothing, and Insert fails with
// workspace.ErrNotFound, checked in the write's own transaction (memstore
// under its store lock, PostgreSQL through the foreign key). On PostgreSQL
// this is the host table's foreign key to workspaces(id) ON DELETE
// CASCADE, which every host table must have. Authorize each action anyway
// (package rbac denies everything in a deleted workspace, and a removed
// member everywhere).
//
// Text that PostgreSQL cannot store (a NUL byte in a string field of a
// record) is workspace.ErrInvalid on every store; nothing is written.
//
// Implementations: bunstore.NewRepo (PostgreSQL) and memstore.NewRepo (in
// memory); both pass storetest.RunRepo.
type Repo[T any] interface {
	// Get returns the active workspace's record with id.
	// Errors: workspace.ErrNoScope, workspace.ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (T, error)
	// List returns the active workspace's records ordered by id (byte
	// order, as PostgreSQL orders uuids), those after the id p.After
	// (uuid.Nil: from the start), at most p.Limit of them (<= 0: all).
	// Errors: workspace.ErrNoScope.
	List(ctx context.Context, p workspace.Page) ([]T, error)
	// Insert adds rec to the active workspace, stamping the workspace on it
	// when it has none.
	// Errors: workspace.ErrNoScope, ErrForeignWorkspace (rec names another
	// workspace), workspace.ErrConflict (the id exists in this workspace),
	// workspace.ErrNotFound (the active workspace does not exist, e.g. it
	// was deleted), workspace.ErrInvalid (text with a NUL byte).
	Insert(ctx context.Context, rec *T) error
	// Update replaces the stored record that has rec's id, in the active
	// workspace.
	// Errors: workspace.ErrNoScope, ErrForeignWorkspace, workspace.ErrNotFound,
	// workspace.ErrInvalid (text with a NUL byte).
	Update(ctx context.Context, rec *T) error
	// Delete removes the active workspace's record with id.
	// Errors: workspace.ErrNoScope, workspace.ErrNotFound.
	Delete(ctx context.Context, id uuid.UUID) error
	// Count returns how many records the active workspace has.
	// Errors: workspace.ErrNoScope.
	Count(ctx context.Context) (int, error)
}

// StampRecord is for Repo implementations: it checks a record handed to a
// write against the active workspace ws, stamping ws on a record that names
// none, and returns ErrForeignWorkspace for one that names another, or
// workspace.ErrInvalid for one with text PostgreSQL cannot store (see
// CheckText).
func StampRecord[T any, PT RecordPtr[T]](ws uuid.UUID, rec *T) error {
	if err := CheckText("record", rec); err != nil {
		return err
	}
	switch got := PT(rec).RecordWorkspaceID(); got {
	case ws:
	case uuid.Nil:
		PT(rec).SetRecordWorkspaceID(ws)
	default:
		return fmt.Errorf("%w: record %s of workspace %s written in %s", ErrForeignWorkspace, PT(rec).RecordID(), got, ws)
	}
	return nil
}
