package memstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// Repo is the in-memory store.Repo: a host table kept in s, joining s's
// transactions (Atomic), writing only in workspaces that exist in s, and
// purged when s deletes the workspace. Records are copied by assignment: a
// T holding slices, maps or pointers shares them with the caller, so keep
// such records immutable or copy them.
type Repo[T any, PT store.RecordPtr[T]] struct {
	s    *Store
	rows *table[repoKey, T]
	byWS *index[uuid.UUID, uuid.UUID]
}

// repoKey is the primary key: ids are unique per workspace, as with the
// (workspace_id, id) primary key PostgreSQL tables use.
type repoKey struct{ ws, id uuid.UUID }

// NewRepo returns an empty repository of T in s.
func NewRepo[T any, PT store.RecordPtr[T]](s *Store) *Repo[T, PT] {
	r := &Repo[T, PT]{s: s, rows: newTable[repoKey, T](), byWS: newIndex[uuid.UUID, uuid.UUID]()}
	s.onDeleteWorkspace(func(t *tx, ws uuid.UUID) error {
		r.purge(t, ws)
		return nil
	})
	return r
}

func scopeOf(ctx context.Context) (uuid.UUID, error) {
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		return uuid.Nil, fmt.Errorf("memstore: repo: %w", workspace.ErrNoScope)
	}
	return sc.WorkspaceID, nil
}

// Get implements store.Repo.
func (r *Repo[T, PT]) Get(ctx context.Context, id uuid.UUID) (T, error) {
	var out T
	ws, err := scopeOf(ctx)
	if err != nil {
		return out, err
	}
	err = r.s.do(ctx, func(*tx) error {
		v, ok := r.rows.get(repoKey{ws, id})
		if !ok {
			return fmt.Errorf("%w: record %s", workspace.ErrNotFound, id)
		}
		out = v
		return nil
	})
	return out, err
}

// List implements store.Repo.
func (r *Repo[T, PT]) List(ctx context.Context, p workspace.Page) ([]T, error) {
	ws, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []T
	err = r.s.do(ctx, func(*tx) error {
		ids := r.byWS.keys(ws)
		sortIDs(ids)
		ids = pageIDs(ids, p.After, p.Limit)
		out = make([]T, 0, len(ids))
		for _, id := range ids {
			v, _ := r.rows.get(repoKey{ws, id})
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Insert implements store.Repo.
func (r *Repo[T, PT]) Insert(ctx context.Context, rec *T) error {
	ws, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if err := store.StampRecord[T, PT](ws, rec); err != nil {
		return err
	}
	v := *rec
	k := repoKey{ws, PT(rec).RecordID()}
	return r.s.do(ctx, func(t *tx) error {
		if r.rows.has(k) {
			return fmt.Errorf("%w: record %s exists", workspace.ErrConflict, k.id)
		}
		// What a PostgreSQL host table's foreign key to workspaces does:
		// a scope of a deleted workspace writes nothing. Checked under the
		// store lock, so no DeleteWorkspace can come between check and write.
		if !r.s.workspaces.has(ws) {
			return fmt.Errorf("%w: workspace %s of record %s", workspace.ErrNotFound, ws, k.id)
		}
		r.rows.put(t, k, v)
		r.byWS.add(t, ws, k.id)
		return nil
	})
}

// Update implements store.Repo.
func (r *Repo[T, PT]) Update(ctx context.Context, rec *T) error {
	ws, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if err := store.StampRecord[T, PT](ws, rec); err != nil {
		return err
	}
	v := *rec
	k := repoKey{ws, PT(rec).RecordID()}
	return r.s.do(ctx, func(t *tx) error {
		if !r.rows.has(k) {
			return fmt.Errorf("%w: record %s", workspace.ErrNotFound, k.id)
		}
		r.rows.put(t, k, v)
		return nil
	})
}

// Delete implements store.Repo.
func (r *Repo[T, PT]) Delete(ctx context.Context, id uuid.UUID) error {
	ws, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	return r.s.do(ctx, func(t *tx) error {
		if !r.rows.del(t, repoKey{ws, id}) {
			return fmt.Errorf("%w: record %s", workspace.ErrNotFound, id)
		}
		r.byWS.del(t, ws, id)
		return nil
	})
}

// Count implements store.Repo.
func (r *Repo[T, PT]) Count(ctx context.Context) (int, error) {
	ws, err := scopeOf(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = r.s.do(ctx, func(*tx) error {
		n = r.byWS.count(ws)
		return nil
	})
	return n, err
}

// Purge deletes the workspace's records, in the transaction of ctx (or one
// of its own). DeleteWorkspace already does this for every Repo of the
// store; Purge is for hosts that purge a table on their own. Like
// bunstore's, it acts only inside the lifecycle service's deletion of ws
// (workspace.Purging) or under workspace.Unscoped, so a scope of another
// workspace cannot remove ws's records.
// Errors: workspace.ErrForbidden, ctx's.
func (r *Repo[T, PT]) Purge(ctx context.Context, ws uuid.UUID) error {
	if !workspace.MayPurge(ctx, ws) {
		return fmt.Errorf("%w: memstore: purge of workspace %s outside its deletion (system work: workspace.Unscoped)", workspace.ErrForbidden, ws)
	}
	return r.s.do(ctx, func(t *tx) error {
		r.purge(t, ws)
		return nil
	})
}

func (r *Repo[T, PT]) purge(t *tx, ws uuid.UUID) {
	for _, id := range r.byWS.keys(ws) {
		r.rows.del(t, repoKey{ws, id})
		r.byWS.del(t, ws, id)
	}
}
