package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/workspacekit/workspacekit/workspace"
)

// Accept turns an invitation into a membership: user joins the invitation's
// workspace with the role chosen at invitation, and gets the scope to switch
// into it. A token works once; of two concurrent accepts exactly one wins.
//
// Errors: workspace.ErrInvalid (empty user), ErrTokenUnknown, ErrTokenExpired,
// ErrTokenRevoked, ErrTokenUsed, ErrAlreadyMember (the user already has access
// to the workspace; the invitation stays pending).
func (s *Service) Accept(ctx context.Context, user workspace.UserID, token string) (workspace.Scope, error) {
	if err := workspace.ValidateUser(user); err != nil {
		return workspace.Scope{}, err
	}
	hash, err := hashToken(token)
	if err != nil {
		return workspace.Scope{}, err
	}
	now := s.clock()
	var (
		inv    Invitation
		access workspace.Access
	)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		inv, err = s.store.LockInvitationByToken(ctx, hash)
		if errors.Is(err, workspace.ErrNotFound) {
			return ErrTokenUnknown
		}
		if err != nil {
			return err
		}
		switch {
		case inv.Status == StatusRevoked:
			return fmt.Errorf("%w: invitation %s", ErrTokenRevoked, inv.ID)
		case inv.Status == StatusAccepted:
			return fmt.Errorf("%w: invitation %s", ErrTokenUsed, inv.ID)
		case inv.Expired(now):
			return fmt.Errorf("%w: invitation %s expired at %s", ErrTokenExpired, inv.ID, inv.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
		}
		if _, err := s.store.LockWorkspace(ctx, inv.WorkspaceID); err != nil {
			return err
		}
		if _, err := s.store.GetAccess(ctx, inv.WorkspaceID, user); err == nil {
			return fmt.Errorf("%w: user %q in workspace %s", ErrAlreadyMember, user, inv.WorkspaceID)
		} else if !errors.Is(err, workspace.ErrNotFound) {
			return err
		}
		m := workspace.Membership{WorkspaceID: inv.WorkspaceID, UserID: user, Role: inv.Role, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.store.CreateMembership(ctx, m); err != nil {
			return err
		}
		inv.Status, inv.AcceptedBy, inv.UpdatedAt = StatusAccepted, user, now
		if err := s.store.UpdateInvitation(ctx, inv); err != nil {
			return err
		}
		access, err = s.store.GetAccess(ctx, inv.WorkspaceID, user)
		return err
	})
	if err != nil {
		return workspace.Scope{}, err
	}
	s.authz.Invalidate(inv.WorkspaceID)
	sc := workspace.ScopeFor(user, access)
	s.events.Publish(ctx, Joined{EventMeta: s.meta(sc, now), InvitationID: inv.ID.String(), Role: inv.Role})
	return sc, nil
}
