package membership

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Invite invites email to the active workspace with role. The returned token
// is shown once (send it in the invitation link); only its hash is stored.
// The invitation holds a seat until it is accepted, revoked or expires.
//
// Errors: workspace.ErrNoScope, workspace.ErrInvalid (email, role name, role
// not defined in the workspace), workspace.ErrForbidden (no team:manage, or
// role above the caller's own), workspace.ErrPlanLimit (no free seat),
// workspace.ErrConflict (a pending, unexpired invitation for this email
// exists: resend it instead), workspace.ErrNotFound (the workspace is gone),
// and the store's errors.
func (s *Service) Invite(ctx context.Context, email string, role workspace.Role) (Invitation, string, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return Invitation{}, "", err
	}
	if email, err = NormalizeEmail(email); err != nil {
		return Invitation{}, "", err
	}
	if err := role.Validate(); err != nil {
		return Invitation{}, "", err
	}
	if err := s.mayGrant(ctx, role); err != nil {
		return Invitation{}, "", err
	}
	token, hash, err := newToken(s.random)
	if err != nil {
		return Invitation{}, "", err
	}
	now := s.clock()
	inv := Invitation{ID: s.newID(), WorkspaceID: sc.WorkspaceID, Email: email, Role: role, InvitedBy: sc.UserID,
		TokenHash: hash, Status: StatusPending, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.ttl)}
	ev := Invited{EventMeta: s.meta(sc, now), InvitationID: inv.ID.String(), Email: email, Role: role}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		pending, err := s.lockSeats(ctx, sc.WorkspaceID, now)
		if err != nil {
			return err
		}
		if err := s.mayGrant(ctx, role); err != nil {
			return err
		}
		if err := s.roleDefined(ctx, sc.WorkspaceID, role); err != nil {
			return err
		}
		for _, p := range pending {
			if p.Email == email && !p.Expired(now) {
				return fmt.Errorf("%w: %s already has a pending invitation %s", workspace.ErrConflict, email, p.ID)
			}
		}
		if err := s.store.CreateInvitation(ctx, inv); err != nil {
			return err
		}
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeInvitationCreated, ev)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.events.Publish(ctx, ev)
	})
	return inv, token, nil
}

// lockSeats locks the workspace (serializing everything that takes seats in
// it), checks that one more seat is free under the account's plan, and
// returns the pending invitations it counted.
func (s *Service) lockSeats(ctx context.Context, workspaceID uuid.UUID, now time.Time) ([]Invitation, error) {
	w, err := s.store.LockWorkspace(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	acc, err := s.store.GetAccount(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	limits, err := s.plans.Limits(ctx, acc)
	if err != nil {
		return nil, err
	}
	members, err := s.store.CountMemberships(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	pending, err := s.store.ListPendingInvitations(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	seats := 1 + members // the account owner holds a seat without a row
	for _, p := range pending {
		if !p.Expired(now) {
			seats++
		}
	}
	if limits.MaxMembers != workspace.Unlimited && seats >= limits.MaxMembers {
		return nil, fmt.Errorf("%w: workspace %s uses %d of %d seats", workspace.ErrPlanLimit, workspaceID, seats, limits.MaxMembers)
	}
	return pending, nil
}

// Resend gives a pending invitation a new token and a new expiry; the old
// token stops working. An expired invitation takes a seat again.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no team:manage, or
// an invitation for a role above the caller's own), workspace.ErrNotFound
// (no such invitation in the active workspace, or the workspace is gone),
// ErrNotPending, workspace.ErrPlanLimit (expired, and no free seat),
// workspace.ErrConflict (the invitation changed concurrently; retry), and the
// store's errors.
func (s *Service) Resend(ctx context.Context, id uuid.UUID) (Invitation, string, error) {
	sc, err := s.checkInvitation(ctx, id)
	if err != nil {
		return Invitation{}, "", err
	}
	token, hash, err := newToken(s.random)
	if err != nil {
		return Invitation{}, "", err
	}
	now := s.clock()
	var (
		inv Invitation
		ev  Invited
	)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		cur, err := s.lockPending(ctx, sc.WorkspaceID, id)
		if err != nil {
			return err
		}
		if cur.Expired(now) {
			if _, err := s.lockSeats(ctx, sc.WorkspaceID, now); err != nil {
				return err
			}
		}
		cur.TokenHash, cur.ExpiresAt, cur.UpdatedAt = hash, now.Add(s.ttl), now
		if err := s.store.UpdateInvitation(ctx, cur); err != nil {
			return err
		}
		inv = cur
		ev = Invited{EventMeta: s.meta(sc, now), InvitationID: id.String(), Email: inv.Email, Role: inv.Role, Resent: true}
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeInvitationCreated, ev)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.events.Publish(ctx, ev)
	})
	return inv, token, nil
}

// Revoke cancels a pending invitation; its token stops working and its seat
// is freed.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden,
// workspace.ErrNotFound, ErrNotPending, workspace.ErrConflict (the invitation
// changed concurrently; retry), and the store's errors.
func (s *Service) Revoke(ctx context.Context, id uuid.UUID) error {
	sc, err := s.checkInvitation(ctx, id)
	if err != nil {
		return err
	}
	now := s.clock()
	var ev InvitationRevoked
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		cur, err := s.lockPending(ctx, sc.WorkspaceID, id)
		if err != nil {
			return err
		}
		cur.Status, cur.UpdatedAt = StatusRevoked, now
		if err := s.store.UpdateInvitation(ctx, cur); err != nil {
			return err
		}
		ev = InvitationRevoked{EventMeta: s.meta(sc, now), InvitationID: id.String(), Email: cur.Email}
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeInvitationRevoked, ev)
	})
	if err != nil {
		return err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.events.Publish(ctx, ev)
	})
	return nil
}

// checkInvitation is the fast check before a transaction: the caller may
// manage the team and act on the invitation's role (admins cannot touch
// invitations for owners).
func (s *Service) checkInvitation(ctx context.Context, id uuid.UUID) (workspace.Scope, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return sc, err
	}
	if err := s.authz.Require(ctx, workspace.ResourceTeam, workspace.ActionManage); err != nil {
		return sc, err
	}
	inv, err := s.store.GetInvitation(ctx, sc.WorkspaceID, id)
	if err != nil {
		return sc, err
	}
	return sc, s.authz.CanGrant(ctx, inv.Role)
}

// lockPending locks the workspace, then the invitation, re-checks that the
// caller may act on it, and that it is still pending. Every writer locks a
// workspace before its invitations (the order PostgreSQL's cascade of a
// workspace deletion takes too), so no two of them wait on each other in
// opposite orders; and since every change of a token happens under the
// workspace lock, the hash read here is current.
func (s *Service) lockPending(ctx context.Context, workspaceID, id uuid.UUID) (Invitation, error) {
	if _, err := s.store.LockWorkspace(ctx, workspaceID); err != nil {
		return Invitation{}, err
	}
	seen, err := s.store.GetInvitation(ctx, workspaceID, id)
	if err != nil {
		return Invitation{}, err
	}
	if seen.Status != StatusPending {
		return Invitation{}, fmt.Errorf("%w: invitation %s is %s", ErrNotPending, id, seen.Status)
	}
	inv, err := s.store.LockInvitationByToken(ctx, seen.TokenHash)
	if err != nil {
		return Invitation{}, err
	}
	if inv.ID != id || inv.WorkspaceID != workspaceID || !bytes.Equal(inv.TokenHash, seen.TokenHash) {
		return Invitation{}, fmt.Errorf("%w: invitation %s changed concurrently, retry", workspace.ErrConflict, id)
	}
	if err := s.mayGrant(ctx, inv.Role); err != nil {
		return Invitation{}, err
	}
	if inv.Status != StatusPending {
		return Invitation{}, fmt.Errorf("%w: invitation %s is %s", ErrNotPending, inv.ID, inv.Status)
	}
	return inv, nil
}

// mayGrant is the team manager's check: team:manage, and every role named
// no higher than the caller's own. Outside a transaction it answers from the
// authorizer's cache; inside one (after the workspace lock) from data read
// in the transaction, which is what makes a concurrent demotion win.
func (s *Service) mayGrant(ctx context.Context, roles ...workspace.Role) error {
	if err := s.authz.Require(ctx, workspace.ResourceTeam, workspace.ActionManage); err != nil {
		return err
	}
	for _, r := range roles {
		if err := s.authz.CanGrant(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// roleDefined checks, inside the caller's transaction and after it locked
// the workspace, that role still exists there: custom roles are deleted under
// the same lock, so a role checked here cannot vanish before commit.
func (s *Service) roleDefined(ctx context.Context, workspaceID uuid.UUID, role workspace.Role) error {
	if role.IsBuiltin() {
		return nil
	}
	_, err := s.store.GetRole(ctx, workspaceID, role)
	if errors.Is(err, workspace.ErrNotFound) {
		return fmt.Errorf("%w: %q in workspace %s", rbac.ErrUnknownRole, role, workspaceID)
	}
	return err
}

// Pending lists the active workspace's invitations that can still be
// accepted (pending and not expired at the service's clock), oldest first.
// Token hashes are cleared.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no team:read).
func (s *Service) Pending(ctx context.Context) ([]Invitation, error) {
	return s.listPending(ctx, false)
}

// Expired lists the active workspace's pending invitations whose time ran
// out (at the service's clock), oldest first: the ones to offer a Resend
// for. They hold no seat and their tokens are refused with ErrTokenExpired.
// Token hashes are cleared.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no team:read).
func (s *Service) Expired(ctx context.Context) ([]Invitation, error) {
	return s.listPending(ctx, true)
}

func (s *Service) listPending(ctx context.Context, expired bool) ([]Invitation, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Require(ctx, workspace.ResourceTeam, workspace.ActionRead); err != nil {
		return nil, err
	}
	invs, err := s.store.ListPendingInvitations(ctx, sc.WorkspaceID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	out := invs[:0]
	for _, inv := range invs {
		if inv.Expired(now) == expired {
			inv.TokenHash = nil
			out = append(out, inv)
		}
	}
	return out, nil
}

func (s *Service) meta(sc workspace.Scope, at time.Time) workspace.EventMeta {
	return workspace.EventMeta{At: at, AccountID: sc.AccountID, WorkspaceID: sc.WorkspaceID, Actor: sc.UserID}
}
