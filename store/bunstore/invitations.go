package bunstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateInvitation inserts inv and, when it has a token hash, the hash's
// row in invitation_tokens (which makes hashes unique across workspaces),
// in one transaction. An empty hash takes no part in uniqueness, like NULL.
// Ids are unique within the workspace (the primary key is workspace_id, id);
// they are UUIDs, so two workspaces never draw the same one in practice.
//
// Errors: workspace.ErrConflict (the id exists in the workspace, or the
// token hash exists), workspace.ErrNotFound (no such workspace).
func (s *Store) CreateInvitation(ctx context.Context, inv membership.Invitation) error {
	if err := store.CheckText("CreateInvitation", inv); err != nil {
		return err
	}
	what := fmt.Sprintf("create invitation %s in workspace %s", inv.ID, inv.WorkspaceID)
	return s.write(ctx, true, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewInsert().Model(toInvitationRow(inv)).Exec(ctx); err != nil {
			return mapErr(err, what)
		}
		return insertToken(ctx, db, inv, what)
	})
}

func insertToken(ctx context.Context, db bun.IDB, inv membership.Invitation, what string) error {
	if len(inv.TokenHash) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&invitationTokenRow{
		TokenHash: inv.TokenHash, WorkspaceID: inv.WorkspaceID, InvitationID: inv.ID,
	}).Exec(ctx)
	return mapErr(err, what+": token hash")
}

// GetInvitation returns the workspace's invitation.
//
// Errors: workspace.ErrNotFound (also when the id belongs to another
// workspace).
func (s *Store) GetInvitation(ctx context.Context, workspaceID, id uuid.UUID) (membership.Invitation, error) {
	var r invitationRow
	err := s.DB(ctx).NewSelect().Model(&r).Where("workspace_id = ? AND id = ?", workspaceID, id).Scan(ctx)
	if err != nil {
		return membership.Invitation{}, mapErr(err, fmt.Sprintf("invitation %s in workspace %s", id, workspaceID))
	}
	return r.invitation(), nil
}

// LockInvitationByToken returns the invitation whose token hash this is,
// locked (SELECT ... FOR UPDATE) until the transaction ends: of two
// concurrent accepts of one token the second waits and then sees the first
// one's outcome.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound
// (also for an empty hash).
func (s *Store) LockInvitationByToken(ctx context.Context, tokenHash []byte) (membership.Invitation, error) {
	tx, err := s.lockDB(ctx, "LockInvitationByToken")
	if err != nil {
		return membership.Invitation{}, err
	}
	if len(tokenHash) == 0 {
		return membership.Invitation{}, fmt.Errorf("%w: invitation with an empty token hash", workspace.ErrNotFound)
	}
	return s.invitationByToken(ctx, tx, tokenHash, true)
}

// GetInvitationByToken returns the invitation whose token hash this is,
// without a lock.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetInvitationByToken(ctx context.Context, tokenHash []byte) (membership.Invitation, error) {
	if len(tokenHash) == 0 {
		return membership.Invitation{}, fmt.Errorf("%w: invitation with an empty token hash", workspace.ErrNotFound)
	}
	return s.invitationByToken(ctx, s.DB(ctx), tokenHash, false)
}

func (s *Store) invitationByToken(ctx context.Context, db bun.IDB, tokenHash []byte, lock bool) (membership.Invitation, error) {
	var r invitationRow
	q := db.NewSelect().Model(&r).
		Join("JOIN invitation_tokens AS it ON it.workspace_id = i.workspace_id AND it.invitation_id = i.id").
		Where("it.token_hash = ?", tokenHash)
	if lock {
		q = q.For("UPDATE OF i")
	}
	if err := q.Scan(ctx); err != nil {
		return membership.Invitation{}, mapErr(err, "invitation with this token hash")
	}
	return r.invitation(), nil
}

// UpdateInvitation replaces role, token hash, status, accepted-by, updated
// and expiry times of the workspace's invitation; email, inviter and
// creation time stay. A new token hash replaces the old one's row in
// invitation_tokens in the same transaction.
//
// Errors: workspace.ErrNotFound (no such invitation in this workspace),
// workspace.ErrConflict (another invitation has the token hash).
func (s *Store) UpdateInvitation(ctx context.Context, inv membership.Invitation) error {
	if err := store.CheckText("UpdateInvitation", inv); err != nil {
		return err
	}
	what := fmt.Sprintf("update invitation %s in workspace %s", inv.ID, inv.WorkspaceID)
	return s.write(ctx, true, func(ctx context.Context, db bun.IDB) error {
		var old invitationRow
		err := db.NewSelect().Model(&old).Column("token_hash").
			Where("workspace_id = ? AND id = ?", inv.WorkspaceID, inv.ID).For("UPDATE").Scan(ctx)
		if err != nil {
			return mapErr(err, what)
		}
		_, err = db.NewUpdate().Model(toInvitationRow(inv)).
			Column("role", "token_hash", "status", "accepted_by", "updated_at", "expires_at").
			WherePK().Exec(ctx)
		if err != nil {
			return mapErr(err, what)
		}
		if bytes.Equal(old.TokenHash, inv.TokenHash) {
			return nil
		}
		_, err = db.NewDelete().Model((*invitationTokenRow)(nil)).
			Where("workspace_id = ? AND invitation_id = ?", inv.WorkspaceID, inv.ID).Exec(ctx)
		if err != nil {
			return mapErr(err, what+": old token hash")
		}
		return insertToken(ctx, db, inv, what)
	})
}

// ListPendingInvitations returns the workspace's pending invitations,
// expired ones included, ordered by id.
func (s *Store) ListPendingInvitations(ctx context.Context, workspaceID uuid.UUID) ([]membership.Invitation, error) {
	var rows []invitationRow
	err := s.DB(ctx).NewSelect().Model(&rows).
		Where("workspace_id = ? AND status = ?", workspaceID, membership.StatusPending).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list pending invitations of workspace %s", workspaceID))
	}
	out := make([]membership.Invitation, len(rows))
	for i := range rows {
		out[i] = rows[i].invitation()
	}
	return out, nil
}

// CountPendingInvitations counts the workspace's pending invitations that
// have not expired at now (expires_at after now): the seats they hold.
func (s *Store) CountPendingInvitations(ctx context.Context, workspaceID uuid.UUID, now time.Time) (int, error) {
	var n int
	err := s.DB(ctx).NewRaw(
		"SELECT count(*) FROM invitations WHERE workspace_id = ? AND status = ? AND expires_at > ?",
		workspaceID, membership.StatusPending, now).Scan(ctx, &n)
	return n, mapErr(err, fmt.Sprintf("count pending invitations of workspace %s", workspaceID))
}
