package bunstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateWorkspace inserts w. Names are unique per account on
// workspace.NameKey (a unique index on account_id, name_key).
//
// Errors: workspace.ErrConflict (the id exists, or the account has a
// workspace of that name), workspace.ErrNotFound (no such account).
func (s *Store) CreateWorkspace(ctx context.Context, w workspace.Workspace) error {
	if err := store.CheckText("CreateWorkspace", w); err != nil {
		return err
	}
	return s.write(ctx, false, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(toWorkspaceRow(w)).Exec(ctx)
		return mapErr(err, fmt.Sprintf("create workspace %s named %q in account %s", w.ID, w.Name, w.AccountID))
	})
}

// GetWorkspace returns the workspace.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error) {
	var r workspaceRow
	if err := s.DB(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return workspace.Workspace{}, mapErr(err, fmt.Sprintf("workspace %s", id))
	}
	return r.workspace(), nil
}

// LockWorkspace is GetWorkspace plus SELECT ... FOR UPDATE: changes to a
// workspace's members queue here, which keeps the last owner.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound.
func (s *Store) LockWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error) {
	tx, err := s.lockDB(ctx, "LockWorkspace")
	if err != nil {
		return workspace.Workspace{}, err
	}
	var r workspaceRow
	if err := tx.NewSelect().Model(&r).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
		return workspace.Workspace{}, mapErr(err, fmt.Sprintf("lock workspace %s", id))
	}
	return r.workspace(), nil
}

// UpdateWorkspace replaces the name, description and updated time; the
// account and creation time stay.
//
// Errors: workspace.ErrNotFound, workspace.ErrConflict (another workspace of
// the account has the name).
func (s *Store) UpdateWorkspace(ctx context.Context, w workspace.Workspace) error {
	if err := store.CheckText("UpdateWorkspace", w); err != nil {
		return err
	}
	return s.write(ctx, false, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model(toWorkspaceRow(w)).
			Column("name", "name_key", "description", "updated_at").WherePK().Exec(ctx)
		return changedOne(res, err, fmt.Sprintf("update workspace %s", w.ID))
	})
}

// DeleteWorkspace removes the workspace; its memberships, invitations and
// custom roles go with it through ON DELETE CASCADE, and the purges given
// with WithPurge run first in the same transaction, all or nothing.
//
// Errors: workspace.ErrNotFound, and a purge's error as it is.
func (s *Store) DeleteWorkspace(ctx context.Context, id uuid.UUID) error {
	del := func(ctx context.Context, db bun.IDB) error {
		for _, p := range s.purges {
			if err := p(ctx, db, id); err != nil {
				return err
			}
		}
		res, err := db.NewDelete().Model((*workspaceRow)(nil)).Where("id = ?", id).Exec(ctx)
		return changedOne(res, err, fmt.Sprintf("delete workspace %s", id))
	}
	return s.write(ctx, len(s.purges) > 0, del)
}

// CountWorkspaces returns how many workspaces the account has (0 for an
// unknown account).
func (s *Store) CountWorkspaces(ctx context.Context, accountID uuid.UUID) (int, error) {
	var n int
	err := s.DB(ctx).NewRaw("SELECT count(*) FROM workspaces WHERE account_id = ?", accountID).Scan(ctx, &n)
	return n, mapErr(err, fmt.Sprintf("count workspaces of account %s", accountID))
}

// ListAccountWorkspaces returns the account's workspaces ordered by id (none
// for an unknown account).
func (s *Store) ListAccountWorkspaces(ctx context.Context, accountID uuid.UUID) ([]workspace.Workspace, error) {
	var rows []workspaceRow
	err := s.DB(ctx).NewSelect().Model(&rows).Where("account_id = ?", accountID).Order("id").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list workspaces of account %s", accountID))
	}
	out := make([]workspace.Workspace, len(rows))
	for i := range rows {
		out[i] = rows[i].workspace()
	}
	return out, nil
}
