package bunstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The hooks write their condition as pre-formatted text; these prove the
// text is byte for byte what "?TableAlias.workspace_id = ?" formats to, so
// the guard sees the same statements (and the same cache shapes) as with a
// hand-written Where.
func TestScopedHookFormatsLikeHandWrittenWhere(t *testing.T) {
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	id := uuid.MustParse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
	for _, ws := range []uuid.UUID{
		uuid.MustParse("01234567-89ab-cdef-fedc-ba9876543210"),
		uuid.MustParse("ffffffff-ffff-ffff-ffff-ffffffffffff"),
		uuid.New(),
	} {
		ctx := scopeCtx(ws)
		hand := "?TableAlias.workspace_id = ?"
		cases := []struct {
			name       string
			hook, want func() string
		}{
			{"select", func() string {
				var a Agent
				q := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id)
				require.NoError(t, a.BeforeSelect(ctx, q))
				return q.String()
			}, func() string {
				var a Agent
				return db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Where(hand, ws).String()
			}},
			{"select with a table expression", func() string {
				var a Agent
				q := db.NewSelect().Model(&a).ModelTableExpr("agents AS agent").Where("?TableAlias.id = ?", id)
				require.NoError(t, a.BeforeSelect(ctx, q))
				return q.String()
			}, func() string {
				var a Agent
				return db.NewSelect().Model(&a).ModelTableExpr("agents AS agent").Where("?TableAlias.id = ?", id).Where(hand, ws).String()
			}},
			{"slice select", func() string {
				var as []Contact
				q := db.NewSelect().Model(&as).Limit(10)
				require.NoError(t, (&Contact{}).BeforeSelect(ctx, q))
				return q.String()
			}, func() string {
				var as []Contact
				return db.NewSelect().Model(&as).Limit(10).Where(hand, ws).String()
			}},
			{"update", func() string {
				a := Agent{ID: id, Name: "x"}
				q := db.NewUpdate().Model(&a).WherePK()
				require.NoError(t, a.BeforeUpdate(ctx, q))
				return q.String()
			}, func() string {
				a := Agent{ID: id, Name: "x"}
				return db.NewUpdate().Model(&a).WherePK().Where(hand, ws).String()
			}},
			{"delete", func() string {
				a := Agent{ID: id}
				q := db.NewDelete().Model(&a).WherePK()
				require.NoError(t, a.BeforeDelete(ctx, q))
				return q.String()
			}, func() string {
				a := Agent{ID: id}
				return db.NewDelete().Model(&a).WherePK().Where(hand, ws).String()
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want := c.want()
				require.Contains(t, want, ws.String())
				require.Equal(t, want, c.hook())
			})
		}
	}
}

// An unscoped context leaves the query as written; no scope fails closed.
func TestScopedHookWithoutScope(t *testing.T) {
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	var a Agent
	q := db.NewSelect().Model(&a)
	require.NoError(t, a.BeforeSelect(unscoped(), q))
	require.NotContains(t, q.String(), "workspace_id =")
	require.Error(t, a.BeforeSelect(context.Background(), db.NewSelect().Model(&a)))
}
