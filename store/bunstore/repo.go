package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// Repo is the PostgreSQL store.Repo for a host model T: a registered bun
// model that embeds Scoped, whose primary key in bun is its id column
// (the table's key should be (workspace_id, id)). The table's workspace_id
// must reference workspaces(id) ON DELETE CASCADE, as store.Repo requires:
// the foreign key is what makes a scope of a deleted workspace fail to
// insert (ErrNotFound) and its rows go with it. Every statement names the
// workspace itself, so it passes the guard and does not depend on the
// hooks. It uses the transaction that Atomic put in ctx when it was begun
// on db's handle (TxFrom), else db.
type Repo[T any, PT store.RecordPtr[T]] struct {
	db   bun.IDB
	home any // homeOf(db)
}

// NewRepo returns the repository of T on db.
func NewRepo[T any, PT store.RecordPtr[T]](db bun.IDB) *Repo[T, PT] {
	return &Repo[T, PT]{db: db, home: homeOf(db)}
}

func (r *Repo[T, PT]) idb(ctx context.Context) bun.IDB {
	if tx, ok := txOn(ctx, r.home); ok {
		return tx
	}
	return r.db
}

func repoScope(ctx context.Context) (uuid.UUID, error) {
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		return uuid.Nil, fmt.Errorf("bunstore: repo: %w", workspace.ErrNoScope)
	}
	return sc.WorkspaceID, nil
}

const whereID = "?TableAlias.id = ?"

// Get implements store.Repo.
func (r *Repo[T, PT]) Get(ctx context.Context, id uuid.UUID) (T, error) {
	var out T
	ws, err := repoScope(ctx)
	if err != nil {
		return out, err
	}
	err = r.idb(ctx).NewSelect().Model(&out).Where(whereID, id).Where(whereWorkspace, ws).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("%w: record %s", workspace.ErrNotFound, id)
	}
	return out, err
}

// List implements store.Repo.
func (r *Repo[T, PT]) List(ctx context.Context, p workspace.Page) ([]T, error) {
	ws, err := repoScope(ctx)
	if err != nil {
		return nil, err
	}
	out := []T{}
	q := r.idb(ctx).NewSelect().Model(&out).Where(whereWorkspace, ws).OrderExpr("?TableAlias.id")
	if p.After != uuid.Nil {
		q = q.Where("?TableAlias.id > ?", p.After)
	}
	if p.Limit > 0 {
		q = q.Limit(int64(p.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// Insert implements store.Repo.
func (r *Repo[T, PT]) Insert(ctx context.Context, rec *T) error {
	ws, err := repoScope(ctx)
	if err != nil {
		return err
	}
	if err := store.StampRecord[T, PT](ws, rec); err != nil {
		return err
	}
	// The table's foreign key to workspaces turns a scope of a deleted
	// workspace into ErrNotFound (23503).
	_, err = r.idb(ctx).NewInsert().Model(rec).Exec(ctx)
	return mapErr(err, fmt.Sprintf("insert record %s in workspace %s", PT(rec).RecordID(), ws))
}

// Update implements store.Repo.
func (r *Repo[T, PT]) Update(ctx context.Context, rec *T) error {
	ws, err := repoScope(ctx)
	if err != nil {
		return err
	}
	if err := store.StampRecord[T, PT](ws, rec); err != nil {
		return err
	}
	res, err := r.idb(ctx).NewUpdate().Model(rec).WherePK().Where(whereWorkspace, ws).Exec(ctx)
	return repoAffected(res, err, PT(rec).RecordID())
}

// Delete implements store.Repo.
func (r *Repo[T, PT]) Delete(ctx context.Context, id uuid.UUID) error {
	ws, err := repoScope(ctx)
	if err != nil {
		return err
	}
	res, err := r.idb(ctx).NewDelete().Model((*T)(nil)).Where(whereID, id).Where(whereWorkspace, ws).Exec(ctx)
	return repoAffected(res, err, id)
}

func repoAffected(res sql.Result, err error, id uuid.UUID) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: record %s", workspace.ErrNotFound, id)
	}
	return nil
}

// Count implements store.Repo.
func (r *Repo[T, PT]) Count(ctx context.Context) (int, error) {
	ws, err := repoScope(ctx)
	if err != nil {
		return 0, err
	}
	n, err := r.idb(ctx).NewSelect().Model((*T)(nil)).Where(whereWorkspace, ws).Count(ctx)
	return int(n), err
}
