package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ChangeKind names what a Change did.
type ChangeKind string

// The kinds of change the services write. Each Change's Payload is the
// event the service publishes for it, marshalled as JSON (workspace.Created,
// membership.RoleChanged, rbac.RoleDeleted...), so a reader can rebuild the
// typed event by unmarshalling it into that type.
const (
	ChangeWorkspaceCreated ChangeKind = "workspace.created" // Created (also the first workspace of a new account)
	ChangeWorkspaceUpdated ChangeKind = "workspace.updated" // Updated
	ChangeWorkspaceDeleted ChangeKind = "workspace.deleted" // Deleted
	ChangeMemberJoined     ChangeKind = "member.joined"     // membership.Joined
	// ChangeMemberRoleChanged: membership.RoleChanged.
	ChangeMemberRoleChanged ChangeKind = "member.role_changed"
	ChangeMemberRemoved     ChangeKind = "member.removed" // membership.Removed
	ChangeMemberLeft        ChangeKind = "member.left"    // membership.Removed with Left set
	// ChangeOwnershipTransferred: membership.OwnershipTransferred. Its
	// WorkspaceID is uuid.Nil: it concerns every workspace of AccountID.
	ChangeOwnershipTransferred ChangeKind = "account.ownership_transferred"
	ChangeRoleCreated          ChangeKind = "role.created" // rbac.RoleCreated
	ChangeRoleChanged          ChangeKind = "role.changed" // rbac.RoleUpdated (permissions changed or renamed)
	ChangeRoleDeleted          ChangeKind = "role.deleted" // rbac.RoleDeleted
	// ChangeInvitationCreated: membership.Invited (also a resend, with
	// Resent set).
	ChangeInvitationCreated  ChangeKind = "invitation.created"
	ChangeInvitationRevoked  ChangeKind = "invitation.revoked"  // membership.InvitationRevoked
	ChangeInvitationAccepted ChangeKind = "invitation.accepted" // membership.Joined (written with ChangeMemberJoined)
	ChangeKeyCreated         ChangeKind = "apikey.created"      // apikey.Created
	ChangeKeyRevoked         ChangeKind = "apikey.revoked"      // apikey.Revoked
	ChangeKeyRoleChanged     ChangeKind = "apikey.role_changed" // apikey.RoleChanged
	ChangeKeyRenamed         ChangeKind = "apikey.renamed"      // apikey.Renamed
)

// Change is one committed change as the store's change log keeps it.
type Change struct {
	// ID is assigned by the store: increasing in commit order, with no
	// gaps visible to readers (see ChangeLog).
	ID int64
	// At is the change's time (the service's clock).
	At        time.Time
	AccountID uuid.UUID
	// WorkspaceID is uuid.Nil for account-wide changes (an ownership
	// transfer).
	WorkspaceID uuid.UUID
	Kind        ChangeKind
	Actor       UserID
	// Payload is the typed event's fields as JSON (the event struct
	// marshalled); it may be empty. A store may normalize it (PostgreSQL's
	// jsonb reorders keys and spacing): compare it as JSON, not as bytes.
	Payload json.RawMessage
}

// ChangeAppender writes changes; every service's store has it.
type ChangeAppender interface {
	// AppendChange writes c in the transaction of ctx and returns it with
	// ID set (c.ID is ignored). The change becomes visible to readers when
	// that transaction commits, and vanishes with it if it rolls back. On
	// PostgreSQL it holds a lock that orders all appending transactions
	// until its own ends, so call it as late as possible in the
	// transaction, right before it ends.
	//
	// Errors: ErrNoTransaction (outside Atomic), ErrInvalid (empty Kind, a
	// NUL byte in Kind or Actor, a Payload that is not JSON or holds a NUL
	// character, which PostgreSQL's jsonb cannot store), and the store's
	// own errors.
	AppendChange(ctx context.Context, c Change) (Change, error)
}

// MaxChangesPage is the most changes one ChangesAfter call returns.
const MaxChangesPage = 1000

// ChangeLog reads and prunes the log. The log is ordered by ID, which
// follows commit order: once a reader has seen the change with ID n, no
// change with an ID below n can appear later, and IDs have no gaps (a
// rolled-back transaction takes none), so a reader that remembers the last
// ID it saw and asks for what comes after misses nothing. Both stores of
// this module implement it; store/storetest checks the contract.
type ChangeLog interface {
	ChangeAppender
	// ChangesAfter returns up to limit committed changes with ID > after,
	// in ID order (after < 0 reads from the start). Inside a transaction
	// it also sees the transaction's own changes.
	//
	// Errors: ErrInvalid (limit < 1 or > MaxChangesPage).
	ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error)
	// LastChange returns the highest committed ID (0 when nothing was ever
	// appended). Pruning does not lower it.
	LastChange(ctx context.Context) (int64, error)
	// PruneChanges deletes the changes with ID <= upTo and returns how many
	// it deleted. Retention is the host's choice: call it with an ID that
	// every reader has passed (the lowest cursor of the watchers that
	// read the log), or with one older than the audit trail must keep.
	// IDs are never reused: LastChange stays where it was.
	PruneChanges(ctx context.Context, upTo int64) (int, error)
}

// AppendEvent writes e to the change log of a, in the transaction of ctx,
// as one change of the given kind: the time, account, workspace and actor
// come from e.Meta(), and the payload is e marshalled as JSON. Services call
// it as the last step of their transaction, so that the change commits, or
// rolls back, with what it records.
//
// Errors: ErrInvalid (e cannot be marshalled) and AppendChange's.
func AppendEvent(ctx context.Context, a ChangeAppender, kind ChangeKind, e Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("%w: change %s: %w", ErrInvalid, kind, err)
	}
	m := e.Meta()
	_, err = a.AppendChange(ctx, Change{At: m.At, AccountID: m.AccountID, WorkspaceID: m.WorkspaceID, Kind: kind, Actor: m.Actor, Payload: payload})
	return err
}

// EventOf rebuilds the typed event of a change of this package's kinds
// (Created, Updated, Deleted) from its payload: how a host that reads the
// log (a changewatch.Watcher's WithOnChange, a cursor over ChangesAfter)
// gets the events every instance published, durably. ok is false for the
// kinds of other packages (membership.EventOf, rbac.EventOf).
// Errors: ErrInvalid when the payload does not decode.
func EventOf(c Change) (e Event, ok bool, err error) {
	switch c.Kind {
	case ChangeWorkspaceCreated:
		return DecodeEvent[Created](c)
	case ChangeWorkspaceUpdated:
		return DecodeEvent[Updated](c)
	case ChangeWorkspaceDeleted:
		return DecodeEvent[Deleted](c)
	}
	return nil, false, nil
}

// DecodeEvent unmarshals c's payload into the event type E, for the
// EventOf functions of the packages that define events; ok is always true.
// Errors: ErrInvalid when the payload does not decode.
func DecodeEvent[E Event](c Change) (e Event, ok bool, err error) {
	var v E
	if err := json.Unmarshal(c.Payload, &v); err != nil {
		return nil, true, fmt.Errorf("%w: change %d (%s): %w", ErrInvalid, c.ID, c.Kind, err)
	}
	return v, true, nil
}
