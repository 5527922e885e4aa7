package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/workspace"
)

// The workspace's API keys (apikey.Service). The secret is in the answer
// to the POST that creates a key and nowhere else: not in the list, not
// in GET or PATCH answers, never a hash. A key may read the list (with
// api_keys:read) but never create, change or revoke keys.

// keyView is a key as clients see it. Times that are not set (no expiry,
// never used, not revoked) are null.
type keyView struct {
	ID uuid.UUID `json:"id"`
	// Name says what the key is for.
	Name string `json:"name"`
	// Prefix is the readable start of the secret ("wsk_" and the id in
	// hex): enough to recognize a leaked secret's key, not to use it.
	Prefix        string           `json:"prefix"`
	Role          workspace.Role   `json:"role"`
	CreatedBy     workspace.UserID `json:"created_by"`
	CreatedByName string           `json:"created_by_name,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	ExpiresAt     *time.Time       `json:"expires_at"`
	// LastUsedAt lags the real last use by up to a minute (the service
	// writes last uses in batches).
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Status is "active", "expired" or "revoked", at the server's clock.
	Status string `json:"status"`
}

func (s *server) viewKey(k apikey.Key) keyView {
	v := keyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix(), Role: k.Role, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt,
		ExpiresAt: optionalTime(k.ExpiresAt), LastUsedAt: optionalTime(k.LastUsedAt), RevokedAt: optionalTime(k.RevokedAt),
		Status: s.app.KeyStatus(k)}
	if u, ok := s.app.User(k.CreatedBy); ok {
		v.CreatedByName = u.Name
	}
	return v
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// createdKey is a new key with its secret, shown this once.
type createdKey struct {
	Key    keyView `json:"key"`
	Secret string  `json:"secret"`
}

// listKeys lists the workspace's keys, revoked and expired ones included,
// oldest first, every page.
func (s *server) listKeys(w http.ResponseWriter, r *http.Request) error {
	out := []keyView{}
	page := workspace.Page{Limit: workspace.MaxPageSize}
	for {
		keys, err := s.app.Kit.Keys.List(r.Context(), page)
		if err != nil {
			return err
		}
		for _, k := range keys {
			out = append(out, s.viewKey(k))
		}
		if len(keys) < page.Limit {
			return reply(w, http.StatusOK, out)
		}
		page.After = keys[len(keys)-1].ID
	}
}

func (s *server) getKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "key")
	if err != nil {
		return err
	}
	k, err := s.app.Kit.Keys.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.viewKey(k))
}

// createKey: POST {"name": "CI deploys", "role": "member", "expires_at":
// "2026-06-01T00:00:00Z"} (expires_at optional: never). The answer (201)
// holds the secret, this once: only its hash is stored.
func (s *server) createKey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string         `json:"name"`
		Role      workspace.Role `json:"role"`
		ExpiresAt *time.Time     `json:"expires_at"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n := apikey.NewKey{Name: in.Name, Role: in.Role}
	if in.ExpiresAt != nil {
		n.ExpiresAt = *in.ExpiresAt
	}
	k, secret, err := s.app.Kit.Keys.Create(r.Context(), n)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, createdKey{Key: s.viewKey(k), Secret: secret})
}

// updateKey renames a key and/or changes its role: PATCH {"name": "...",
// "role": "viewer"}, either optional. Both happen or neither (one
// transaction, as for roles). A role change holds from the key's next
// request.
func (s *server) updateKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "key")
	if err != nil {
		return err
	}
	var in struct {
		Name *string         `json:"name"`
		Role *workspace.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Name == nil && in.Role == nil {
		return fmt.Errorf("%w: nothing to change in API key %s", workspace.ErrInvalid, id)
	}
	var k apikey.Key
	err = s.app.Atomic(r.Context(), func(ctx context.Context) error {
		var err error
		if in.Name != nil {
			if k, err = s.app.Kit.Keys.Rename(ctx, id, *in.Name); err != nil {
				return err
			}
		}
		if in.Role != nil {
			if k, err = s.app.Kit.Keys.ChangeRole(ctx, id, *in.Role); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return keyChangeError(err)
	}
	return reply(w, http.StatusOK, s.viewKey(k))
}

// revokeKey stops a key at once; it stays listed as revoked.
func (s *server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "key")
	if err != nil {
		return err
	}
	if err := s.app.Kit.Keys.Revoke(r.Context(), id); err != nil {
		return keyChangeError(err)
	}
	return noContent(w)
}

// keyChangeError turns apikey.ErrKeyRevoked, from a change to a key that
// is already revoked, into 409 conflict: workspacehttp maps the sentinel
// to 401 api-key-revoked, which is right for a request that presents a
// revoked key, not for a person who revokes one twice.
func keyChangeError(err error) error {
	if errors.Is(err, apikey.ErrKeyRevoked) {
		return fmt.Errorf("%w: the API key is revoked", workspace.ErrConflict)
	}
	return err
}

// peopleOnly refuses API keys on routes that act for a person across
// workspaces (the selector, signing up, accepting an invitation,
// switching) or on the person's own place in the account (creating a
// workspace, which makes the creator a member of it; leaving; transferring
// the account): a key acts in its own workspace only, on its content. The
// middleware has authenticated the key already, so a bad one is 401 here
// as anywhere.
func peopleOnly(next handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, isKey := userOf(r).KeyID(); isKey {
			return fmt.Errorf("%w: an API key acts only in its workspace's routes", workspace.ErrForbidden)
		}
		return next(w, r)
	}
}
