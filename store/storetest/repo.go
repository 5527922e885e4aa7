package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

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
	// New returns a repository of T, the store whose workspaces own its
	// records and whose Atomic it joins, and a function that deletes one
	// workspace's rows the way workspace deletion does (memstore:
	// Store.DeleteWorkspace's hooks; bunstore: Registry.Purge). The store's
	// DeleteWorkspace must remove the workspace's records too (memstore
	// does; on PostgreSQL a foreign key to workspaces ON DELETE CASCADE).
	// It may share state between tests: every test uses fresh ids.
	New func(t *testing.T) (store.Repo[T], store.Store, workspace.PurgeFunc)
}

// repoWorkspaces creates an account with n workspaces in s and returns a
// scope in each.
func repoWorkspaces(t *testing.T, s store.Store, n int) []context.Context {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	acct := workspace.Account{ID: workspace.NewID(), Name: "storetest", OwnerID: "storetest-user", Plan: "pro", Version: 1, CreatedAt: now}
	require.NoError(t, s.CreateAccount(ctx, acct))
	out := make([]context.Context, n)
	for i := range out {
		w := workspace.Workspace{ID: workspace.NewID(), AccountID: acct.ID, Name: fmt.Sprint("repo ", i), CreatedAt: now, UpdatedAt: now}
		require.NoError(t, s.CreateWorkspace(ctx, w))
		out[i] = workspace.WithScope(ctx, workspace.Scope{AccountID: acct.ID, WorkspaceID: w.ID, UserID: acct.OwnerID})
	}
	return out
}

// RunRepo is the isolation suite of store.Repo: every method, in the
// active workspace and against another workspace's records, without a
// scope, inside transactions, after the workspace is purged, and with the
// scope of a deleted workspace.
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
		st       store.Store
		purge    workspace.PurgeFunc
		a, b     context.Context
		wsA, wsB uuid.UUID
		a1, b1   T
	}
	setup := func(t *testing.T) *fixture {
		repo, s, purge := h.New(t)
		scopes := repoWorkspaces(t, s, 2)
		f := &fixture{repo: repo, st: s, purge: purge, a: scopes[0], b: scopes[1]}
		f.wsA, f.wsB = workspaceOf(f.a), workspaceOf(f.b)
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
			err := f.st.Atomic(f.a, func(ctx context.Context) error {
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
		{"a deleted workspace's scope stops at once", func(t *testing.T, f *fixture) {
			require.NoError(t, f.st.DeleteWorkspace(t.Context(), f.wsA))
			// Its records went with it, and the stale scope writes nothing.
			_, err := f.repo.Get(f.a, id(f.a1))
			require.ErrorIs(t, err, workspace.ErrNotFound)
			late := mk(workspace.NewID(), uuid.Nil, "late")
			require.ErrorIs(t, f.repo.Insert(f.a, &late), workspace.ErrNotFound)
			err = f.st.Atomic(f.a, func(ctx context.Context) error { return f.repo.Insert(ctx, &late) })
			require.ErrorIs(t, err, workspace.ErrNotFound)
			require.ErrorIs(t, f.repo.Update(f.a, &f.a1), workspace.ErrNotFound)
			require.ErrorIs(t, f.repo.Delete(f.a, id(f.a1)), workspace.ErrNotFound)
			_, err = f.repo.Get(f.a, id(late))
			require.ErrorIs(t, err, workspace.ErrNotFound)
			requireCount(t, f.repo, f.a, 0)
			// The other workspace goes on.
			w := mk(workspace.NewID(), uuid.Nil, "b2")
			require.NoError(t, f.repo.Insert(f.b, &w))
			requireCount(t, f.repo, f.b, 2)
		}},
		{"text with a NUL byte is ErrInvalid and writes nothing", func(t *testing.T, f *fixture) {
			w := mk(workspace.NewID(), uuid.Nil, "bad\x00name")
			require.ErrorIs(t, f.repo.Insert(f.a, &w), workspace.ErrInvalid)
			_, err := f.repo.Get(f.a, id(w))
			require.ErrorIs(t, err, workspace.ErrNotFound)
			u := mk(id(f.a1), uuid.Nil, "bad\x00name")
			require.ErrorIs(t, f.repo.Update(f.a, &u), workspace.ErrInvalid)
			got, err := f.repo.Get(f.a, id(f.a1))
			require.NoError(t, err)
			require.Equal(t, "a1", name(got))
		}},
		{"a purge from another workspace's scope is refused and removes nothing", func(t *testing.T, f *fixture) {
			err := f.st.Atomic(f.b, func(ctx context.Context) error { return f.purge(ctx, f.wsA) })
			require.ErrorIs(t, err, workspace.ErrForbidden)
			requireCount(t, f.repo, f.a, 1)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"purging a workspace as system work removes its records only", func(t *testing.T, f *fixture) {
			sys := workspace.Unscoped(context.Background(), "storetest: purge")
			require.NoError(t, f.st.Atomic(sys, func(ctx context.Context) error { return f.purge(ctx, f.wsA) }))
			requireCount(t, f.repo, f.a, 0)
			requireCount(t, f.repo, f.b, 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, setup(t)) })
	}
}

func workspaceOf(ctx context.Context) uuid.UUID {
	sc, _ := workspace.ScopeFrom(ctx)
	return sc.WorkspaceID
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
