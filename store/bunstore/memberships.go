package bunstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateMembership inserts m.
//
// Errors: workspace.ErrConflict (the user is already a member),
// workspace.ErrNotFound (no such workspace).
func (s *Store) CreateMembership(ctx context.Context, m workspace.Membership) error {
	if err := store.CheckMember(m); err != nil {
		return err
	}
	return s.write(ctx, false, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(toMembershipRow(m)).Exec(ctx)
		return mapErr(err, fmt.Sprintf("create membership of %q in workspace %s", m.UserID, m.WorkspaceID))
	})
}

// GetMembership returns the stored membership (the derived account owner
// has none; see GetAccess).
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetMembership(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) (workspace.Membership, error) {
	if err := store.CheckText("GetMembership", user); err != nil {
		return workspace.Membership{}, err
	}
	var r membershipRow
	err := s.DB(ctx).NewSelect().Model(&r).
		Where("workspace_id = ? AND user_id = ?", workspaceID, user).Scan(ctx)
	if err != nil {
		return workspace.Membership{}, mapErr(err, fmt.Sprintf("membership of %q in workspace %s", user, workspaceID))
	}
	return r.membership(), nil
}

// UpdateMembership replaces role, version and updated time; the creation
// time stays.
//
// Errors: workspace.ErrNotFound.
func (s *Store) UpdateMembership(ctx context.Context, m workspace.Membership) error {
	if err := store.CheckText("UpdateMembership", m); err != nil {
		return err
	}
	res, err := s.DB(ctx).NewUpdate().Model(toMembershipRow(m)).
		Column("role", "version", "updated_at").WherePK().Exec(ctx)
	return changedOne(res, err, fmt.Sprintf("update membership of %q in workspace %s", m.UserID, m.WorkspaceID))
}

// DeleteMembership removes the membership.
//
// Errors: workspace.ErrNotFound.
func (s *Store) DeleteMembership(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) error {
	if err := store.CheckText("DeleteMembership", user); err != nil {
		return err
	}
	res, err := s.DB(ctx).NewDelete().Model((*membershipRow)(nil)).
		Where("workspace_id = ? AND user_id = ?", workspaceID, user).Exec(ctx)
	return changedOne(res, err, fmt.Sprintf("delete membership of %q in workspace %s", user, workspaceID))
}

// ListMemberships returns the workspace's stored memberships ordered by user
// id in byte order (COLLATE "C"), those after the user id after ("" = from
// the start), at most limit of them (limit <= 0: all).
func (s *Store) ListMemberships(ctx context.Context, workspaceID uuid.UUID, after workspace.UserID, limit int) ([]workspace.Membership, error) {
	if err := store.CheckText("ListMemberships", after); err != nil {
		return nil, err
	}
	var rows []membershipRow
	q := s.DB(ctx).NewSelect().Model(&rows).
		Where("workspace_id = ? AND user_id > ?", workspaceID, after).Order("user_id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, fmt.Sprintf("list memberships of workspace %s", workspaceID))
	}
	out := make([]workspace.Membership, len(rows))
	for i := range rows {
		out[i] = rows[i].membership()
	}
	return out, nil
}

// CountMemberships returns how many stored memberships the workspace has
// (the derived account owner is not one of them).
func (s *Store) CountMemberships(ctx context.Context, workspaceID uuid.UUID) (int, error) {
	var n int
	err := s.DB(ctx).NewRaw("SELECT count(*) FROM memberships WHERE workspace_id = ?", workspaceID).Scan(ctx, &n)
	return n, mapErr(err, fmt.Sprintf("count memberships of workspace %s", workspaceID))
}
