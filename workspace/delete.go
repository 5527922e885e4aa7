package workspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Delete removes a workspace and everything it owns: its memberships,
// invitations and role data in the store, and whatever the registered purge
// functions remove, all in one transaction. It is all or nothing: if a purge
// fails, nothing is removed.
//
// The user of the active scope must be owner of the workspace to delete (it
// need not be the active one), and confirmation must equal the workspace's
// name exactly, as typed in the confirmation field. The last workspace of an
// account cannot be deleted. Scopes that point at the deleted workspace stop
// working at once.
//
// Errors: ErrNoScope, ErrNotFound (no such workspace or no access: the two
// are not told apart), ErrForbidden (not an owner), ErrConfirmation,
// ErrLastWorkspace, a purge's own error, and the store's errors.
func (s *Service) Delete(ctx context.Context, id uuid.UUID, confirmation string) error {
	sc, err := RequireScope(ctx)
	if err != nil {
		return err
	}
	access, err := s.store.GetAccess(ctx, id, sc.UserID)
	if err != nil {
		return notFound(err, id)
	}
	if err := s.authz.Require(WithScope(ctx, ScopeFor(sc.UserID, access)), ResourceSettings, ActionDelete); err != nil {
		return err
	}
	var ev Deleted
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		// Account before workspace, the order every writer locks in; the
		// account lock also keeps two deletes from removing the last two
		// workspaces at once.
		if _, err := s.store.LockAccount(ctx, access.Workspace.AccountID); err != nil {
			return err
		}
		w, err := s.store.LockWorkspace(ctx, id)
		if err != nil {
			return notFound(err, id)
		}
		// Decided again under the lock, on data read in this transaction: a
		// concurrent removal or demotion of the caller wins.
		fresh, err := s.store.GetAccess(ctx, id, sc.UserID)
		if err != nil {
			return notFound(err, id)
		}
		if err := s.authz.Require(WithScope(ctx, ScopeFor(sc.UserID, fresh)), ResourceSettings, ActionDelete); err != nil {
			return err
		}
		// Compared under the lock, so a concurrent rename cannot make a
		// confirmation typed for the old name delete the renamed workspace.
		if confirmation != w.Name {
			return fmt.Errorf("%w: workspace %s", ErrConfirmation, id)
		}
		n, err := s.store.CountWorkspaces(ctx, w.AccountID)
		if err != nil {
			return err
		}
		if n <= 1 {
			return fmt.Errorf("%w: workspace %s of account %s", ErrLastWorkspace, id, w.AccountID)
		}
		purgeCtx := context.WithValue(ctx, purgingKey{}, id)
		for _, p := range s.purgeList() {
			if err := p.fn(purgeCtx, id); err != nil {
				return fmt.Errorf("workspace: purge %q of %s: %w", p.name, id, err)
			}
		}
		if err := s.store.DeleteWorkspace(ctx, id); err != nil {
			return err
		}
		ev = Deleted{EventMeta: EventMeta{At: s.clock(), AccountID: w.AccountID, WorkspaceID: w.ID, Actor: sc.UserID}, Workspace: w}
		return AppendEvent(ctx, s.store, ChangeWorkspaceDeleted, ev)
	})
	if err != nil {
		return err
	}
	AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.authz.Invalidate(id)
		s.events.Publish(ctx, ev)
	})
	return nil
}

// notFound gives every "not found" about a workspace the same message, so
// that the store's wording cannot tell a missing workspace from one the
// caller may not see.
func notFound(err error, id uuid.UUID) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: workspace %s", ErrNotFound, id)
	}
	return err
}

type purgingKey struct{}

// Purging reports which workspace's deletion ctx belongs to: Delete gives
// each purge function a context that says so, and nothing else can make
// one. Public helpers that remove a workspace's rows given its id (a
// store's purge) check it, so that a scoped context of one workspace
// cannot be used to remove another's rows.
func Purging(ctx context.Context) (uuid.UUID, bool) {
	id, ok := ctx.Value(purgingKey{}).(uuid.UUID)
	return id, ok
}

// MayPurge reports whether ctx may remove the rows of workspace id: it is
// Delete's purge of that workspace, or system work (Unscoped).
func MayPurge(ctx context.Context, id uuid.UUID) bool {
	if p, ok := Purging(ctx); ok && p == id {
		return true
	}
	_, ok := UnscopedReason(ctx)
	return ok
}
