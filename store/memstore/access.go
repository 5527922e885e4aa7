package memstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// GetAccess returns what user may use the workspace as: owner, with the
// account's version, if the user owns the workspace's account (a stored
// membership of the account owner, should one exist, is ignored), else the
// stored membership.
//
// Errors: workspace.ErrNotFound (no such workspace, or no access).
func (s *Store) GetAccess(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) (workspace.Access, error) {
	if err := store.CheckText("GetAccess", user); err != nil {
		return workspace.Access{}, err
	}
	var a workspace.Access
	err := s.do(ctx, func(*tx) error {
		w, ok := s.workspaces.get(workspaceID)
		if !ok {
			return fmt.Errorf("%w: workspace %s", workspace.ErrNotFound, workspaceID)
		}
		var found bool
		a, found = s.access(w, user)
		if !found {
			return fmt.Errorf("%w: user %q has no access to workspace %s", workspace.ErrNotFound, user, workspaceID)
		}
		return nil
	})
	return a, err
}

// ListAccess returns the workspaces user can access with the role there,
// ordered by workspace id, those after p.After, at most p.Limit of them
// (p.Limit <= 0: all).
func (s *Store) ListAccess(ctx context.Context, user workspace.UserID, p workspace.Page) ([]workspace.Access, error) {
	if err := store.CheckText("ListAccess", user); err != nil {
		return nil, err
	}
	var out []workspace.Access
	err := s.do(ctx, func(*tx) error {
		ids := s.workspacesByMember.keys(user)
		for _, acct := range s.accountsByOwner.keys(user) {
			for _, id := range s.workspacesByAcct.keys(acct) {
				if !s.memberships.has(memberKey{id, user}) { // else already listed
					ids = append(ids, id)
				}
			}
		}
		ids = pageIDs(ids, p.After, p.Limit)
		out = make([]workspace.Access, 0, len(ids))
		for _, id := range ids {
			w, _ := s.workspaces.get(id)
			a, _ := s.access(w, user)
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

func (s *Store) access(w workspace.Workspace, user workspace.UserID) (workspace.Access, bool) {
	if acct, ok := s.accounts.get(w.AccountID); ok && acct.OwnerID == user {
		return workspace.Access{Workspace: w, Role: workspace.RoleOwner, Version: acct.Version, AccountOwner: true}, true
	}
	m, ok := s.memberships.get(memberKey{w.ID, user})
	if !ok {
		return workspace.Access{}, false
	}
	return workspace.Access{Workspace: w, Role: m.Role, Version: m.Version}, true
}
