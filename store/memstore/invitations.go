package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateInvitation inserts inv. Token hashes are unique across the store; an
// empty hash (NULL in PostgreSQL) takes no part in that.
//
// Errors: workspace.ErrConflict (the id or the token hash exists),
// workspace.ErrNotFound (no such workspace).
func (s *Store) CreateInvitation(ctx context.Context, inv membership.Invitation) error {
	if err := store.CheckText("CreateInvitation", inv); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		if s.invitations.has(inv.ID) {
			return fmt.Errorf("%w: invitation %s exists", workspace.ErrConflict, inv.ID)
		}
		if len(inv.TokenHash) > 0 && s.invitationsByToken.has(string(inv.TokenHash)) {
			return fmt.Errorf("%w: token hash of invitation %s is taken", workspace.ErrConflict, inv.ID)
		}
		if !s.workspaces.has(inv.WorkspaceID) {
			return fmt.Errorf("%w: workspace %s of invitation %s", workspace.ErrNotFound, inv.WorkspaceID, inv.ID)
		}
		inv = cloneInvitation(inv)
		s.invitations.put(t, inv.ID, inv)
		s.invitationsByWS.add(t, inv.WorkspaceID, inv.ID)
		if len(inv.TokenHash) > 0 {
			s.invitationsByToken.put(t, string(inv.TokenHash), inv.ID)
		}
		return nil
	})
}

// GetInvitation returns the workspace's invitation.
//
// Errors: workspace.ErrNotFound (also when the id belongs to another
// workspace).
func (s *Store) GetInvitation(ctx context.Context, workspaceID, id uuid.UUID) (membership.Invitation, error) {
	var inv membership.Invitation
	err := s.do(ctx, func(*tx) error {
		var err error
		inv, err = s.invitation(workspaceID, id)
		return err
	})
	return inv, err
}

// LockInvitationByToken returns the invitation whose token hash this is,
// inside a transaction; the store lock that the transaction holds already
// keeps the row from changing under it.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound.
func (s *Store) LockInvitationByToken(ctx context.Context, tokenHash []byte) (membership.Invitation, error) {
	var inv membership.Invitation
	err := s.inTx(ctx, "LockInvitationByToken", func(*tx) error {
		var err error
		inv, err = s.invitationByToken(tokenHash)
		return err
	})
	return inv, err
}

// GetInvitationByToken returns the invitation whose token hash this is,
// without a lock.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetInvitationByToken(ctx context.Context, tokenHash []byte) (membership.Invitation, error) {
	var inv membership.Invitation
	err := s.do(ctx, func(*tx) error {
		var err error
		inv, err = s.invitationByToken(tokenHash)
		return err
	})
	return inv, err
}

func (s *Store) invitationByToken(tokenHash []byte) (membership.Invitation, error) {
	id, ok := s.invitationsByToken.get(string(tokenHash))
	if !ok || len(tokenHash) == 0 {
		return membership.Invitation{}, fmt.Errorf("%w: invitation with this token", workspace.ErrNotFound)
	}
	got, _ := s.invitations.get(id)
	return cloneInvitation(got), nil
}

// UpdateInvitation replaces role, token hash, status, accepted-by, updated
// and expiry times of the workspace's invitation; email, inviter and
// creation time stay.
//
// Errors: workspace.ErrNotFound (no such invitation in this workspace),
// workspace.ErrConflict (another invitation has the token hash).
func (s *Store) UpdateInvitation(ctx context.Context, inv membership.Invitation) error {
	if err := store.CheckText("UpdateInvitation", inv); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		old, err := s.invitation(inv.WorkspaceID, inv.ID)
		if err != nil {
			return err
		}
		if !bytes.Equal(old.TokenHash, inv.TokenHash) {
			if other, ok := s.invitationsByToken.get(string(inv.TokenHash)); ok && len(inv.TokenHash) > 0 && other != inv.ID {
				return fmt.Errorf("%w: token hash of invitation %s is taken", workspace.ErrConflict, inv.ID)
			}
			if len(old.TokenHash) > 0 {
				s.invitationsByToken.del(t, string(old.TokenHash))
			}
			if len(inv.TokenHash) > 0 {
				s.invitationsByToken.put(t, string(inv.TokenHash), inv.ID)
			}
		}
		old.Role, old.TokenHash, old.Status, old.AcceptedBy = inv.Role, slices.Clone(inv.TokenHash), inv.Status, inv.AcceptedBy
		old.UpdatedAt, old.ExpiresAt = inv.UpdatedAt, inv.ExpiresAt
		s.invitations.put(t, inv.ID, old)
		return nil
	})
}

// ListPendingInvitations returns the workspace's pending invitations,
// expired ones included, ordered by id.
func (s *Store) ListPendingInvitations(ctx context.Context, workspaceID uuid.UUID) ([]membership.Invitation, error) {
	var out []membership.Invitation
	err := s.do(ctx, func(*tx) error {
		ids := s.invitationsByWS.keys(workspaceID)
		sortIDs(ids)
		out = make([]membership.Invitation, 0, len(ids))
		for _, id := range ids {
			if inv, _ := s.invitations.get(id); inv.Status == membership.StatusPending {
				out = append(out, cloneInvitation(inv))
			}
		}
		return nil
	})
	return out, err
}

// CountPendingInvitations counts the workspace's pending invitations that
// have not expired at now (ExpiresAt after now): the seats they hold.
func (s *Store) CountPendingInvitations(ctx context.Context, workspaceID uuid.UUID, now time.Time) (int, error) {
	var n int
	err := s.do(ctx, func(*tx) error {
		for _, id := range s.invitationsByWS.keys(workspaceID) {
			if inv, _ := s.invitations.get(id); inv.Status == membership.StatusPending && inv.ExpiresAt.After(now) {
				n++
			}
		}
		return nil
	})
	return n, err
}

func (s *Store) invitation(workspaceID, id uuid.UUID) (membership.Invitation, error) {
	inv, ok := s.invitations.get(id)
	if !ok || inv.WorkspaceID != workspaceID {
		return membership.Invitation{}, fmt.Errorf("%w: invitation %s in workspace %s", workspace.ErrNotFound, id, workspaceID)
	}
	return cloneInvitation(inv), nil
}

func (s *Store) deleteInvitation(t *tx, id uuid.UUID) {
	inv, ok := s.invitations.get(id)
	if !ok {
		return
	}
	if len(inv.TokenHash) > 0 {
		s.invitationsByToken.del(t, string(inv.TokenHash))
	}
	s.invitationsByWS.del(t, inv.WorkspaceID, id)
	s.invitations.del(t, id)
}

func cloneInvitation(inv membership.Invitation) membership.Invitation {
	inv.TokenHash = slices.Clone(inv.TokenHash)
	return inv
}
