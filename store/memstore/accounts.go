package memstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// CreateAccount inserts a.
//
// Errors: workspace.ErrConflict (the id exists).
func (s *Store) CreateAccount(ctx context.Context, a workspace.Account) error {
	if err := store.CheckText("CreateAccount", a); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		if s.accounts.has(a.ID) {
			return fmt.Errorf("%w: account %s exists", workspace.ErrConflict, a.ID)
		}
		s.accounts.put(t, a.ID, a)
		s.accountsByOwner.add(t, a.OwnerID, a.ID)
		return nil
	})
}

// GetAccount returns the account.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error) {
	var a workspace.Account
	err := s.do(ctx, func(*tx) error {
		var err error
		a, err = s.account(id)
		return err
	})
	return a, err
}

// LockAccount is GetAccount inside a transaction; the store lock that the
// transaction holds already keeps the row from changing under it.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound.
func (s *Store) LockAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error) {
	var a workspace.Account
	err := s.inTx(ctx, "LockAccount", func(*tx) error {
		var err error
		a, err = s.account(id)
		return err
	})
	return a, err
}

// UpdateAccount replaces the account's name, owner, plan and version; its
// creation time stays.
//
// Errors: workspace.ErrNotFound.
func (s *Store) UpdateAccount(ctx context.Context, a workspace.Account) error {
	if err := store.CheckText("UpdateAccount", a); err != nil {
		return err
	}
	return s.do(ctx, func(t *tx) error {
		old, err := s.account(a.ID)
		if err != nil {
			return err
		}
		s.accountsByOwner.del(t, old.OwnerID, a.ID)
		s.accountsByOwner.add(t, a.OwnerID, a.ID)
		old.Name, old.OwnerID, old.Plan, old.Version = a.Name, a.OwnerID, a.Plan, a.Version
		s.accounts.put(t, a.ID, old)
		return nil
	})
}

func (s *Store) account(id uuid.UUID) (workspace.Account, error) {
	a, ok := s.accounts.get(id)
	if !ok {
		return a, fmt.Errorf("%w: account %s", workspace.ErrNotFound, id)
	}
	return a, nil
}
