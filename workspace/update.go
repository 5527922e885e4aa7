package workspace

import (
	"context"

	"github.com/google/uuid"
)

// Changes lists what Update changes; nil fields stay as they are.
type Changes struct {
	Name        *string
	Description *string
}

// Update renames or re-describes workspace id, which the scope's user must
// be able to access with settings:update there (it need not be the active
// workspace: Settings > Workspaces lists them all, as for Delete).
//
// Errors: ErrNoScope, ErrNotFound (no such workspace or no access: the two
// are not told apart), ErrForbidden (the role there may not update),
// ErrInvalid, ErrConflict (name taken in the account, ignoring case), and
// the store's errors.
func (s *Service) Update(ctx context.Context, id uuid.UUID, c Changes) (Workspace, error) {
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
	access, err := s.store.GetAccess(ctx, id, sc.UserID)
	if err != nil {
		return Workspace{}, notFound(err, id)
	}
	if err := s.authz.Require(WithScope(ctx, ScopeFor(sc.UserID, access)), ResourceSettings, ActionUpdate); err != nil {
		return Workspace{}, err
	}
	var (
		before, after Workspace
		ev            Updated
	)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
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
		if err := s.authz.Require(WithScope(ctx, ScopeFor(sc.UserID, fresh)), ResourceSettings, ActionUpdate); err != nil {
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
