package workspace

import "errors"

// Sentinel errors returned by this package and by the stores that implement its
// contracts. They are wrapped with the ids involved; match them with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist or is not visible to
	// the caller. Switch and Get deliberately return it for workspaces the
	// caller may not see, so callers cannot probe which ids exist.
	ErrNotFound = errors.New("workspace: not found")
	// ErrConflict means a uniqueness rule was broken (a name already taken).
	ErrConflict = errors.New("workspace: conflict")
	// ErrInvalid means the input failed validation; nothing was changed.
	ErrInvalid = errors.New("workspace: invalid input")
	// ErrPlanLimit means the account's plan does not allow one more workspace
	// or member.
	ErrPlanLimit = errors.New("workspace: plan limit reached")
	// ErrForbidden means the caller's role does not allow the action.
	ErrForbidden = errors.New("workspace: forbidden")
	// ErrNoScope means a scoped operation was called without an active
	// workspace in the context. Scoped operations fail closed.
	ErrNoScope = errors.New("workspace: no active workspace in context")
	// ErrConfirmation means the text typed to confirm a deletion does not equal
	// the workspace name.
	ErrConfirmation = errors.New("workspace: confirmation does not match the workspace name")
	// ErrLastWorkspace means the workspace is the last one of its account,
	// which cannot be deleted: an account without workspaces could not be
	// reached any more.
	ErrLastWorkspace = errors.New("workspace: the last workspace of an account cannot be deleted")
	// ErrNoTransaction means a method that needs the caller's transaction (a
	// row lock) was called outside Store.Atomic.
	ErrNoTransaction = errors.New("workspace: no transaction in context")
)
