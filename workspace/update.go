package workspace

import "context"

// Changes lists what Update changes; nil fields stay as they are.
type Changes struct {
	Name        *string
	Description *string
}

// Update renames or re-describes the active workspace. It needs
// settings:update there.
//
// Errors: ErrNoScope, ErrForbidden (also when the workspace is gone: the
// caller's role there is gone with it), ErrNotFound (the workspace was
// deleted while the call ran), ErrInvalid, ErrConflict (name taken in the
// account, ignoring case), and the store's errors.
func (s *Service) Update(ctx context.Context, c Changes) (Workspace, error) {
	sc, err := RequireScope(ctx)
	if err != nil {
		return Workspace{}, err
	}
	var name, desc string
	if c.Name != nil {
		if name, err = NormalizeName(*c.Name); err != nil {
			return Workspace{}, err
		}
	}
	if c.Description != nil {
		if desc, err = NormalizeDescription(*c.Description); err != nil {
			return Workspace{}, err
		}
	}
	if err := s.authz.Require(ctx, ResourceSettings, ActionUpdate); err != nil {
		return Workspace{}, err
	}
	var (
		before, after Workspace
		ev            Updated
	)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		w, err := s.store.LockWorkspace(ctx, sc.WorkspaceID)
		if err != nil {
			return err
		}
		// Decided again under the lock, on data read in this transaction.
		if err := s.authz.Require(ctx, ResourceSettings, ActionUpdate); err != nil {
			return err
		}
		before, after = w, w
		if c.Name != nil {
			after.Name = name
		}
		if c.Description != nil {
			after.Description = desc
		}
		if after == before {
			return nil
		}
		after.UpdatedAt = s.clock()
		if err := s.store.UpdateWorkspace(ctx, after); err != nil {
			return err
		}
		ev = Updated{EventMeta: EventMeta{At: after.UpdatedAt, AccountID: after.AccountID, WorkspaceID: after.ID, Actor: sc.UserID}, Before: before, After: after}
		return AppendEvent(ctx, s.store, ChangeWorkspaceUpdated, ev)
	})
	if err != nil {
		return Workspace{}, err
	}
	if after != before {
		AfterCommit(ctx, s.store, func(ctx context.Context) {
			s.events.Publish(ctx, ev)
		})
	}
	return after, nil
}
