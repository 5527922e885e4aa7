package bunstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

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
	return s.write(ctx, false, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(toAccountRow(a)).Exec(ctx)
		return mapErr(err, fmt.Sprintf("create account %s", a.ID))
	})
}

// GetAccount returns the account.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error) {
	var r accountRow
	err := s.DB(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return workspace.Account{}, mapErr(err, fmt.Sprintf("account %s", id))
	}
	return r.account(), nil
}

// LockAccount is GetAccount plus SELECT ... FOR UPDATE: concurrent creators
// of workspaces in one account queue here, which makes plan limits exact.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound.
func (s *Store) LockAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error) {
	tx, err := s.lockDB(ctx, "LockAccount")
	if err != nil {
		return workspace.Account{}, err
	}
	var r accountRow
	if err := tx.NewSelect().Model(&r).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
		return workspace.Account{}, mapErr(err, fmt.Sprintf("lock account %s", id))
	}
	return r.account(), nil
}

// UpdateAccount replaces name, owner, plan and version; the creation time
// stays.
//
// Errors: workspace.ErrNotFound.
func (s *Store) UpdateAccount(ctx context.Context, a workspace.Account) error {
	if err := store.CheckText("UpdateAccount", a); err != nil {
		return err
	}
	res, err := s.DB(ctx).NewUpdate().Model(toAccountRow(a)).
		Column("name", "owner_id", "plan", "version").WherePK().Exec(ctx)
	return changedOne(res, err, fmt.Sprintf("update account %s", a.ID))
}
