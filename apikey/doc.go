// Package apikey gives machines access to one workspace with one role:
// workspace API keys, kept in the host's own store.
//
// A key is created in the active workspace (Service.Create) with a name, a
// role no higher than its creator's, and an optional expiry. Its secret is
// shown once: "wsk_", the key's id in hex, "_", and 32 random bytes from
// crypto/rand in base64url, 80 characters a secret scanner can match
// (wsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}); only a SHA-256 of the id and the
// random bytes is stored, compared in constant time.
//
// Authenticate turns a secret into a workspace.Scope whose user is the key
// itself (workspace.KeyUser: "apikey:<id>", a prefix no person's id may
// have), so events and the change log tell keys from people and the team
// list, which lists memberships, never shows keys. The Authorizer decides
// a key's actions like a member's, from its workspace's snapshot (the
// store's rbac.KeyGrants): a role change or revocation applies at once to
// every scope already handed out, and a key cannot act in another
// workspace, whatever a request names.
//
// # Several instances
//
// Key changes are in the change log (apikey.created, apikey.revoked,
// apikey.role_changed, apikey.renamed). The Service follows every
// invalidation its Authorizer receives (rbac.Authorizer.AddFollower, done
// by New), from this process's services and from a changewatch.Watcher;
// give it the watcher with WithFreshness too: a key revoked on one
// instance stops on every other within the watcher's bound.
//
// # What a key may do
//
// A key acts with its role on the workspace's content, except what
// rbac.KeyNeverHolds lists: it never manages the team, the workspace's
// settings, custom roles or keys, so that a leaked key cannot outlive its
// revocation through people, roles, workspaces or keys it made. A key
// belongs to its workspace, not to the person who made it: it outlives its
// creator's removal (revoke keys when people leave, if that is the
// policy).
//
// # Last use
//
// Authenticate records a key's last use in memory only; Run (or
// FlushLastUsed) writes all of them in one store call every
// WithLastUsedPrecision (default one minute), so LastUsedAt lags the real
// last use by at most that much plus the time of the write, and a crash
// loses at most that much.
//
// # Plan limits
//
// workspace.Limits.MaxAPIKeys counts a workspace's keys that are neither
// revoked nor expired (workspace.Unlimited lifts it; zero allows none).
// Keys are removed with their workspace.
package apikey
