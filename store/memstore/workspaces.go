package memstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateWorkspace inserts w. Names are unique per account on
// workspace.NameKey, as the PostgreSQL store's unique index is.
//
// Errors: workspace.ErrConflict (the id exists, or the account has a
// workspace of that name), workspace.ErrNotFound (no such account).
func (s *Store) CreateWorkspace(ctx context.Context, w workspace.Workspace) error {
	if err := store.CheckText("CreateWorkspace", w); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		// Uniqueness before the foreign key, in PostgreSQL's order: unique
		// indexes are checked as the row goes in, foreign keys after it.
		if s.workspaces.has(w.ID) {
			return fmt.Errorf("%w: workspace %s exists", workspace.ErrConflict, w.ID)
		}
		nk := nameKey{w.AccountID, workspace.NameKey(w.Name)}
		if other, ok := s.workspaceNames.get(nk); ok {
			return fmt.Errorf("%w: account %s already has workspace %s named %q", workspace.ErrConflict, w.AccountID, other, w.Name)
		}
		if !s.accounts.has(w.AccountID) {
			return fmt.Errorf("%w: account %s of workspace %s", workspace.ErrNotFound, w.AccountID, w.ID)
		}
		s.workspaces.put(t, w.ID, w)
		s.workspaceNames.put(t, nk, w.ID)
		s.workspacesByAcct.add(t, w.AccountID, w.ID)
		return nil
	})
}

// GetWorkspace returns the workspace.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error) {
	var w workspace.Workspace
	err := s.do(ctx, func(*tx) error {
		var err error
		w, err = s.workspace(id)
		return err
	})
	return w, err
}

// LockWorkspace is GetWorkspace inside a transaction; the store lock that
// the transaction holds already keeps the row from changing under it.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound.
func (s *Store) LockWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, error) {
	var w workspace.Workspace
	err := s.inTx(ctx, "LockWorkspace", func(*tx) error {
		var err error
		w, err = s.workspace(id)
		return err
	})
	return w, err
}

// UpdateWorkspace replaces the name, description and updated time; the
// account and creation time stay.
//
// Errors: workspace.ErrNotFound, workspace.ErrConflict (another workspace of
// the account has the name).
func (s *Store) UpdateWorkspace(ctx context.Context, w workspace.Workspace) error {
	if err := store.CheckText("UpdateWorkspace", w); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		old, err := s.workspace(w.ID)
		if err != nil {
			return err
		}
		oldKey := nameKey{old.AccountID, workspace.NameKey(old.Name)}
		newKey := nameKey{old.AccountID, workspace.NameKey(w.Name)}
		if other, ok := s.workspaceNames.get(newKey); ok && other != w.ID {
			return fmt.Errorf("%w: account %s already has workspace %s named %q", workspace.ErrConflict, old.AccountID, other, w.Name)
		}
		if newKey != oldKey {
			s.workspaceNames.del(t, oldKey)
			s.workspaceNames.put(t, newKey, w.ID)
		}
		old.Name, old.Description, old.UpdatedAt = w.Name, w.Description, w.UpdatedAt
		s.workspaces.put(t, w.ID, old)
		return nil
	})
}

// DeleteWorkspace removes the workspace, its memberships, invitations,
// custom roles and API keys, and whatever the tables registered with
// onDeleteWorkspace keep for it, all or nothing.
//
// Errors: workspace.ErrNotFound, and a registered purge's error.
func (s *Store) DeleteWorkspace(ctx context.Context, id uuid.UUID) error {
	return s.do(ctx, func(t *tx) error {
		w, err := s.workspace(id)
		if err != nil {
			return err
		}
		for _, user := range s.membersByWorkspace.keys(id) {
			s.deleteMembership(t, id, user)
		}
		for _, inv := range s.invitationsByWS.keys(id) {
			s.deleteInvitation(t, inv)
		}
		for _, name := range s.rolesByWorkspace.keys(id) {
			s.roles.del(t, roleKey{id, name})
			s.rolesByWorkspace.del(t, id, name)
		}
		s.deleteKeys(t, id)
		for _, hook := range s.deleteHooks() {
			if err := hook(t, id); err != nil {
				return fmt.Errorf("memstore: purge of workspace %s: %w", id, err)
			}
		}
		s.workspaceNames.del(t, nameKey{w.AccountID, workspace.NameKey(w.Name)})
		s.workspacesByAcct.del(t, w.AccountID, id)
		s.workspaces.del(t, id)
		return nil
	})
}

// CountWorkspaces returns how many workspaces the account has (0 for an
// unknown account).
func (s *Store) CountWorkspaces(ctx context.Context, accountID uuid.UUID) (int, error) {
	var n int
	err := s.do(ctx, func(*tx) error {
		n = s.workspacesByAcct.count(accountID)
		return nil
	})
	return n, err
}

// ListAccountWorkspaces returns the account's workspaces ordered by id
// (none for an unknown account).
func (s *Store) ListAccountWorkspaces(ctx context.Context, accountID uuid.UUID) ([]workspace.Workspace, error) {
	var out []workspace.Workspace
	err := s.do(ctx, func(*tx) error {
		ids := s.workspacesByAcct.keys(accountID)
		sortIDs(ids)
		out = make([]workspace.Workspace, 0, len(ids))
		for _, id := range ids {
			w, _ := s.workspaces.get(id)
			out = append(out, w)
		}
		return nil
	})
	return out, err
}

func (s *Store) workspace(id uuid.UUID) (workspace.Workspace, error) {
	w, ok := s.workspaces.get(id)
	if !ok {
		return w, fmt.Errorf("%w: workspace %s", workspace.ErrNotFound, id)
	}
	return w, nil
}
