package rbac

import (
	"context"
	"errors"
	"fmt"

	"github.com/workspacekit/workspacekit/workspace"
)

// Custom roles are managed by whoever holds team:manage in the workspace
// (owners and admins by default), within their own permissions: nobody can
// create, change, rename, delete or reassign a role that holds a permission
// they do not hold themselves.

// manager checks that the scope in ctx may manage custom roles and returns
// it with the actor's compiled role.
func (a *Authorizer) manager(ctx context.Context) (workspace.Scope, *compiledRole, error) {
	sc, s, r, err := a.actor(ctx)
	if err != nil {
		return sc, nil, err
	}
	if r == noRole || !s.roles[r].has(a.matrix.index[Permission{ResourceTeam, ActionManage}]) {
		return sc, nil, errDenied(sc, ResourceTeam, ActionManage)
	}
	return sc, &s.roles[r], nil
}

// lockManager locks the scope's workspace and decides the actor again, on
// data read in the transaction of ctx: the actor may have been demoted since
// the check made before the transaction.
func (a *Authorizer) lockManager(ctx context.Context, sc workspace.Scope) (*compiledRole, error) {
	if _, err := a.store.LockWorkspace(ctx, sc.WorkspaceID); err != nil {
		return nil, err
	}
	_, actor, err := a.manager(ctx)
	return actor, err
}

// compileSet validates perms (at least one, each registered) and returns
// them in canonical order with their bits.
func (a *Authorizer) compileSet(perms []Permission) ([]Permission, *compiledRole, error) {
	perms = SortPermissions(perms)
	if len(perms) == 0 {
		return nil, nil, fmt.Errorf("%w: a custom role needs at least one permission", workspace.ErrInvalid)
	}
	cr := &compiledRole{bits: make([]uint64, a.matrix.words())}
	for _, p := range perms {
		bit, ok := a.matrix.index[p]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s", ErrUnknownPermission, p)
		}
		cr.bits[bit>>6] |= 1 << (bit & 63)
	}
	return perms, cr, nil
}

// within returns ErrForbidden unless every permission of perms is held by
// actor. Permissions that are no longer registered grant nothing, so they
// do not count against the actor.
func (a *Authorizer) within(sc workspace.Scope, actor *compiledRole, role workspace.Role, perms []Permission) error {
	for _, p := range perms {
		if bit, ok := a.matrix.index[p]; ok && !actor.has(bit) {
			return fmt.Errorf("%w: user %s (%s) does not hold %s of role %s", ErrForbidden, sc.UserID, actor.name, p, role)
		}
	}
	return nil
}

func validCustomName(name workspace.Role) error {
	if err := name.Validate(); err != nil {
		return err
	}
	if name.IsBuiltin() {
		return fmt.Errorf("%w: %q is a built-in role", workspace.ErrInvalid, name)
	}
	return nil
}

func (a *Authorizer) getRole(ctx context.Context, sc workspace.Scope, name workspace.Role) (CustomRole, error) {
	r, err := a.store.GetRole(ctx, sc.WorkspaceID, name)
	if errors.Is(err, workspace.ErrNotFound) {
		return CustomRole{}, fmt.Errorf("%w: %q in workspace %s", ErrUnknownRole, name, sc.WorkspaceID)
	}
	return r, err
}

func (a *Authorizer) meta(sc workspace.Scope) workspace.EventMeta {
	return workspace.EventMeta{At: a.cfg.clock(), AccountID: sc.AccountID, WorkspaceID: sc.WorkspaceID, Actor: sc.UserID}
}

// CreateRole creates a custom role of the scope's workspace from perms. The
// role applies in that workspace only. Errors: ErrForbidden (no
// team:manage, or a permission the actor does not hold), workspace.ErrInvalid
// (bad or built-in name, no permissions), ErrUnknownPermission,
// workspace.ErrConflict (name taken), ErrTooManyRoles, workspace.ErrNoScope,
// and the store's errors.
func (a *Authorizer) CreateRole(ctx context.Context, name workspace.Role, perms []Permission) (CustomRole, error) {
	sc, actor, err := a.manager(ctx)
	if err != nil {
		return CustomRole{}, err
	}
	if err := validCustomName(name); err != nil {
		return CustomRole{}, err
	}
	perms, _, err = a.compileSet(perms)
	if err != nil {
		return CustomRole{}, err
	}
	if err := a.within(sc, actor, name, perms); err != nil {
		return CustomRole{}, err
	}
	now := a.cfg.clock()
	r := CustomRole{WorkspaceID: sc.WorkspaceID, Name: name, Permissions: perms, CreatedAt: now, UpdatedAt: now}
	ev := RoleCreated{EventMeta: a.meta(sc), Role: r}
	err = a.store.Atomic(ctx, func(ctx context.Context) error {
		if actor, err = a.lockManager(ctx, sc); err != nil {
			return err
		}
		if err := a.within(sc, actor, name, perms); err != nil {
			return err
		}
		existing, err := a.store.ListRoles(ctx, sc.WorkspaceID)
		if err != nil {
			return err
		}
		for _, x := range existing {
			if x.Name == name {
				return fmt.Errorf("%w: workspace %s already has role %q", workspace.ErrConflict, sc.WorkspaceID, name)
			}
		}
		if len(existing) >= a.cfg.maxRoles {
			return fmt.Errorf("%w: workspace %s has %d", ErrTooManyRoles, sc.WorkspaceID, len(existing))
		}
		if err := a.store.CreateRole(ctx, r); err != nil {
			return err
		}
		return workspace.AppendEvent(ctx, a.store, workspace.ChangeRoleCreated, ev)
	})
	if err != nil {
		return CustomRole{}, err
	}
	workspace.AfterCommit(ctx, a.store, func(ctx context.Context) {
		a.Invalidate(sc.WorkspaceID)
		a.cfg.events.Publish(ctx, ev)
	})
	return r, nil
}

// UpdateRole replaces the permissions of a custom role of the scope's
// workspace; its holders get the new permissions at their next check.
// Errors: ErrForbidden (no team:manage, or the role's old or new
// permissions are beyond the actor's), ErrUnknownRole, workspace.ErrInvalid,
// ErrUnknownPermission, workspace.ErrNoScope, and the store's errors.
func (a *Authorizer) UpdateRole(ctx context.Context, name workspace.Role, perms []Permission) (CustomRole, error) {
	sc, actor, err := a.manager(ctx)
	if err != nil {
		return CustomRole{}, err
	}
	perms, _, err = a.compileSet(perms)
	if err != nil {
		return CustomRole{}, err
	}
	if err := a.within(sc, actor, name, perms); err != nil {
		return CustomRole{}, err
	}
	var (
		before, after CustomRole
		ev            RoleUpdated
	)
	err = a.store.Atomic(ctx, func(ctx context.Context) error {
		if actor, err = a.lockManager(ctx, sc); err != nil {
			return err
		}
		if err := a.within(sc, actor, name, perms); err != nil {
			return err
		}
		before, err = a.getRole(ctx, sc, name)
		if err != nil {
			return err
		}
		if err := a.within(sc, actor, name, before.Permissions); err != nil {
			return err
		}
		after = before
		after.Permissions, after.UpdatedAt = perms, a.cfg.clock()
		if err := a.store.UpdateRole(ctx, after); err != nil {
			return err
		}
		ev = RoleUpdated{EventMeta: a.meta(sc), Before: before, After: after}
		return workspace.AppendEvent(ctx, a.store, workspace.ChangeRoleChanged, ev)
	})
	if err != nil {
		return CustomRole{}, err
	}
	workspace.AfterCommit(ctx, a.store, func(ctx context.Context) {
		a.Invalidate(sc.WorkspaceID)
		a.cfg.events.Publish(ctx, ev)
	})
	return after, nil
}

// RenameRole renames a custom role of the scope's workspace; its
// memberships and pending invitations follow (their versions change).
// Errors: ErrForbidden, ErrUnknownRole, workspace.ErrInvalid (bad or
// built-in new name), workspace.ErrConflict (new name taken),
// workspace.ErrNoScope, and the store's errors.
func (a *Authorizer) RenameRole(ctx context.Context, from, to workspace.Role) (CustomRole, error) {
	sc, actor, err := a.manager(ctx)
	if err != nil {
		return CustomRole{}, err
	}
	if err := validCustomName(to); err != nil {
		return CustomRole{}, err
	}
	var ev RoleUpdated
	err = a.store.Atomic(ctx, func(ctx context.Context) error {
		if actor, err = a.lockManager(ctx, sc); err != nil {
			return err
		}
		before, err := a.getRole(ctx, sc, from)
		if err != nil {
			return err
		}
		if err := a.within(sc, actor, from, before.Permissions); err != nil {
			return err
		}
		after := before
		after.Name, after.UpdatedAt = to, a.cfg.clock()
		if err := a.store.CreateRole(ctx, after); err != nil {
			return err
		}
		moved, err := a.store.ReassignRole(ctx, sc.WorkspaceID, from, to)
		if err != nil {
			return err
		}
		if err := a.store.DeleteRole(ctx, sc.WorkspaceID, from); err != nil {
			return err
		}
		ev = RoleUpdated{EventMeta: a.meta(sc), Before: before, After: after, Moved: moved}
		return workspace.AppendEvent(ctx, a.store, workspace.ChangeRoleChanged, ev)
	})
	if err != nil {
		return CustomRole{}, err
	}
	workspace.AfterCommit(ctx, a.store, func(ctx context.Context) {
		a.Invalidate(sc.WorkspaceID)
		a.cfg.events.Publish(ctx, ev)
	})
	return ev.After, nil
}

// DeleteRole deletes a custom role of the scope's workspace. With
// reassignTo empty it is refused while memberships or pending invitations
// hold the role; otherwise they move to reassignTo (a built-in or another
// custom role the actor may grant) in the same transaction. Errors:
// ErrRoleInUse (wraps workspace.ErrConflict), ErrForbidden, ErrUnknownRole
// (also for an unknown reassignTo, or reassignTo equal to name),
// workspace.ErrNoScope, and the store's errors.
func (a *Authorizer) DeleteRole(ctx context.Context, name, reassignTo workspace.Role) error {
	sc, actor, err := a.manager(ctx)
	if err != nil {
		return err
	}
	if reassignTo == name {
		return fmt.Errorf("%w: cannot reassign %q to itself", ErrUnknownRole, name)
	}
	if reassignTo.IsBuiltin() {
		if err := a.within(sc, actor, reassignTo, a.builtinPerms(reassignTo)); err != nil {
			return err
		}
	}
	var ev RoleDeleted
	err = a.store.Atomic(ctx, func(ctx context.Context) error {
		if actor, err = a.lockManager(ctx, sc); err != nil {
			return err
		}
		if reassignTo.IsBuiltin() {
			if err := a.within(sc, actor, reassignTo, a.builtinPerms(reassignTo)); err != nil {
				return err
			}
		}
		gone, err := a.getRole(ctx, sc, name)
		if err != nil {
			return err
		}
		if err := a.within(sc, actor, name, gone.Permissions); err != nil {
			return err
		}
		moved := 0
		if reassignTo == "" {
			n, err := a.store.CountRoleHolders(ctx, sc.WorkspaceID, name)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: %q is held by %d memberships, invitations or API keys in workspace %s", ErrRoleInUse, name, n, sc.WorkspaceID)
			}
		} else {
			if !reassignTo.IsBuiltin() {
				to, err := a.getRole(ctx, sc, reassignTo)
				if err != nil {
					return err
				}
				if err := a.within(sc, actor, reassignTo, to.Permissions); err != nil {
					return err
				}
			}
			if moved, err = a.store.ReassignRole(ctx, sc.WorkspaceID, name, reassignTo); err != nil {
				return err
			}
		}
		if err := a.store.DeleteRole(ctx, sc.WorkspaceID, name); err != nil {
			return err
		}
		ev = RoleDeleted{EventMeta: a.meta(sc), Role: gone, ReassignedTo: reassignTo, Moved: moved}
		return workspace.AppendEvent(ctx, a.store, workspace.ChangeRoleDeleted, ev)
	})
	if err != nil {
		return err
	}
	workspace.AfterCommit(ctx, a.store, func(ctx context.Context) {
		a.Invalidate(sc.WorkspaceID)
		a.cfg.events.Publish(ctx, ev)
	})
	return nil
}

// ListRoles returns the custom roles of the scope's workspace, by name.
// Errors: ErrForbidden (no team:read), workspace.ErrNoScope, and the
// store's errors.
func (a *Authorizer) ListRoles(ctx context.Context) ([]CustomRole, error) {
	if err := a.Require(ctx, ResourceTeam, ActionRead); err != nil {
		return nil, err
	}
	sc, _ := workspace.ScopeFrom(ctx)
	return a.store.ListRoles(ctx, sc.WorkspaceID)
}

// builtinPerms lists what a built-in role holds.
func (a *Authorizer) builtinPerms(r workspace.Role) []Permission {
	cr := &a.builtins[4-r.Rank()]
	var out []Permission
	for bit, p := range a.matrix.perms {
		if cr.has(bit) {
			out = append(out, p)
		}
	}
	return out
}
