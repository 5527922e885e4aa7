package bunstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// HidingAgent defines its own BeforeSelect, which hides Scoped's.
type HidingAgent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID uuid.UUID `bun:"id,pk,type:uuid"`
}

func (*HidingAgent) BeforeSelect(context.Context, *bun.SelectQuery) error { return nil }

// ChainingAgent defines its own BeforeSelect and calls Scoped's from it.
type ChainingAgent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID uuid.UUID `bun:"id,pk,type:uuid"`
}

func (a *ChainingAgent) BeforeSelect(ctx context.Context, q *bun.SelectQuery) error {
	return a.Scoped.BeforeSelect(ctx, q)
}

// HidingInsert replaces BeforeAppendModel without stamping.
type HidingInsert struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID uuid.UUID `bun:"id,pk,type:uuid"`
}

func (*HidingInsert) BeforeAppendModel(context.Context, bun.Query) error { return nil }

func TestRegisterSelfCheck(t *testing.T) {
	db := bun.NewDB(&sql.DB{}, pgdialect.New()) // metadata only: nothing is sent
	tests := []struct {
		name  string
		model any
		ok    bool
	}{
		{"scoped model", (*Agent)(nil), true},
		{"own hook calling Scoped's", (*ChainingAgent)(nil), true},
		{"own BeforeSelect hiding Scoped's", (*HidingAgent)(nil), false},
		{"own BeforeAppendModel hiding Scoped's", (*HidingInsert)(nil), false},
		{"no Scoped embed", (*AgentRow)(nil), false},
		{"not a pointer to a struct", Agent{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := bunstore.NewRegistry()
			err := reg.Register(db, tc.model)
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, []string{"agents"}, reg.Tables())
				return
			}
			require.ErrorIs(t, err, bunstore.ErrInvalidModel)
			require.Empty(t, reg.Tables())
		})
	}
}

// TestScopedHooksFilter covers the shapes the hooks handle by themselves.
func TestScopedHooksFilter(t *testing.T) {
	w := newWorld(t)
	ctx := scopeCtx(w.wsA)

	var all []Agent
	require.NoError(t, w.db.NewSelect().Model(&all).Order("name").Scan(ctx))
	requireOnly(t, w.wsA, 2, len(all), func(i int) uuid.UUID { return all[i].WorkspaceID })

	var one Agent
	require.ErrorIs(t, w.db.NewSelect().Model(&one).Where("id = ?", w.b1).Scan(ctx), sql.ErrNoRows)

	fresh := Agent{ID: workspace.NewID(), Name: "new"}
	requireAffected(t, 1)(w.db.NewInsert().Model(&fresh).Exec(ctx))
	require.Equal(t, w.wsA, fresh.WorkspaceID, "insert stamps the active workspace")

	planted := Agent{Scoped: bunstore.Scoped{WorkspaceID: w.wsB}, ID: workspace.NewID(), Name: "planted"}
	_, err := w.db.NewInsert().Model(&planted).Exec(ctx)
	require.ErrorIs(t, err, store.ErrForeignWorkspace)
	moved := Agent{Scoped: bunstore.Scoped{WorkspaceID: w.wsB}, ID: w.a1, Name: "moved"}
	_, err = w.db.NewUpdate().Model(&moved).WherePK().Exec(ctx)
	require.ErrorIs(t, err, store.ErrForeignWorkspace)

	requireAffected(t, 0)(w.db.NewDelete().Model(&Agent{ID: w.b1}).WherePK().Exec(ctx))
	requireAffected(t, 1)(w.db.NewDelete().Model(&Agent{ID: w.a2}).WherePK().Exec(ctx))

	_, err = w.db.NewSelect().Model(&all).Exec(context.Background())
	require.ErrorIs(t, err, workspace.ErrNoScope)
	require.ErrorIs(t, w.db.NewSelect().Model(&all).Scan(context.Background()), workspace.ErrNoScope)
	var n int
	require.ErrorIs(t, w.db.NewRaw("SELECT count(*) FROM agents").Scan(context.Background(), &n), workspace.ErrNoScope)

	// The only escape: an explicit, named, logged unscoped context.
	require.NoError(t, w.db.NewRaw("SELECT count(*) FROM agents").Scan(unscoped(), &n))
	require.Equal(t, 4, n)
}
