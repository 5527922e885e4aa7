package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Paging bounds for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// Get returns the workspace if user can access it.
//
// Errors: ErrInvalid (empty user), ErrNotFound (no such workspace, or the
// user has no access: the two are not told apart).
func (s *Service) Get(ctx context.Context, user UserID, id uuid.UUID) (Workspace, error) {
	if err := ValidateUser(user); err != nil {
		return Workspace{}, err
	}
	a, err := s.store.GetAccess(ctx, id, user)
	if err != nil {
		return Workspace{}, notFound(err, id)
	}
	return a.Workspace, nil
}

// Account returns the account of the active scope, to a user who still has
// access to the scope's workspace.
//
// Errors: ErrNoScope, ErrNotFound (also when the scope's user lost access).
func (s *Service) Account(ctx context.Context) (Account, error) {
	sc, err := RequireScope(ctx)
	if err != nil {
		return Account{}, err
	}
	a, err := s.store.GetAccess(ctx, sc.WorkspaceID, sc.UserID)
	if err != nil {
		return Account{}, notFound(err, sc.WorkspaceID)
	}
	if a.Workspace.AccountID != sc.AccountID {
		return Account{}, fmt.Errorf("%w: account %s", ErrNotFound, sc.AccountID)
	}
	return s.store.GetAccount(ctx, sc.AccountID)
}

// List returns the workspaces user can access, each with the user's role
// there, in creation (id) order. Pass the last returned workspace's id as
// p.After for the next page; a zero p.Limit means DefaultPageSize.
//
// Errors: ErrInvalid (empty user, limit out of 0-MaxPageSize).
func (s *Service) List(ctx context.Context, user UserID, p Page) ([]Access, error) {
	if err := ValidateUser(user); err != nil {
		return nil, err
	}
	var err error
	if p.Limit, err = PageLimit(p.Limit); err != nil {
		return nil, err
	}
	return s.store.ListAccess(ctx, user, p)
}

// PageLimit is the page size every listing call uses for a requested
// limit: 0 means DefaultPageSize, 1-MaxPageSize stands, anything else is
// ErrInvalid.
func PageLimit(limit int) (int, error) {
	switch {
	case limit < 0 || limit > MaxPageSize:
		return 0, fmt.Errorf("%w: page limit must be 0-%d, got %d", ErrInvalid, MaxPageSize, limit)
	case limit == 0:
		return DefaultPageSize, nil
	}
	return limit, nil
}
