package bunstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateRole inserts r; permissions are stored as given (the service sorts
// them).
//
// Errors: workspace.ErrConflict (the workspace has a role of that name),
// workspace.ErrNotFound (no such workspace), workspace.ErrInvalid (a
// built-in role's name).
func (s *Store) CreateRole(ctx context.Context, r rbac.CustomRole) error {
	if err := store.CheckText("CreateRole", r); err != nil {
		return err
	}
	if r.Name.IsBuiltin() {
		return fmt.Errorf("%w: %q is a built-in role, not a custom one", workspace.ErrInvalid, r.Name)
	}
	return s.write(ctx, false, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(toRoleRow(r)).Exec(ctx)
		return mapErr(err, fmt.Sprintf("create role %q in workspace %s", r.Name, r.WorkspaceID))
	})
}

// GetRole returns the workspace's custom role.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) (rbac.CustomRole, error) {
	if err := store.CheckText("GetRole", name); err != nil {
		return rbac.CustomRole{}, err
	}
	var r roleRow
	err := s.DB(ctx).NewSelect().Model(&r).Where("workspace_id = ? AND name = ?", workspaceID, name).Scan(ctx)
	if err != nil {
		return rbac.CustomRole{}, mapErr(err, fmt.Sprintf("role %q in workspace %s", name, workspaceID))
	}
	return r.role(), nil
}

// UpdateRole replaces the role's permissions and updated time; its creation
// time stays.
//
// Errors: workspace.ErrNotFound.
func (s *Store) UpdateRole(ctx context.Context, r rbac.CustomRole) error {
	if err := store.CheckText("UpdateRole", r); err != nil {
		return err
	}
	res, err := s.DB(ctx).NewUpdate().Model(toRoleRow(r)).Column("permissions", "updated_at").WherePK().Exec(ctx)
	return changedOne(res, err, fmt.Sprintf("update role %q in workspace %s", r.Name, r.WorkspaceID))
}

// DeleteRole removes the role; memberships that hold it are left as they
// are (the service reassigns them first).
//
// Errors: workspace.ErrNotFound.
func (s *Store) DeleteRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) error {
	if err := store.CheckText("DeleteRole", name); err != nil {
		return err
	}
	res, err := s.DB(ctx).NewDelete().Model((*roleRow)(nil)).
		Where("workspace_id = ? AND name = ?", workspaceID, name).Exec(ctx)
	return changedOne(res, err, fmt.Sprintf("delete role %q in workspace %s", name, workspaceID))
}

// ListRoles returns the workspace's custom roles ordered by name in byte
// order (COLLATE "C").
func (s *Store) ListRoles(ctx context.Context, workspaceID uuid.UUID) ([]rbac.CustomRole, error) {
	var rows []roleRow
	if err := s.DB(ctx).NewSelect().Model(&rows).Where("workspace_id = ?", workspaceID).Order("name").Scan(ctx); err != nil {
		return nil, mapErr(err, fmt.Sprintf("list roles of workspace %s", workspaceID))
	}
	out := make([]rbac.CustomRole, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].role())
	}
	return out, nil
}

// CountRoleHolders counts the workspace's stored memberships, pending
// invitations (expired or not) and API keys that are not revoked (expired
// or not) that hold role; the derived account owner is not counted.
func (s *Store) CountRoleHolders(ctx context.Context, workspaceID uuid.UUID, role workspace.Role) (int, error) {
	if err := store.CheckText("CountRoleHolders", role); err != nil {
		return 0, err
	}
	var n int
	err := s.DB(ctx).NewRaw(`SELECT
		(SELECT count(*) FROM memberships WHERE workspace_id = ?0 AND role = ?1) +
		(SELECT count(*) FROM invitations WHERE workspace_id = ?0 AND role = ?1 AND status = ?2) +
		(SELECT count(*) FROM `+KeysTable+` WHERE workspace_id = ?0 AND role = ?1 AND revoked_at IS NULL)`,
		workspaceID, role, membership.StatusPending).Scan(ctx, &n)
	return n, mapErr(err, fmt.Sprintf("count holders of role %q in workspace %s", role, workspaceID))
}

// ReassignRole moves every stored membership (bumping its version, so that
// scopes made from it see the change), pending invitation (expired or not)
// and API key that is not revoked (expired or not) of the workspace from
// role from to role to, in one statement, and returns how many memberships
// moved. Updated times stay as they were: the store has no clock.
func (s *Store) ReassignRole(ctx context.Context, workspaceID uuid.UUID, from, to workspace.Role) (int, error) {
	if err := store.CheckText("ReassignRole", from, to); err != nil {
		return 0, err
	}
	var n int
	err := s.DB(ctx).NewRaw(`WITH inv AS (
			UPDATE invitations SET role = ?2
			WHERE workspace_id = ?0 AND role = ?1 AND status = ?3
		), keys AS (
			UPDATE `+KeysTable+` SET role = ?2
			WHERE workspace_id = ?0 AND role = ?1 AND revoked_at IS NULL
		), moved AS (
			UPDATE memberships SET role = ?2, version = version + 1
			WHERE workspace_id = ?0 AND role = ?1
			RETURNING 1
		)
		SELECT count(*) FROM moved`, workspaceID, from, to, membership.StatusPending).Scan(ctx, &n)
	return n, mapErr(err, fmt.Sprintf("reassign role %q to %q in workspace %s", from, to, workspaceID))
}
