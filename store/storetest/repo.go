package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// Named is what RunRepo needs of the record type beyond store.Record: an id
// and a name it can set and read back, to tell records apart.
type Named interface {
	store.Record
	SetRecordID(uuid.UUID)
	RecordName() string
	SetRecordName(string)
}

// NamedPtr constrains the pointer type of a record type T for RunRepo.
type NamedPtr[T any] interface {
	*T
	Named
}

// RepoHarness gives RunRepo a repository and what it joins.
type RepoHarness[T any] struct {
	// New returns a repository of T, the transactor whose Atomic it joins,
	// and a function that deletes one workspace's rows the way workspace
	// deletion does (memstore: Store.DeleteWorkspace's hooks; bunstore:
	// Registry.Purge). It may share state between tests: every test uses
	// fresh workspace ids.
	New func(t *testing.T) (store.Repo[T], workspace.Transactor, workspace.PurgeFunc)
}

func repoScope(ws uuid.UUID) context.Context {
	return workspace.WithScope(context.Background(), workspace.Scope{AccountID: ws, WorkspaceID: ws, UserID: "storetest-user"})
}

// RunRepo is the isolation suite of store.Repo: every method, in the
// active workspace and against another workspace's records, without a
// scope, inside transactions, and after the workspace is purged.
//
// T is the implementation's own record type (on PostgreSQL a registered bun
// model), so that the suite itself depends on no implementation.
func RunRepo[T any, PT NamedPtr[T]](t *testing.T, h RepoHarness[T]) {
	t.Helper()
	mk := func(id, ws uuid.UUID, name string) T {
		var v T
		PT(&v).SetRecordID(id)
		PT(&v).SetRecordWorkspaceID(ws)
		PT(&v).SetRecordName(name)
		return v
	}
	id := func(v T) uuid.UUID { return PT(&v).RecordID() }
	name := func(v T) string { return PT(&v).RecordName() }
	wsOf := func(v T) uuid.UUID { return PT(&v).RecordWorkspaceID() }
	idsOf := func(vs []T) []uuid.UUID {
		out := make([]uuid.UUID, len(vs))
		for i, v := range vs {
			out[i] = id(v)
		}
		return out
	}
	type fixture struct {
		repo     store.Repo[T]
		tx       workspace.Transactor
		purge    workspace.PurgeFunc
		a, b     context.Context
		wsA, wsB uuid.UUID
		a1, b1   T
	}
	setup := func(t *testing.T) *fixture {
		repo, tx, purge := h.New(t)
		f := &fixture{repo: repo, tx: tx, purge: purge, wsA: workspace.NewID(), wsB: workspace.NewID()}
		f.a, f.b = repoScope(f.wsA), repoScope(f.wsB)
		f.a1 = mk(workspace.NewID(), uuid.Nil, "a1")
		f.b1 = mk(workspace.NewID(), uuid.Nil, "b1")
		require.NoError(t, repo.Insert(f.a, &f.a1))
		require.NoError(t, repo.Insert(f.b, &f.b1))
		return f
	}
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"insert stamps the active workspace", func(t *testing.T, f *fixture) {
			require.Equal(t, f.wsA, wsOf(f.a1))
			got, err := f.repo.Get(f.a, id(f.a1))
			require.NoError(t, err)
			require.Equal(t, id(f.a1), id(got))
			require.Equal(t, "a1", name(got))
			require.Equal(t, f.wsA, wsOf(got))
		}},
		{"get of another workspace's id is not found", func(t *testing.T, f *fixture) {
			_, err := f.repo.Get(f.a, id(f.b1))
			require.ErrorIs(t, err, workspace.ErrNotFound)
			_, err = f.repo.Get(f.a, workspace.NewID())
			require.ErrorIs(t, err, workspace.ErrNotFound)
		}},
		{"insert of another workspace's record is refused", func(t *testing.T, f *fixture) {
			w := mk(workspace.NewID(), f.wsB, "planted")
			require.ErrorIs(t, f.repo.Insert(f.a, &w), store.ErrForeignWorkspace)
			_, err := f.repo.Get(f.b, id(w))
			require.ErrorIs(t, err, workspace.ErrNotFound)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"duplicate id in the workspace conflicts", func(t *testing.T, f *fixture) {
			w := mk(id(f.a1), uuid.Nil, "again")
			require.ErrorIs(t, f.repo.Insert(f.a, &w), workspace.ErrConflict)
		}},
		{"the same id in two workspaces is two records", func(t *testing.T, f *fixture) {
			w := mk(id(f.b1), uuid.Nil, "mine")
			require.NoError(t, f.repo.Insert(f.a, &w))
			got, err := f.repo.Get(f.b, id(f.b1))
			require.NoError(t, err)
			require.Equal(t, "b1", name(got))
			got, err = f.repo.Get(f.a, id(f.b1))
			require.NoError(t, err)
			require.Equal(t, "mine", name(got))
		}},
		{"update changes only the active workspace's record", func(t *testing.T, f *fixture) {
			w := mk(id(f.a1), uuid.Nil, "renamed")
			require.NoError(t, f.repo.Update(f.a, &w))
			got, err := f.repo.Get(f.a, id(f.a1))
			require.NoError(t, err)
			require.Equal(t, "renamed", name(got))

			stolen := mk(id(f.b1), uuid.Nil, "stolen")
			require.ErrorIs(t, f.repo.Update(f.a, &stolen), workspace.ErrNotFound)
			foreign := mk(id(f.b1), f.wsB, "stolen")
			require.ErrorIs(t, f.repo.Update(f.a, &foreign), store.ErrForeignWorkspace)
			got, err = f.repo.Get(f.b, id(f.b1))
			require.NoError(t, err)
			require.Equal(t, "b1", name(got))
		}},
		{"delete removes only the active workspace's record", func(t *testing.T, f *fixture) {
			require.ErrorIs(t, f.repo.Delete(f.a, id(f.b1)), workspace.ErrNotFound)
			requireCount(t, f.repo, f.b, 1)
			require.NoError(t, f.repo.Delete(f.a, id(f.a1)))
			require.ErrorIs(t, f.repo.Delete(f.a, id(f.a1)), workspace.ErrNotFound)
			requireCount(t, f.repo, f.a, 0)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"list is the workspace's records by id, paged", func(t *testing.T, f *fixture) {
			ids := []uuid.UUID{id(f.a1)}
			for i := 0; i < 4; i++ {
				w := mk(uuid.New(), uuid.Nil, "more") // random ids: order is not insertion order
				require.NoError(t, f.repo.Insert(f.a, &w))
				ids = append(ids, id(w))
			}
			slices.SortFunc(ids, func(x, y uuid.UUID) int { return compareBytes(x[:], y[:]) })
			all, err := f.repo.List(f.a, workspace.Page{})
			require.NoError(t, err)
			require.Equal(t, ids, idsOf(all))
			page, err := f.repo.List(f.a, workspace.Page{Limit: 2})
			require.NoError(t, err)
			require.Equal(t, ids[:2], idsOf(page))
			page, err = f.repo.List(f.a, workspace.Page{After: ids[1], Limit: 2})
			require.NoError(t, err)
			require.Equal(t, ids[2:4], idsOf(page))
			page, err = f.repo.List(f.a, workspace.Page{After: ids[4], Limit: 2})
			require.NoError(t, err)
			require.Empty(t, page)
			other, err := f.repo.List(f.b, workspace.Page{})
			require.NoError(t, err)
			require.Equal(t, []uuid.UUID{id(f.b1)}, idsOf(other))
		}},
		{"count is per workspace", func(t *testing.T, f *fixture) {
			w := mk(workspace.NewID(), uuid.Nil, "a2")
			require.NoError(t, f.repo.Insert(f.a, &w))
			requireCount(t, f.repo, f.a, 2)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"every method fails closed without a scope", func(t *testing.T, f *fixture) {
			for _, ctx := range []context.Context{context.Background(), workspace.Unscoped(context.Background(), "storetest: unscoped is no scope")} {
				_, err := f.repo.Get(ctx, id(f.a1))
				require.ErrorIs(t, err, workspace.ErrNoScope)
				_, err = f.repo.List(ctx, workspace.Page{})
				require.ErrorIs(t, err, workspace.ErrNoScope)
				w := mk(workspace.NewID(), uuid.Nil, "x")
				require.ErrorIs(t, f.repo.Insert(ctx, &w), workspace.ErrNoScope)
				require.ErrorIs(t, f.repo.Update(ctx, &f.a1), workspace.ErrNoScope)
				require.ErrorIs(t, f.repo.Delete(ctx, id(f.a1)), workspace.ErrNoScope)
				_, err = f.repo.Count(ctx)
				require.ErrorIs(t, err, workspace.ErrNoScope)
			}
			requireCount(t, f.repo, f.a, 1)
		}},
		{"writes join the store's transaction", func(t *testing.T, f *fixture) {
			boom := errors.New("boom")
			w := mk(workspace.NewID(), uuid.Nil, "rolled back")
			err := f.tx.Atomic(f.a, func(ctx context.Context) error {
				require.NoError(t, f.repo.Insert(ctx, &w))
				require.NoError(t, f.repo.Delete(ctx, id(f.a1)))
				requireCount(t, f.repo, ctx, 1)
				return boom
			})
			require.ErrorIs(t, err, boom)
			_, err = f.repo.Get(f.a, id(w))
			require.ErrorIs(t, err, workspace.ErrNotFound)
			_, err = f.repo.Get(f.a, id(f.a1))
			require.NoError(t, err)
		}},
		{"purging a workspace removes its records only", func(t *testing.T, f *fixture) {
			require.NoError(t, f.tx.Atomic(f.b, func(ctx context.Context) error { return f.purge(ctx, f.wsA) }))
			requireCount(t, f.repo, f.a, 0)
			requireCount(t, f.repo, f.b, 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, setup(t)) })
	}
}

func requireCount[T any](t *testing.T, r store.Repo[T], ctx context.Context, want int) {
	t.Helper()
	n, err := r.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, want, n)
}

func compareBytes(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
