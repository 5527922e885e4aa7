package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

var (
	_ apikey.Store   = (*Store)(nil)
	_ rbac.KeyGrants = (*Store)(nil)
)

// Keys are kept without their AccountID (the workspace's account, filled in
// on every read, as the PostgreSQL store joins it) and go with their
// workspace (DeleteWorkspace).

// CreateKey inserts k; its AccountID is ignored. Key ids are unique across
// workspaces. A key without a hash is refused: it could never
// authenticate, and the PostgreSQL column is NOT NULL.
//
// Errors: workspace.ErrNotFound (no such workspace), workspace.ErrConflict
// (the id exists, in any workspace), workspace.ErrInvalid (a NUL byte in a
// string, an empty hash).
func (s *Store) CreateKey(ctx context.Context, k apikey.Key) error {
	if err := store.CheckText("CreateKey", k); err != nil {
		return err
	}
	if len(k.Hash) == 0 {
		return fmt.Errorf("%w: API key %s has no hash", workspace.ErrInvalid, k.ID)
	}
	return s.do(ctx, func(t *tx) error {
		// PostgreSQL's order: the key row's foreign key to its workspace
		// fails before the id's lookup row can conflict.
		if !s.workspaces.has(k.WorkspaceID) {
			return fmt.Errorf("%w: workspace %s of API key %s", workspace.ErrNotFound, k.WorkspaceID, k.ID)
		}
		if s.keys.has(k.ID) {
			return fmt.Errorf("%w: API key %s exists", workspace.ErrConflict, k.ID)
		}
		k.AccountID = uuid.Nil
		k.Hash = slices.Clone(k.Hash)
		s.keys.put(t, k.ID, k)
		s.keysByWorkspace.add(t, k.WorkspaceID, k.ID)
		return nil
	})
}

// GetKey returns the key with id, whatever its workspace, with its hash and
// its workspace's account.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetKey(ctx context.Context, id uuid.UUID) (apikey.Key, error) {
	var k apikey.Key
	err := s.do(ctx, func(*tx) error {
		got, ok := s.keys.get(id)
		if !ok {
			return fmt.Errorf("%w: API key %s", workspace.ErrNotFound, id)
		}
		k = s.keyOut(got)
		return nil
	})
	return k, err
}

// LockKey returns the workspace's key inside a transaction; the store lock
// that the transaction holds already keeps the row from changing under it.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound
// (also for another workspace's key).
func (s *Store) LockKey(ctx context.Context, workspaceID, id uuid.UUID) (apikey.Key, error) {
	var k apikey.Key
	err := s.inTx(ctx, "LockKey", func(*tx) error {
		var err error
		k, err = s.key(workspaceID, id)
		return err
	})
	return k, err
}

// UpdateKey replaces the name, role and revoked time of the workspace's key
// k.ID; everything else stays.
//
// Errors: workspace.ErrNotFound (also for another workspace's key),
// workspace.ErrInvalid (a NUL byte in a string).
func (s *Store) UpdateKey(ctx context.Context, k apikey.Key) error {
	if err := store.CheckText("UpdateKey", k); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		if _, err := s.key(k.WorkspaceID, k.ID); err != nil {
			return err
		}
		old, _ := s.keys.get(k.ID)
		old.Name, old.Role, old.RevokedAt = k.Name, k.Role, k.RevokedAt
		s.keys.put(t, k.ID, old)
		return nil
	})
}

// ListKeys returns the workspace's keys, revoked ones included, in id order
// (byte order, as PostgreSQL orders uuids): those after the id after
// (uuid.Nil: from the start), at most limit of them (limit <= 0: all).
func (s *Store) ListKeys(ctx context.Context, workspaceID, after uuid.UUID, limit int) ([]apikey.Key, error) {
	var out []apikey.Key
	err := s.do(ctx, func(*tx) error {
		ids := pageIDs(s.keysByWorkspace.keys(workspaceID), after, limit)
		out = make([]apikey.Key, 0, len(ids))
		for _, id := range ids {
			k, _ := s.keys.get(id)
			out = append(out, s.keyOut(k))
		}
		return nil
	})
	return out, err
}

// CountActiveKeys counts the workspace's keys that are neither revoked nor
// expired at now (expiring at now is expired).
func (s *Store) CountActiveKeys(ctx context.Context, workspaceID uuid.UUID, now time.Time) (int, error) {
	var n int
	err := s.do(ctx, func(*tx) error {
		for _, id := range s.keysByWorkspace.keys(workspaceID) {
			if k, _ := s.keys.get(id); k.Active(now) {
				n++
			}
		}
		return nil
	})
	return n, err
}

// TouchKeys sets each key's last use to the later of the stored one and
// the given time, in one call across workspaces; ids of no key are
// skipped, and nothing else is written.
func (s *Store) TouchKeys(ctx context.Context, used map[uuid.UUID]time.Time) error {
	return s.do(ctx, func(t *tx) error {
		for id, at := range used {
			k, ok := s.keys.get(id)
			if !ok || !at.After(k.LastUsedAt) {
				continue
			}
			k.LastUsedAt = at
			s.keys.put(t, id, k)
		}
		return nil
	})
}

// ListKeyGrants implements rbac.KeyGrants: the workspace's keys that are
// not revoked, expired ones included, in id order.
func (s *Store) ListKeyGrants(ctx context.Context, workspaceID uuid.UUID) ([]rbac.KeyGrant, error) {
	var out []rbac.KeyGrant
	err := s.do(ctx, func(*tx) error {
		ids := s.keysByWorkspace.keys(workspaceID)
		sortIDs(ids)
		out = make([]rbac.KeyGrant, 0, len(ids))
		for _, id := range ids {
			if k, _ := s.keys.get(id); !k.Revoked() {
				out = append(out, rbac.KeyGrant{KeyID: k.ID, Role: k.Role, ExpiresAt: k.ExpiresAt})
			}
		}
		return nil
	})
	return out, err
}

// key returns the workspace's key, as keyOut does.
func (s *Store) key(workspaceID, id uuid.UUID) (apikey.Key, error) {
	k, ok := s.keys.get(id)
	if !ok || k.WorkspaceID != workspaceID {
		return apikey.Key{}, fmt.Errorf("%w: API key %s in workspace %s", workspace.ErrNotFound, id, workspaceID)
	}
	return s.keyOut(k), nil
}

// keyOut copies a stored key for a caller, with its workspace's account.
func (s *Store) keyOut(k apikey.Key) apikey.Key {
	w, _ := s.workspaces.get(k.WorkspaceID)
	k.AccountID = w.AccountID
	k.Hash = slices.Clone(k.Hash)
	return k
}

// countKeyHolders and reassignKeys are the keys' part of CountRoleHolders
// and ReassignRole (roles.go): keys that are not revoked, expired or not.

func (s *Store) countKeyHolders(workspaceID uuid.UUID, role workspace.Role) int {
	n := 0
	for _, id := range s.keysByWorkspace.keys(workspaceID) {
		if k, _ := s.keys.get(id); !k.Revoked() && k.Role == role {
			n++
		}
	}
	return n
}

func (s *Store) reassignKeys(t *tx, workspaceID uuid.UUID, from, to workspace.Role) {
	for _, id := range s.keysByWorkspace.keys(workspaceID) {
		if k, _ := s.keys.get(id); !k.Revoked() && k.Role == from {
			k.Role = to
			s.keys.put(t, id, k)
		}
	}
}

func (s *Store) deleteKeys(t *tx, workspaceID uuid.UUID) {
	for _, id := range s.keysByWorkspace.keys(workspaceID) {
		s.keys.del(t, id)
		s.keysByWorkspace.del(t, workspaceID, id)
	}
}
