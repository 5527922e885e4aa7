package apikey

import (
	"context"
	"fmt"
	"time"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// NewKey is what Create needs.
type NewKey struct {
	// Name says what the key is for; 1-64 characters, trimmed.
	Name string
	// Role is a built-in role or one of the workspace's custom roles, no
	// higher than the creator's own.
	Role workspace.Role
	// ExpiresAt is when the key stops working; zero for never. It must be
	// in the future.
	ExpiresAt time.Time
}

// Create makes a key in the active workspace and returns it with its
// secret. The secret is shown once: only its hash is stored, and nothing
// can recover it. The key counts against the plan's MaxAPIKeys while it is
// neither revoked nor expired.
//
// Nobody creates a key above their own role (the rule of invitations), and
// a key cannot create keys: a leaked key must not be able to outlive its
// own revocation through keys it made.
//
// Errors: workspace.ErrNoScope, workspace.ErrInvalid (name, role, an expiry
// not in the future, a role the workspace does not define),
// workspace.ErrForbidden (no api_keys:create, a role above the caller's
// own, or the caller is a key), workspace.ErrPlanLimit,
// workspace.ErrNotFound (the workspace is gone), and the store's errors.
func (s *Service) Create(ctx context.Context, n NewKey) (Key, string, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return Key{}, "", err
	}
	name, err := normalizeName(n.Name)
	if err != nil {
		return Key{}, "", err
	}
	if err := n.Role.Validate(); err != nil {
		return Key{}, "", err
	}
	now := s.clock()
	expires := n.ExpiresAt.UTC().Truncate(time.Microsecond)
	if !n.ExpiresAt.IsZero() && !expires.After(now) {
		return Key{}, "", fmt.Errorf("%w: a key's expiry must be in the future, got %s", workspace.ErrInvalid, n.ExpiresAt.Format(time.RFC3339))
	}
	if err := s.mayManage(ctx, sc, rbac.ActionCreate, n.Role); err != nil {
		return Key{}, "", err
	}
	k := Key{ID: s.newID(), WorkspaceID: sc.WorkspaceID, AccountID: sc.AccountID, Name: name, Role: n.Role,
		CreatedBy: sc.UserID, CreatedAt: now, ExpiresAt: expires}
	secret, hash, err := newSecret(s.random, k.ID)
	if err != nil {
		return Key{}, "", err
	}
	k.Hash = hash[:]
	ev := Created{EventMeta: s.meta(sc, now), KeyID: k.ID.String(), Name: name, Role: n.Role, ExpiresAt: expires}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		w, err := s.store.LockWorkspace(ctx, sc.WorkspaceID)
		if err != nil {
			return err
		}
		// Decided again under the lock, on data read in this transaction:
		// a concurrent demotion of the caller, or deletion of the role, wins.
		if err := s.mayManage(ctx, sc, rbac.ActionCreate, n.Role); err != nil {
			return err
		}
		acct, err := s.store.GetAccount(ctx, w.AccountID)
		if err != nil {
			return err
		}
		limits, err := s.plans.Limits(ctx, acct)
		if err != nil {
			return err
		}
		used, err := s.store.CountActiveKeys(ctx, w.ID, now)
		if err != nil {
			return err
		}
		if limits.MaxAPIKeys != workspace.Unlimited && used >= limits.MaxAPIKeys {
			return fmt.Errorf("%w: plan %q allows %d API keys per workspace", workspace.ErrPlanLimit, acct.Plan, limits.MaxAPIKeys)
		}
		if err := s.store.CreateKey(ctx, k); err != nil {
			return err
		}
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeKeyCreated, ev)
	})
	if err != nil {
		return Key{}, "", err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.authz.Invalidate(sc.WorkspaceID)
		s.events.Publish(ctx, ev)
	})
	k.Hash = nil
	return k, secret, nil
}

// mayManage is the check of every change to keys: the caller is a person,
// holds api_keys:<action>, and every role named is no higher than their
// own (also the role of the key acted on). Inside a transaction the
// Authorizer reads the store in it.
func (s *Service) mayManage(ctx context.Context, sc workspace.Scope, action string, roles ...workspace.Role) error {
	if _, isKey := sc.UserID.KeyID(); isKey {
		return fmt.Errorf("%w: an API key cannot manage API keys", workspace.ErrForbidden)
	}
	if err := s.authz.Require(ctx, rbac.ResourceAPIKeys, action); err != nil {
		return err
	}
	for _, r := range roles {
		if err := s.authz.CanGrant(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func normalizeName(name string) (string, error) {
	return workspace.NormalizeLabel("key name", name, MaxNameLen)
}
