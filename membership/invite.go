package membership

import (
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
// exists: resend it instead).
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
	if err := s.authz.Require(ctx, ResourceTeam, ActionManage); err != nil {
		return Invitation{}, "", err
	}
	if err := s.authz.CanGrant(ctx, role); err != nil {
		return Invitation{}, "", err
	}
	token, hash, err := newToken(s.random)
	if err != nil {
		return Invitation{}, "", err
	}
	now := s.clock()
	inv := Invitation{ID: s.newID(), WorkspaceID: sc.WorkspaceID, Email: email, Role: role, InvitedBy: sc.UserID,
		TokenHash: hash, Status: StatusPending, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.ttl)}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		pending, err := s.lockSeats(ctx, sc.WorkspaceID, now)
		if err != nil {
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
		return s.store.CreateInvitation(ctx, inv)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	s.events.Publish(ctx, Invited{EventMeta: s.meta(sc, now), InvitationID: inv.ID.String(), Email: email, Role: role})
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
// Errors: workspace.ErrNoScope, workspace.ErrForbidden, workspace.ErrNotFound
// (no such invitation in the active workspace), ErrNotPending,
// workspace.ErrPlanLimit (expired, and no free seat).
func (s *Service) Resend(ctx context.Context, id uuid.UUID) (Invitation, string, error) {
	sc, inv, err := s.manageInvitation(ctx, id)
	if err != nil {
		return Invitation{}, "", err
	}
	token, hash, err := newToken(s.random)
	if err != nil {
		return Invitation{}, "", err
	}
	now := s.clock()
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if inv, err = s.lockPending(ctx, inv); err != nil {
			return err
		}
		if inv.Expired(now) {
			if _, err := s.lockSeats(ctx, sc.WorkspaceID, now); err != nil {
				return err
			}
		}
		inv.TokenHash, inv.ExpiresAt, inv.UpdatedAt = hash, now.Add(s.ttl), now
		return s.store.UpdateInvitation(ctx, inv)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	s.events.Publish(ctx, Invited{EventMeta: s.meta(sc, now), InvitationID: id.String(), Email: inv.Email, Role: inv.Role, Resent: true})
	return inv, token, nil
}

// Revoke cancels a pending invitation; its token stops working and its seat
// is freed.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden, workspace.ErrNotFound,
// ErrNotPending.
func (s *Service) Revoke(ctx context.Context, id uuid.UUID) error {
	sc, inv, err := s.manageInvitation(ctx, id)
	if err != nil {
		return err
	}
	now := s.clock()
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if inv, err = s.lockPending(ctx, inv); err != nil {
			return err
		}
		inv.Status, inv.UpdatedAt = StatusRevoked, now
		return s.store.UpdateInvitation(ctx, inv)
	})
	if err != nil {
		return err
	}
	s.events.Publish(ctx, InvitationRevoked{EventMeta: s.meta(sc, now), InvitationID: id.String(), Email: inv.Email})
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

// lockPending locks an invitation read before the transaction and checks it
// is still pending. Invitations are locked before their workspace everywhere
// (Accept can only find the workspace through the invitation), so that two
// transactions never wait on each other in opposite orders.
func (s *Service) lockPending(ctx context.Context, seen Invitation) (Invitation, error) {
	inv, err := s.store.LockInvitationByToken(ctx, seen.TokenHash)
	if errors.Is(err, workspace.ErrNotFound) {
		// Resent (new token) or deleted since it was read.
		return Invitation{}, fmt.Errorf("%w: invitation %s changed concurrently, retry", workspace.ErrConflict, seen.ID)
	}
	if err != nil {
		return Invitation{}, err
	}
	if inv.ID != seen.ID || inv.WorkspaceID != seen.WorkspaceID {
		return Invitation{}, fmt.Errorf("%w: invitation %s changed concurrently, retry", workspace.ErrConflict, seen.ID)
	}
	if inv.Status != StatusPending {
		return Invitation{}, fmt.Errorf("%w: invitation %s is %s", ErrNotPending, inv.ID, inv.Status)
	}
	return inv, nil
}

// manageInvitation checks that the caller may manage the team and act on an
// invitation for its role (admins cannot touch invitations for owners).
func (s *Service) manageInvitation(ctx context.Context, id uuid.UUID) (workspace.Scope, Invitation, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return sc, Invitation{}, err
	}
	if err := s.authz.Require(ctx, ResourceTeam, ActionManage); err != nil {
		return sc, Invitation{}, err
	}
	inv, err := s.store.GetInvitation(ctx, sc.WorkspaceID, id)
	if err != nil {
		return sc, Invitation{}, err
	}
	if err := s.authz.CanGrant(ctx, inv.Role); err != nil {
		return sc, Invitation{}, err
	}
	return sc, inv, nil
}

// Pending lists the active workspace's pending invitations (expired ones
// included: see Invitation.Expired), oldest first. Token hashes are cleared.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no team:read).
func (s *Service) Pending(ctx context.Context) ([]Invitation, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Require(ctx, ResourceTeam, ActionRead); err != nil {
		return nil, err
	}
	invs, err := s.store.ListPendingInvitations(ctx, sc.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for i := range invs {
		invs[i].TokenHash = nil
	}
	return invs, nil
}

func (s *Service) meta(sc workspace.Scope, at time.Time) workspace.EventMeta {
	return workspace.EventMeta{At: at, AccountID: sc.AccountID, WorkspaceID: sc.WorkspaceID, Actor: sc.UserID}
}
