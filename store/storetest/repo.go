package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Widget is the record type RunRepo stores: a host model as a host would
// write it. On PostgreSQL it lives in WidgetSchema's table.
type Widget struct {
	bun.BaseModel `bun:"table:storetest_widgets,alias:widget"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name,notnull"`
}

// RecordID implements store.Record.
func (w *Widget) RecordID() uuid.UUID { return w.ID }

// WidgetSchema creates Widget's table, keyed by (workspace_id, id) as every
// workspace-owned table should be.
const WidgetSchema = `CREATE TABLE IF NOT EXISTS storetest_widgets (
	workspace_id uuid NOT NULL,
	id uuid NOT NULL,
	name text NOT NULL,
	PRIMARY KEY (workspace_id, id)
)`

// RepoHarness gives RunRepo a repository and what it joins.
type RepoHarness struct {
	// New returns a repository of Widgets, the transactor whose Atomic it
	// joins, and a function that deletes one workspace's rows the way
	// workspace deletion does (memstore: Store.DeleteWorkspace's hooks;
	// bunstore: Registry.Purge). It may share state between tests: every
	// test uses fresh workspace ids.
	New func(t *testing.T) (store.Repo[Widget], workspace.Transactor, workspace.PurgeFunc)
}

func repoScope(ws uuid.UUID) context.Context {
	return workspace.WithScope(context.Background(), workspace.Scope{AccountID: ws, WorkspaceID: ws, UserID: "storetest-user"})
}

// RunRepo is the isolation suite of store.Repo: every method, in the
// active workspace and against another workspace's records, without a
// scope, inside transactions, and after the workspace is purged.
func RunRepo(t *testing.T, h RepoHarness) {
	t.Helper()
	type fixture struct {
		repo     store.Repo[Widget]
		tx       workspace.Transactor
		purge    workspace.PurgeFunc
		a, b     context.Context
		wsA, wsB uuid.UUID
		a1, b1   Widget
	}
	setup := func(t *testing.T) *fixture {
		repo, tx, purge := h.New(t)
		f := &fixture{repo: repo, tx: tx, purge: purge, wsA: workspace.NewID(), wsB: workspace.NewID()}
		f.a, f.b = repoScope(f.wsA), repoScope(f.wsB)
		f.a1 = Widget{ID: workspace.NewID(), Name: "a1"}
		f.b1 = Widget{ID: workspace.NewID(), Name: "b1"}
		require.NoError(t, repo.Insert(f.a, &f.a1))
		require.NoError(t, repo.Insert(f.b, &f.b1))
		return f
	}
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"insert stamps the active workspace", func(t *testing.T, f *fixture) {
			require.Equal(t, f.wsA, f.a1.WorkspaceID)
			got, err := f.repo.Get(f.a, f.a1.ID)
			require.NoError(t, err)
			require.Equal(t, f.a1.ID, got.ID)
			require.Equal(t, "a1", got.Name)
			require.Equal(t, f.wsA, got.WorkspaceID)
		}},
		{"get of another workspace's id is not found", func(t *testing.T, f *fixture) {
			_, err := f.repo.Get(f.a, f.b1.ID)
			require.ErrorIs(t, err, workspace.ErrNotFound)
			_, err = f.repo.Get(f.a, workspace.NewID())
			require.ErrorIs(t, err, workspace.ErrNotFound)
		}},
		{"insert of another workspace's record is refused", func(t *testing.T, f *fixture) {
			w := Widget{Scoped: bunstore.Scoped{WorkspaceID: f.wsB}, ID: workspace.NewID(), Name: "planted"}
			require.ErrorIs(t, f.repo.Insert(f.a, &w), store.ErrForeignWorkspace)
			_, err := f.repo.Get(f.b, w.ID)
			require.ErrorIs(t, err, workspace.ErrNotFound)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"duplicate id in the workspace conflicts", func(t *testing.T, f *fixture) {
			w := Widget{ID: f.a1.ID, Name: "again"}
			require.ErrorIs(t, f.repo.Insert(f.a, &w), workspace.ErrConflict)
		}},
		{"the same id in two workspaces is two records", func(t *testing.T, f *fixture) {
			w := Widget{ID: f.b1.ID, Name: "mine"}
			require.NoError(t, f.repo.Insert(f.a, &w))
			got, err := f.repo.Get(f.b, f.b1.ID)
			require.NoError(t, err)
			require.Equal(t, "b1", got.Name)
			got, err = f.repo.Get(f.a, f.b1.ID)
			require.NoError(t, err)
			require.Equal(t, "mine", got.Name)
		}},
		{"update changes only the active workspace's record", func(t *testing.T, f *fixture) {
			w := Widget{ID: f.a1.ID, Name: "renamed"}
			require.NoError(t, f.repo.Update(f.a, &w))
			got, err := f.repo.Get(f.a, f.a1.ID)
			require.NoError(t, err)
			require.Equal(t, "renamed", got.Name)

			stolen := Widget{ID: f.b1.ID, Name: "stolen"}
			require.ErrorIs(t, f.repo.Update(f.a, &stolen), workspace.ErrNotFound)
			foreign := Widget{Scoped: bunstore.Scoped{WorkspaceID: f.wsB}, ID: f.b1.ID, Name: "stolen"}
			require.ErrorIs(t, f.repo.Update(f.a, &foreign), store.ErrForeignWorkspace)
			got, err = f.repo.Get(f.b, f.b1.ID)
			require.NoError(t, err)
			require.Equal(t, "b1", got.Name)
		}},
		{"delete removes only the active workspace's record", func(t *testing.T, f *fixture) {
			require.ErrorIs(t, f.repo.Delete(f.a, f.b1.ID), workspace.ErrNotFound)
			requireCount(t, f.repo, f.b, 1)
			require.NoError(t, f.repo.Delete(f.a, f.a1.ID))
			require.ErrorIs(t, f.repo.Delete(f.a, f.a1.ID), workspace.ErrNotFound)
			requireCount(t, f.repo, f.a, 0)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"list is the workspace's records by id, paged", func(t *testing.T, f *fixture) {
			ids := []uuid.UUID{f.a1.ID}
			for i := 0; i < 4; i++ {
				w := Widget{ID: uuid.New(), Name: "more"} // random ids: order is not insertion order
				require.NoError(t, f.repo.Insert(f.a, &w))
				ids = append(ids, w.ID)
			}
			slices.SortFunc(ids, func(x, y uuid.UUID) int { return compareBytes(x[:], y[:]) })
			all, err := f.repo.List(f.a, workspace.Page{})
			require.NoError(t, err)
			require.Equal(t, ids, widgetIDs(all))
			page, err := f.repo.List(f.a, workspace.Page{Limit: 2})
			require.NoError(t, err)
			require.Equal(t, ids[:2], widgetIDs(page))
			page, err = f.repo.List(f.a, workspace.Page{After: ids[1], Limit: 2})
			require.NoError(t, err)
			require.Equal(t, ids[2:4], widgetIDs(page))
			page, err = f.repo.List(f.a, workspace.Page{After: ids[4], Limit: 2})
			require.NoError(t, err)
			require.Empty(t, page)
			other, err := f.repo.List(f.b, workspace.Page{})
			require.NoError(t, err)
			require.Equal(t, []uuid.UUID{f.b1.ID}, widgetIDs(other))
		}},
		{"count is per workspace", func(t *testing.T, f *fixture) {
			w := Widget{ID: workspace.NewID(), Name: "a2"}
			require.NoError(t, f.repo.Insert(f.a, &w))
			requireCount(t, f.repo, f.a, 2)
			requireCount(t, f.repo, f.b, 1)
		}},
		{"every method fails closed without a scope", func(t *testing.T, f *fixture) {
			for _, ctx := range []context.Context{context.Background(), workspace.Unscoped(context.Background(), "storetest: unscoped is no scope")} {
				_, err := f.repo.Get(ctx, f.a1.ID)
				require.ErrorIs(t, err, workspace.ErrNoScope)
				_, err = f.repo.List(ctx, workspace.Page{})
				require.ErrorIs(t, err, workspace.ErrNoScope)
				w := Widget{ID: workspace.NewID(), Name: "x"}
				require.ErrorIs(t, f.repo.Insert(ctx, &w), workspace.ErrNoScope)
				require.ErrorIs(t, f.repo.Update(ctx, &f.a1), workspace.ErrNoScope)
				require.ErrorIs(t, f.repo.Delete(ctx, f.a1.ID), workspace.ErrNoScope)
				_, err = f.repo.Count(ctx)
				require.ErrorIs(t, err, workspace.ErrNoScope)
			}
			requireCount(t, f.repo, f.a, 1)
		}},
		{"writes join the store's transaction", func(t *testing.T, f *fixture) {
			boom := errors.New("boom")
			w := Widget{ID: workspace.NewID(), Name: "rolled back"}
			err := f.tx.Atomic(f.a, func(ctx context.Context) error {
				require.NoError(t, f.repo.Insert(ctx, &w))
				require.NoError(t, f.repo.Delete(ctx, f.a1.ID))
				requireCount(t, f.repo, ctx, 1)
				return boom
			})
			require.ErrorIs(t, err, boom)
			_, err = f.repo.Get(f.a, w.ID)
			require.ErrorIs(t, err, workspace.ErrNotFound)
			_, err = f.repo.Get(f.a, f.a1.ID)
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

func requireCount(t *testing.T, r store.Repo[Widget], ctx context.Context, want int) {
	t.Helper()
	n, err := r.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, want, n)
}

func widgetIDs(ws []Widget) []uuid.UUID {
	out := make([]uuid.UUID, len(ws))
	for i, w := range ws {
		out[i] = w.ID
	}
	return out
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
