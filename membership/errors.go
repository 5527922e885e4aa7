package membership

import "errors"

// Sentinel errors of this package, wrapped with the ids involved; match them
// with errors.Is. The service also returns the workspace package's
// sentinels (ErrNoScope, ErrNotFound, ErrInvalid, ErrForbidden, ErrPlanLimit,
// ErrConflict) where its docs say so.
var (
	// ErrTokenUnknown: no invitation has this token (or it is malformed).
	ErrTokenUnknown = errors.New("membership: unknown invitation token")
	// ErrTokenExpired: the invitation's time ran out; ask for a resend.
	ErrTokenExpired = errors.New("membership: invitation expired")
	// ErrTokenRevoked: the invitation was revoked.
	ErrTokenRevoked = errors.New("membership: invitation revoked")
	// ErrTokenUsed: the invitation was already accepted (tokens are single use).
	ErrTokenUsed = errors.New("membership: invitation already used")
	// ErrAlreadyMember: the user already has access to the workspace.
	ErrAlreadyMember = errors.New("membership: already a member")
	// ErrAccountOwner: the account owner is owner of every workspace of the
	// account; they cannot be demoted, removed or leave one workspace (transfer
	// the account's ownership instead).
	ErrAccountOwner = errors.New("membership: the account owner is owner of every workspace")
	// ErrNotPending: the invitation is no longer pending (accepted or revoked).
	ErrNotPending = errors.New("membership: invitation is not pending")
)
