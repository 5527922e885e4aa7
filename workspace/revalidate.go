package workspace

import (
	"context"
	"errors"
	"fmt"
)

// Revalidate checks a stored scope against the store, without a new login,
// and returns the scope as it is now: the same workspace with the user's
// current role and membership version (Changed reports whether either
// moved), or ErrNotFound when the workspace is gone, the user is no longer
// a member, or the workspace now belongs to another account than the
// scope's.
//
// Call it wherever a scope outlives the request that made it: before a job
// runs with a scope queued earlier, on every message of a long-lived
// connection (or at least periodically), when a scope comes back from a
// session cache. A request that gets its scope from Switch needs nothing
// more: Switch reads fresh. Authorization itself never trusts Scope.Role
// (the Authorizer reads the role), so Revalidate is what keeps the scope's
// own fields, and what the host shows from them, true.
//
// Errors: ErrInvalid (an invalid scope), ErrNotFound, the store's errors.
func (s *Service) Revalidate(ctx context.Context, sc Scope) (fresh Scope, changed bool, err error) {
	if !sc.Valid() {
		return Scope{}, false, fmt.Errorf("%w: revalidate an invalid scope", ErrInvalid)
	}
	a, err := s.store.GetAccess(ctx, sc.WorkspaceID, sc.UserID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Scope{}, false, fmt.Errorf("%w: workspace %s for user %q", ErrNotFound, sc.WorkspaceID, sc.UserID)
		}
		return Scope{}, false, err
	}
	fresh = ScopeFor(sc.UserID, a)
	if fresh.AccountID != sc.AccountID {
		return Scope{}, false, fmt.Errorf("%w: workspace %s for user %q", ErrNotFound, sc.WorkspaceID, sc.UserID)
	}
	return fresh, fresh.Role != sc.Role || fresh.MembershipVersion != sc.MembershipVersion, nil
}
