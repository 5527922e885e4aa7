package workspace

import (
	"context"
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
// name exactly, as typed in the confirmation field. Scopes that point at the
// deleted workspace stop working at once.
//
// Errors: ErrNoScope, ErrNotFound (no such workspace or no access),
// ErrForbidden (not an owner), ErrConfirmation, and a purge's own error.
func (s *Service) Delete(ctx context.Context, id uuid.UUID, confirmation string) error {
	sc, err := RequireScope(ctx)
	if err != nil {
		return err
	}
	access, err := s.store.GetAccess(ctx, id, sc.UserID)
	if err != nil {
		return err
	}
	target := WithScope(ctx, ScopeFor(sc.UserID, access))
	if err := s.authz.Require(target, ResourceSettings, ActionDelete); err != nil {
		return err
	}
	var gone Workspace
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		w, err := s.store.LockWorkspace(ctx, id)
		if err != nil {
			return err
		}
		// Compared under the lock, so a concurrent rename cannot make a
		// confirmation typed for the old name delete the renamed workspace.
		if confirmation != w.Name {
			return fmt.Errorf("%w: workspace %s", ErrConfirmation, id)
		}
		for _, p := range s.purgeList() {
			if err := p.fn(ctx, id); err != nil {
				return fmt.Errorf("workspace: purge %q of %s: %w", p.name, id, err)
			}
		}
		gone = w
		return s.store.DeleteWorkspace(ctx, id)
	})
	if err != nil {
		return err
	}
	s.authz.Invalidate(id)
	s.events.Publish(ctx, Deleted{EventMeta: EventMeta{At: s.clock(), AccountID: gone.AccountID, WorkspaceID: gone.ID, Actor: sc.UserID}, Workspace: gone})
	return nil
}
