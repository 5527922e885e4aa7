package apikey

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// List returns the active workspace's keys, revoked ones included, in id
// (creation) order: the name, prefix, role, creator, times; never a secret
// or a hash. Pass the last key's id as p.After for the next page; a zero
// p.Limit means workspace.DefaultPageSize.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no api_keys:read),
// workspace.ErrInvalid (limit out of 0-workspace.MaxPageSize).
func (s *Service) List(ctx context.Context, p workspace.Page) ([]Key, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return nil, err
	}
	if p.Limit, err = workspace.PageLimit(p.Limit); err != nil {
		return nil, err
	}
	if err := s.authz.Require(ctx, rbac.ResourceAPIKeys, rbac.ActionRead); err != nil {
		return nil, err
	}
	keys, err := s.store.ListKeys(ctx, sc.WorkspaceID, p.After, p.Limit)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		keys[i].Hash = nil
	}
	return keys, nil
}

// Get returns one key of the active workspace.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no api_keys:read),
// workspace.ErrNotFound (also for another workspace's key).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Key, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return Key{}, err
	}
	if err := s.authz.Require(ctx, rbac.ResourceAPIKeys, rbac.ActionRead); err != nil {
		return Key{}, err
	}
	k, err := s.store.GetKey(ctx, id)
	if err == nil && k.WorkspaceID != sc.WorkspaceID {
		err = workspace.ErrNotFound
	}
	if err != nil {
		return Key{}, keyNotFound(err, sc.WorkspaceID, id)
	}
	k.Hash = nil
	return k, nil
}

// Rename changes a key's name.
//
// Errors: workspace.ErrNoScope, workspace.ErrInvalid (name),
// workspace.ErrForbidden (no api_keys:update, the key's role is above the
// caller's own, or the caller is a key), workspace.ErrNotFound, ErrKeyRevoked,
// and the store's errors.
func (s *Service) Rename(ctx context.Context, id uuid.UUID, name string) (Key, error) {
	name, err := normalizeName(name)
	if err != nil {
		return Key{}, err
	}
	return s.change(ctx, id, rbac.ActionUpdate, func(ctx context.Context, sc workspace.Scope, k *Key) (workspace.ChangeKind, workspace.Event, error) {
		if k.Name == name {
			return "", nil, nil
		}
		ev := Renamed{EventMeta: s.meta(sc, s.clock()), KeyID: id.String(), From: k.Name, To: name}
		k.Name = name
		return workspace.ChangeKeyRenamed, ev, nil
	})
}

// ChangeRole gives a key another role, within the caller's own.
//
// Errors: workspace.ErrNoScope, workspace.ErrInvalid (role, or a role the
// workspace does not define), workspace.ErrForbidden (no api_keys:update,
// the key's role or the new one above the caller's own, or the caller is a
// key), workspace.ErrNotFound, ErrKeyRevoked, and the store's errors.
func (s *Service) ChangeRole(ctx context.Context, id uuid.UUID, role workspace.Role) (Key, error) {
	if err := role.Validate(); err != nil {
		return Key{}, err
	}
	return s.change(ctx, id, rbac.ActionUpdate, func(ctx context.Context, sc workspace.Scope, k *Key) (workspace.ChangeKind, workspace.Event, error) {
		if err := s.authz.CanGrant(ctx, role); err != nil {
			return "", nil, err
		}
		if k.Role == role {
			return "", nil, nil
		}
		ev := RoleChanged{EventMeta: s.meta(sc, s.clock()), KeyID: id.String(), From: k.Role, To: role}
		k.Role = role
		return workspace.ChangeKeyRoleChanged, ev, nil
	})
}

// Revoke stops a key at once: in this process when Revoke returns, on other
// instances within their watcher's bound (the change log). A revoked key
// stays listed, marked revoked, and frees its place in the plan.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no api_keys:delete,
// the key's role is above the caller's own, or the caller is a key),
// workspace.ErrNotFound, ErrKeyRevoked (already revoked: of two concurrent
// revokes one gets it), and the store's errors.
func (s *Service) Revoke(ctx context.Context, id uuid.UUID) error {
	_, err := s.change(ctx, id, rbac.ActionDelete, func(ctx context.Context, sc workspace.Scope, k *Key) (workspace.ChangeKind, workspace.Event, error) {
		now := s.clock()
		k.RevokedAt = now
		return workspace.ChangeKeyRevoked, Revoked{EventMeta: s.meta(sc, now), KeyID: id.String(), Name: k.Name}, nil
	})
	return err
}

// change runs one change to a key of the active workspace: the checks
// before and, on the locked key, again inside the transaction; edit
// returns the change's kind and event, or no kind when nothing changes.
func (s *Service) change(ctx context.Context, id uuid.UUID, action string, edit func(context.Context, workspace.Scope, *Key) (workspace.ChangeKind, workspace.Event, error)) (Key, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return Key{}, err
	}
	if err := s.mayManage(ctx, sc, action); err != nil {
		return Key{}, err
	}
	var (
		out Key
		ev  workspace.Event
	)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		ev = nil
		if _, err := s.store.LockWorkspace(ctx, sc.WorkspaceID); err != nil {
			return keyNotFound(err, sc.WorkspaceID, id)
		}
		k, err := s.store.LockKey(ctx, sc.WorkspaceID, id)
		if err != nil {
			return keyNotFound(err, sc.WorkspaceID, id)
		}
		if err := s.mayManage(ctx, sc, action, k.Role); err != nil {
			return err
		}
		if k.Revoked() {
			return fmt.Errorf("%w: key %s", ErrKeyRevoked, id)
		}
		kind, e, err := edit(ctx, sc, &k)
		if err != nil || kind == "" {
			out = k
			return err
		}
		if err := s.store.UpdateKey(ctx, k); err != nil {
			return err
		}
		out, ev = k, e
		return workspace.AppendEvent(ctx, s.store, kind, e)
	})
	if err != nil {
		return Key{}, err
	}
	if ev != nil {
		workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
			s.drop(func(c *cached) bool { return c.id == id })
			s.authz.Invalidate(sc.WorkspaceID)
			s.events.Publish(ctx, ev)
		})
	}
	out.Hash = nil
	return out, nil
}

// keyNotFound gives every "not found" about a key the same message, so
// that the store's wording cannot tell another workspace's key from none.
func keyNotFound(err error, ws, id uuid.UUID) error {
	if errors.Is(err, workspace.ErrNotFound) {
		return fmt.Errorf("%w: API key %s in workspace %s", workspace.ErrNotFound, id, ws)
	}
	return err
}
