package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateRole inserts r. Permissions are stored as given (the service sorts
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
	return s.do(ctx, func(t *tx) error {
		k := roleKey{r.WorkspaceID, r.Name}
		if s.roles.has(k) {
			return fmt.Errorf("%w: workspace %s has a role %q", workspace.ErrConflict, r.WorkspaceID, r.Name)
		}
		if !s.workspaces.has(r.WorkspaceID) {
			return fmt.Errorf("%w: workspace %s of role %q", workspace.ErrNotFound, r.WorkspaceID, r.Name)
		}
		s.roles.put(t, k, cloneRole(r))
		s.rolesByWorkspace.add(t, r.WorkspaceID, r.Name)
		return nil
	})
}

// GetRole returns the workspace's custom role.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) (rbac.CustomRole, error) {
	if err := store.CheckText("GetRole", name); err != nil {
		return rbac.CustomRole{}, err
	}
	var r rbac.CustomRole
	err := s.do(ctx, func(*tx) error {
		var err error
		r, err = s.role(workspaceID, name)
		return err
	})
	return r, err
}

// UpdateRole replaces the role's permissions and updated time; its creation
// time stays.
//
// Errors: workspace.ErrNotFound.
func (s *Store) UpdateRole(ctx context.Context, r rbac.CustomRole) error {
	if err := store.CheckText("UpdateRole", r); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		old, err := s.role(r.WorkspaceID, r.Name)
		if err != nil {
			return err
		}
		old.Permissions, old.UpdatedAt = slices.Clone(r.Permissions), r.UpdatedAt
		s.roles.put(t, roleKey{r.WorkspaceID, r.Name}, old)
		return nil
	})
}

// DeleteRole removes the role; memberships that hold it are left as they are
// (the service reassigns them first).
//
// Errors: workspace.ErrNotFound.
func (s *Store) DeleteRole(ctx context.Context, workspaceID uuid.UUID, name workspace.Role) error {
	if err := store.CheckText("DeleteRole", name); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		if !s.roles.del(t, roleKey{workspaceID, name}) {
			return fmt.Errorf("%w: role %q in workspace %s", workspace.ErrNotFound, name, workspaceID)
		}
		s.rolesByWorkspace.del(t, workspaceID, name)
		return nil
	})
}

// ListRoles returns the workspace's custom roles ordered by name in byte
// order.
func (s *Store) ListRoles(ctx context.Context, workspaceID uuid.UUID) ([]rbac.CustomRole, error) {
	var out []rbac.CustomRole
	err := s.do(ctx, func(*tx) error {
		names := s.rolesByWorkspace.keys(workspaceID)
		sortStrings(names)
		out = make([]rbac.CustomRole, 0, len(names))
		for _, n := range names {
			r, _ := s.roles.get(roleKey{workspaceID, n})
			out = append(out, cloneRole(r))
		}
		return nil
	})
	return out, err
}

// CountRoleHolders counts the workspace's stored memberships, pending
// invitations (expired or not) and API keys that are not revoked (expired
// or not) that hold role. The derived account owner is not counted.
func (s *Store) CountRoleHolders(ctx context.Context, workspaceID uuid.UUID, role workspace.Role) (int, error) {
	if err := store.CheckText("CountRoleHolders", role); err != nil {
		return 0, err
	}
	var n int
	err := s.do(ctx, func(*tx) error {
		for _, u := range s.membersByWorkspace.keys(workspaceID) {
			if m, _ := s.memberships.get(memberKey{workspaceID, u}); m.Role == role {
				n++
			}
		}
		for _, id := range s.invitationsByWS.keys(workspaceID) {
			if inv, _ := s.invitations.get(id); inv.Status == membership.StatusPending && inv.Role == role {
				n++
			}
		}
		n += s.countKeyHolders(workspaceID, role)
		return nil
	})
	return n, err
}

// ReassignRole moves every stored membership, pending invitation (expired
// or not) and API key that is not revoked (expired or not) of the workspace
// from role from to role to, and returns how many memberships moved. Each moved membership's Version grows by one, so that
// scopes made from it see the change; UpdatedAt of memberships and
// invitations is left as it was, because the store has no clock (callers
// that want it touched update the rows themselves).
func (s *Store) ReassignRole(ctx context.Context, workspaceID uuid.UUID, from, to workspace.Role) (int, error) {
	if err := store.CheckText("ReassignRole", from, to); err != nil {
		return 0, err
	}
	var n int
	err := s.do(ctx, func(t *tx) error {
		for _, u := range s.membersByWorkspace.keys(workspaceID) {
			k := memberKey{workspaceID, u}
			if m, _ := s.memberships.get(k); m.Role == from {
				m.Role = to
				m.Version++
				s.memberships.put(t, k, m)
				n++
			}
		}
		for _, id := range s.invitationsByWS.keys(workspaceID) {
			if inv, _ := s.invitations.get(id); inv.Status == membership.StatusPending && inv.Role == from {
				inv.Role = to
				s.invitations.put(t, id, inv)
			}
		}
		s.reassignKeys(t, workspaceID, from, to)
		return nil
	})
	return n, err
}

func (s *Store) role(workspaceID uuid.UUID, name workspace.Role) (rbac.CustomRole, error) {
	r, ok := s.roles.get(roleKey{workspaceID, name})
	if !ok {
		return rbac.CustomRole{}, fmt.Errorf("%w: role %q in workspace %s", workspace.ErrNotFound, name, workspaceID)
	}
	return cloneRole(r), nil
}

func cloneRole(r rbac.CustomRole) rbac.CustomRole {
	r.Permissions = slices.Clone(r.Permissions)
	return r
}
