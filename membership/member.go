package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/workspacekit/workspacekit/workspace"
)

// Member returns one user's line of the active workspace's team: their
// role there (owner for the account owner, derived), without paging
// through the team. It needs team:read, like Team.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no team:read),
// workspace.ErrInvalid (an invalid user id), workspace.ErrNotFound (the
// user has no access to the workspace), workspace.ErrConflict (their
// membership changed during every read; retry), the store's errors.
func (s *Service) Member(ctx context.Context, user workspace.UserID) (Member, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return Member{}, err
	}
	if err := workspace.ValidateUser(user); err != nil {
		return Member{}, err
	}
	if err := s.authz.Require(ctx, workspace.ResourceTeam, workspace.ActionRead); err != nil {
		return Member{}, err
	}
	// GetAccess derives the account owner; a membership row is read
	// after it. An ownership transfer between the two reads can remove
	// the row of a member who just became owner: read both again.
	for range teamReads {
		a, err := s.store.GetAccess(ctx, sc.WorkspaceID, user)
		if errors.Is(err, workspace.ErrNotFound) {
			return Member{}, fmt.Errorf("%w: user %q in workspace %s", workspace.ErrNotFound, user, sc.WorkspaceID)
		}
		if err != nil {
			return Member{}, err
		}
		m := Member{UserID: user, Role: a.Role, AccountOwner: a.AccountOwner, Version: a.Version, JoinedAt: a.Workspace.CreatedAt}
		if a.AccountOwner {
			return m, nil // as Team: owner since the workspace began
		}
		ms, err := s.store.GetMembership(ctx, sc.WorkspaceID, user)
		if errors.Is(err, workspace.ErrNotFound) {
			continue
		}
		if err != nil {
			return Member{}, err
		}
		m.JoinedAt = ms.CreatedAt
		return m, nil
	}
	return Member{}, fmt.Errorf("%w: the membership of %q in workspace %s changed while it was read, retry", workspace.ErrConflict, user, sc.WorkspaceID)
}
