package apikey

import "errors"

// Sentinel errors of this package, wrapped with the ids involved; match them
// with errors.Is. The service also returns the workspace package's
// sentinels (ErrNoScope, ErrNotFound, ErrInvalid, ErrForbidden,
// ErrPlanLimit) where its docs say so.
var (
	// ErrKeyUnknown: the secret is malformed, names no key, or does not
	// match the key it names; the three are not told apart.
	ErrKeyUnknown = errors.New("apikey: unknown API key")
	// ErrKeyRevoked: the key was revoked.
	ErrKeyRevoked = errors.New("apikey: API key revoked")
	// ErrKeyExpired: the key's time ran out.
	ErrKeyExpired = errors.New("apikey: API key expired")
)
