package membership

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/workspacekit/workspacekit/workspace"
)

// AcceptAndEnter is Accept followed by workspace.WithScope: it returns
// ctx carrying the new member's scope in the invitation's workspace, ready
// for scoped calls, and the scope itself.
//
// Errors: those of Accept; on an error ctx is returned unchanged.
func (s *Service) AcceptAndEnter(ctx context.Context, user workspace.UserID, token string) (context.Context, workspace.Scope, error) {
	sc, err := s.Accept(ctx, user, token)
	if err != nil {
		return ctx, workspace.Scope{}, err
	}
	return workspace.WithScope(ctx, sc), sc, nil
}

// Accept turns an invitation into a membership: user joins the invitation's
// workspace with the role chosen at invitation, and gets the scope to switch
// into it. A token works once; of two concurrent accepts exactly one wins.
//
// The token is a bearer token: whoever presents it joins. The library does
// not know users' email addresses; a host that wants the accepting user's
// address to match the invitation's checks it before calling Accept.
//
// Errors: workspace.ErrInvalid (user id), ErrTokenUnknown, ErrTokenExpired,
// ErrTokenRevoked, ErrTokenUsed, ErrAlreadyMember (the user already has access
// to the workspace; the invitation stays pending), and the store's errors.
func (s *Service) Accept(ctx context.Context, user workspace.UserID, token string) (workspace.Scope, error) {
	if err := workspace.ValidateUser(user); err != nil {
		return workspace.Scope{}, err
	}
	hash, err := hashToken(token)
	if err != nil {
		return workspace.Scope{}, err
	}
	// Which workspace to lock is only known from the invitation: read it
	// without a lock, so that the transaction below can lock the workspace
	// before the invitation, like every other writer (also when the caller's
	// context carries a host transaction).
	first, err := s.store.GetInvitationByToken(ctx, hash)
	if errors.Is(err, workspace.ErrNotFound) {
		return workspace.Scope{}, ErrTokenUnknown
	}
	if err != nil {
		return workspace.Scope{}, err
	}
	now := s.clock()
	var (
		access workspace.Access
		ev     Joined
	)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if _, err := s.store.LockWorkspace(ctx, first.WorkspaceID); err != nil {
			if errors.Is(err, workspace.ErrNotFound) {
				return ErrTokenUnknown // deleted with its workspace meanwhile
			}
			return err
		}
		cur, err := s.lockToken(ctx, hash)
		if err != nil {
			return err
		}
		if cur.ID != first.ID || cur.WorkspaceID != first.WorkspaceID {
			return ErrTokenUnknown
		}
		switch {
		case cur.Status == StatusRevoked:
			return fmt.Errorf("%w: invitation %s", ErrTokenRevoked, cur.ID)
		case cur.Status == StatusAccepted:
			return fmt.Errorf("%w: invitation %s", ErrTokenUsed, cur.ID)
		case cur.Expired(now):
			return fmt.Errorf("%w: invitation %s expired at %s", ErrTokenExpired, cur.ID, cur.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
		}
		if _, err := s.store.GetAccess(ctx, cur.WorkspaceID, user); err == nil {
			return fmt.Errorf("%w: user %q in workspace %s", ErrAlreadyMember, user, cur.WorkspaceID)
		} else if !errors.Is(err, workspace.ErrNotFound) {
			return err
		}
		m := workspace.Membership{WorkspaceID: cur.WorkspaceID, UserID: user, Role: cur.Role, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.store.CreateMembership(ctx, m); err != nil {
			return err
		}
		cur.Status, cur.AcceptedBy, cur.UpdatedAt = StatusAccepted, user, now
		if err := s.store.UpdateInvitation(ctx, cur); err != nil {
			return err
		}
		if access, err = s.store.GetAccess(ctx, cur.WorkspaceID, user); err != nil {
			return err
		}
		ev = Joined{EventMeta: s.meta(workspace.ScopeFor(user, access), now), InvitationID: cur.ID.String(), Role: cur.Role}
		if err := workspace.AppendEvent(ctx, s.store, workspace.ChangeInvitationAccepted, ev); err != nil {
			return err
		}
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeMemberJoined, ev)
	})
	if err != nil {
		return workspace.Scope{}, err
	}
	sc := workspace.ScopeFor(user, access)
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.authz.Invalidate(sc.WorkspaceID)
		s.events.Publish(ctx, ev)
	})
	return sc, nil
}

// lockToken locks the invitation that holds hash now. The stored hash is
// compared again because a row lock waited for may come back with a row
// whose token was replaced meanwhile (a Resend).
func (s *Service) lockToken(ctx context.Context, hash []byte) (Invitation, error) {
	inv, err := s.store.LockInvitationByToken(ctx, hash)
	if errors.Is(err, workspace.ErrNotFound) {
		return Invitation{}, ErrTokenUnknown
	}
	if err != nil {
		return Invitation{}, err
	}
	if !bytes.Equal(inv.TokenHash, hash) {
		return Invitation{}, ErrTokenUnknown
	}
	return inv, nil
}
