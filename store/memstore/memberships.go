package memstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateMembership inserts m.
//
// Errors: workspace.ErrConflict (the user is already a member),
// workspace.ErrNotFound (no such workspace).
func (s *Store) CreateMembership(ctx context.Context, m workspace.Membership) error {
	if err := store.CheckMember(m); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		k := memberKey{m.WorkspaceID, m.UserID}
		if s.memberships.has(k) {
			return fmt.Errorf("%w: user %q is already a member of workspace %s", workspace.ErrConflict, m.UserID, m.WorkspaceID)
		}
		if !s.workspaces.has(m.WorkspaceID) {
			return fmt.Errorf("%w: workspace %s of membership of %q", workspace.ErrNotFound, m.WorkspaceID, m.UserID)
		}
		s.memberships.put(t, k, m)
		s.membersByWorkspace.add(t, m.WorkspaceID, m.UserID)
		s.workspacesByMember.add(t, m.UserID, m.WorkspaceID)
		return nil
	})
}

// GetMembership returns the stored membership (the derived account owner
// has none; see GetAccess).
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetMembership(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) (workspace.Membership, error) {
	if err := store.CheckText("GetMembership", user); err != nil {
		return workspace.Membership{}, err
	}
	var m workspace.Membership
	err := s.do(ctx, func(*tx) error {
		var err error
		m, err = s.membership(workspaceID, user)
		return err
	})
	return m, err
}

// UpdateMembership replaces role, version and updated time; the creation
// time stays.
//
// Errors: workspace.ErrNotFound.
func (s *Store) UpdateMembership(ctx context.Context, m workspace.Membership) error {
	if err := store.CheckText("UpdateMembership", m); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		old, err := s.membership(m.WorkspaceID, m.UserID)
		if err != nil {
			return err
		}
		old.Role, old.Version, old.UpdatedAt = m.Role, m.Version, m.UpdatedAt
		s.memberships.put(t, memberKey{m.WorkspaceID, m.UserID}, old)
		return nil
	})
}

// DeleteMembership removes the membership.
//
// Errors: workspace.ErrNotFound.
func (s *Store) DeleteMembership(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) error {
	if err := store.CheckText("DeleteMembership", user); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		if _, err := s.membership(workspaceID, user); err != nil {
			return err
		}
		s.deleteMembership(t, workspaceID, user)
		return nil
	})
}

// ListMemberships returns the workspace's stored memberships ordered by
// user id in byte order (COLLATE "C" in PostgreSQL), those after the user id
// after ("" = from the start), at most limit of them (limit <= 0: all).
func (s *Store) ListMemberships(ctx context.Context, workspaceID uuid.UUID, after workspace.UserID, limit int) ([]workspace.Membership, error) {
	if err := store.CheckText("ListMemberships", after); err != nil {
		return nil, err
	}
	var out []workspace.Membership
	err := s.do(ctx, func(*tx) error {
		users := s.membersByWorkspace.keys(workspaceID)
		sortStrings(users)
		n := len(users)
		if limit > 0 {
			n = min(n, limit)
		}
		out = make([]workspace.Membership, 0, n)
		for _, u := range users {
			if u <= after {
				continue
			}
			if limit > 0 && len(out) == limit {
				break
			}
			m, _ := s.memberships.get(memberKey{workspaceID, u})
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// CountMemberships returns how many stored memberships the workspace has.
func (s *Store) CountMemberships(ctx context.Context, workspaceID uuid.UUID) (int, error) {
	var n int
	err := s.do(ctx, func(*tx) error {
		n = s.membersByWorkspace.count(workspaceID)
		return nil
	})
	return n, err
}

func (s *Store) membership(workspaceID uuid.UUID, user workspace.UserID) (workspace.Membership, error) {
	m, ok := s.memberships.get(memberKey{workspaceID, user})
	if !ok {
		return m, fmt.Errorf("%w: membership of %q in workspace %s", workspace.ErrNotFound, user, workspaceID)
	}
	return m, nil
}

func (s *Store) deleteMembership(t *tx, workspaceID uuid.UUID, user workspace.UserID) {
	s.memberships.del(t, memberKey{workspaceID, user})
	s.membersByWorkspace.del(t, workspaceID, user)
	s.workspacesByMember.del(t, user, workspaceID)
}
