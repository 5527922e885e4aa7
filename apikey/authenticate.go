package apikey

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// cached is one authenticated key: what a later Authenticate of the same
// secret needs, without the store.
type cached struct {
	id      uuid.UUID
	hash    [sha256.Size]byte
	scope   workspace.Scope
	expires time.Time
	// used is the last use (Unix nanoseconds) not yet written by
	// FlushLastUsed; 0 when there is none.
	used atomic.Int64
}

// Authenticate turns a key's secret into the scope it acts in: its
// workspace and account, and as user the key itself (workspace.KeyUser),
// never a person. Put it in the request's context with workspace.WithScope;
// the Authorizer decides each action from the key's current role, so a
// role change or revocation applies to scopes already handed out.
//
// A key seen before is answered from memory (no store read, no
// allocation) while the service's Freshness holds; otherwise it is one
// read of the key by its id. Secrets are compared as hashes in constant
// time. A successful call records the key's last use in memory (see
// FlushLastUsed).
//
// Errors: ErrKeyUnknown (malformed, no such key, or not its secret: the
// three are not told apart), ErrKeyRevoked, ErrKeyExpired, and the store's
// errors.
func (s *Service) Authenticate(ctx context.Context, secret string) (workspace.Scope, error) {
	var raw [randomBytes]byte
	id, ok := parseSecret(secret, &raw)
	if !ok {
		return workspace.Scope{}, ErrKeyUnknown
	}
	sum := hashOf(id, &raw)
	trusted := s.fresh == nil || s.fresh.Fresh()
	if trusted {
		s.mu.RLock()
		c := s.cache[id]
		s.mu.RUnlock()
		if c != nil {
			if subtle.ConstantTimeCompare(sum[:], c.hash[:]) != 1 {
				return workspace.Scope{}, ErrKeyUnknown
			}
			now := s.clock()
			if !c.expires.IsZero() && !now.Before(c.expires) {
				return workspace.Scope{}, fmt.Errorf("%w: key %s expired at %s", ErrKeyExpired, id, c.expires.Format(time.RFC3339))
			}
			c.used.Store(now.UnixNano())
			return c.scope, nil
		}
	}
	return s.authenticateStored(ctx, id, sum, trusted)
}

// authenticateStored reads the key from the store, checks it, and caches
// it unless an invalidation happened while it read (what it read may then
// predate a revocation this process already knows of).
func (s *Service) authenticateStored(ctx context.Context, id uuid.UUID, sum [sha256.Size]byte, trusted bool) (workspace.Scope, error) {
	s.mu.RLock()
	gen := s.gen
	s.mu.RUnlock()
	k, err := s.store.GetKey(ctx, id)
	if errors.Is(err, workspace.ErrNotFound) {
		return workspace.Scope{}, ErrKeyUnknown
	}
	if err != nil {
		return workspace.Scope{}, err
	}
	if subtle.ConstantTimeCompare(sum[:], k.Hash) != 1 {
		return workspace.Scope{}, ErrKeyUnknown
	}
	if k.Revoked() {
		return workspace.Scope{}, fmt.Errorf("%w: key %s", ErrKeyRevoked, id)
	}
	now := s.clock()
	if k.Expired(now) {
		return workspace.Scope{}, fmt.Errorf("%w: key %s expired at %s", ErrKeyExpired, id, k.ExpiresAt.Format(time.RFC3339))
	}
	c := &cached{id: id, hash: sum, expires: k.ExpiresAt,
		scope: workspace.Scope{AccountID: k.AccountID, WorkspaceID: k.WorkspaceID, UserID: k.User(), Role: k.Role}}
	c.used.Store(now.UnixNano())
	s.mu.Lock()
	if trusted && s.gen == gen {
		s.cache[id] = c
	} else {
		s.keepUse(c)
	}
	s.mu.Unlock()
	return c.scope, nil
}

// drop forgets the cached keys that match, keeping their unwritten
// last-use times; every later read of the store may cache again.
func (s *Service) drop(match func(*cached) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	for id, c := range s.cache {
		if match(c) {
			s.keepUse(c)
			delete(s.cache, id)
		}
	}
}

// keepUse moves c's unwritten last use to unflushed; s.mu is held.
func (s *Service) keepUse(c *cached) {
	if u := c.used.Swap(0); u != 0 {
		t := time.Unix(0, u).UTC()
		if prev, ok := s.unflushed[c.id]; !ok || t.After(prev) {
			s.unflushed[c.id] = t
		}
	}
}

// Invalidate forgets the cached keys of a workspace: a watcher of the
// change log (changewatch.Invalidator) calls it for every change there, so
// a key revoked on another instance is read again here.
func (s *Service) Invalidate(workspaceID uuid.UUID) {
	s.drop(func(c *cached) bool { return c.scope.WorkspaceID == workspaceID })
}

// InvalidateAccount forgets the cached keys of every workspace of an
// account.
func (s *Service) InvalidateAccount(accountID uuid.UUID) {
	s.drop(func(c *cached) bool { return c.scope.AccountID == accountID })
}

// InvalidateAll forgets every cached key (the watcher may have missed
// changes).
func (s *Service) InvalidateAll() { s.drop(func(*cached) bool { return true }) }
