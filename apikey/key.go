package apikey

import (
	"encoding/hex"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Key is an API key as the store keeps it and the service returns it: never
// its secret, and Hash only inside the store.
type Key struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	// AccountID is the workspace's account, filled in by the store from
	// the workspace (it is not a column of its own).
	AccountID uuid.UUID
	Name      string
	// Role is what the key may do in its workspace: a built-in role or one
	// of the workspace's custom roles.
	Role      workspace.Role
	CreatedBy workspace.UserID
	CreatedAt time.Time
	// ExpiresAt is when the key stops working; zero for never.
	ExpiresAt time.Time
	// RevokedAt is when the key was revoked; zero while it is not.
	RevokedAt time.Time
	// LastUsedAt is the last successful Authenticate, at the precision of
	// the service's WithLastUsedPrecision; zero before the first.
	LastUsedAt time.Time
	// Hash is the SHA-256 of the key's id and secret bytes. The service
	// clears it in everything it returns.
	Hash []byte
}

// User is the user id the key acts as (workspace.KeyUser): what scopes,
// events and the change log name as the actor.
func (k Key) User() workspace.UserID { return workspace.KeyUser(k.ID) }

// Prefix is the readable start of the key's secret, "wsk_" and the key's id
// in hex: safe to show and log, enough to find the key of a leaked secret.
func (k Key) Prefix() string { return prefixOf(k.ID) }

// Revoked reports whether the key was revoked.
func (k Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// Expired reports whether the key's time ran out at now.
func (k Key) Expired(now time.Time) bool { return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) }

// Active reports whether the key can authenticate at now.
func (k Key) Active(now time.Time) bool { return !k.Revoked() && !k.Expired(now) }

func prefixOf(id uuid.UUID) string { return secretPrefix + hex.EncodeToString(id[:]) }
