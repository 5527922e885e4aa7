package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// TransferOwnership makes to the owner of the active scope's account, and so
// owner of every workspace in it, including ones created later. Only the
// current account owner may do it, and to must already have access to the
// active workspace. The previous owner keeps previousRole (a built-in role;
// "" means admin) in every workspace of the account. to's stored memberships
// in the account are dropped: their ownership is derived from now on.
//
// A transfer is never refused for seats; a workspace where the previous
// owner had no row before ends one seat fuller, which may leave it over its
// plan's member limit until someone leaves (invitations are refused then).
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (caller is not the
// account owner), workspace.ErrInvalid (to, previousRole, to is the caller),
// workspace.ErrNotFound (to has no access to the active workspace), and the
// store's errors.
func (s *Service) TransferOwnership(ctx context.Context, to workspace.UserID, previousRole workspace.Role) error {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return err
	}
	if err := workspace.ValidateUser(to); err != nil {
		return err
	}
	if previousRole == "" {
		previousRole = workspace.RoleAdmin
	}
	if !previousRole.IsBuiltin() {
		return fmt.Errorf("%w: the previous owner's role must be a built-in role, got %q", workspace.ErrInvalid, previousRole)
	}
	if to == sc.UserID {
		return fmt.Errorf("%w: %q already owns the account", workspace.ErrInvalid, to)
	}
	if _, err := s.store.GetAccess(ctx, sc.WorkspaceID, to); err != nil {
		return err
	}
	now := s.clock()
	meta := s.meta(sc, now)
	meta.WorkspaceID = uuid.Nil
	ev := OwnershipTransferred{EventMeta: meta, From: sc.UserID, To: to, PreviousOwnerRole: previousRole}
	var workspaces []workspace.Workspace
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		acc, err := s.store.LockAccount(ctx, sc.AccountID)
		if err != nil {
			return err
		}
		if acc.OwnerID != sc.UserID {
			return fmt.Errorf("%w: only the account owner can transfer account %s", workspace.ErrForbidden, acc.ID)
		}
		listed, err := s.store.ListAccountWorkspaces(ctx, acc.ID)
		if err != nil {
			return err
		}
		// Lock every workspace (account, then workspaces by id: the order
		// all writers use) before touching memberships; one deleted since
		// it was listed is skipped.
		workspaces = workspaces[:0]
		for _, w := range listed {
			if _, err := s.store.LockWorkspace(ctx, w.ID); errors.Is(err, workspace.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			workspaces = append(workspaces, w)
		}
		if _, err := s.store.GetAccess(ctx, sc.WorkspaceID, to); err != nil {
			return err
		}
		for _, w := range workspaces {
			if err := s.store.DeleteMembership(ctx, w.ID, to); err != nil && !errors.Is(err, workspace.ErrNotFound) {
				return err
			}
			if err := s.setRole(ctx, w.ID, sc.UserID, previousRole); err != nil {
				return err
			}
		}
		acc.OwnerID, acc.Version = to, acc.Version+1
		if err := s.store.UpdateAccount(ctx, acc); err != nil {
			return err
		}
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeOwnershipTransferred, ev)
	})
	if err != nil {
		return err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		for _, w := range workspaces {
			s.authz.Invalidate(w.ID)
		}
		s.events.Publish(ctx, ev)
	})
	return nil
}

// setRole creates or replaces user's stored membership.
func (s *Service) setRole(ctx context.Context, ws uuid.UUID, user workspace.UserID, role workspace.Role) error {
	now := s.clock()
	m, err := s.store.GetMembership(ctx, ws, user)
	if errors.Is(err, workspace.ErrNotFound) {
		return s.store.CreateMembership(ctx, workspace.Membership{WorkspaceID: ws, UserID: user, Role: role, Version: 1, CreatedAt: now, UpdatedAt: now})
	}
	if err != nil {
		return err
	}
	m.Role, m.Version, m.UpdatedAt = role, m.Version+1, now
	return s.store.UpdateMembership(ctx, m)
}
