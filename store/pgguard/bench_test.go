package pgguard_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/store/pgguard"
)

type agent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	WorkspaceID   uuid.UUID `bun:"workspace_id,pk,type:uuid"`
	ID            uuid.UUID `bun:"id,pk,type:uuid"`
	Name          string    `bun:"name"`
	Seen          time.Time `bun:"seen"`
	Score         int64     `bun:"score"`
}

// bunStatements returns what bun generates, in workspace ws, for a PK
// select, a list, an insert, an update and a delete of agents, with values
// drawn from i: the statement kinds a host sends most.
func bunStatements(ws uuid.UUID, i int) map[string]string {
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	id := uuid.New()
	a := &agent{WorkspaceID: ws, ID: id, Name: "agent " + id.String()[:i%8+1], Seen: time.Unix(int64(i), 0), Score: int64(i)}
	where := func(q bun.QueryBuilder) bun.QueryBuilder { return q.Where("?TableAlias.workspace_id = ?", ws) }
	return map[string]string{
		"PK select": db.NewSelect().Model(a).WherePK().String(),
		"list":      db.NewSelect().Model((*agent)(nil)).ApplyQueryBuilder(where).Where("name > ?", a.Name).Order("name").Limit(int64(20 + i%3)).String(),
		"insert":    db.NewInsert().Model(a).String(),
		"update":    db.NewUpdate().Model(a).WherePK().String(),
		"delete":    db.NewDelete().Model(a).WherePK().String(),
	}
}

// Every bun-generated statement after the first of its kind is answered by
// the cache: values never make a new shape.
func TestBunStatementsHitTheCacheAfterTheirFirst(t *testing.T) {
	g := pgguard.New("agents")
	for i := 0; i < 200; i++ {
		for kind, q := range bunStatements(wsA, i) {
			require.NoError(t, g.Check(scoped(wsA), q, nil), "%s: %s", kind, q)
			_, ok := pgguard.ShapeForTest(q, wsA)
			require.True(t, ok, "%s cannot be cached: %s", kind, q)
		}
		require.Equal(t, 5, g.CachedForTest(), "statement %d made a new shape", i)
	}
	// Another workspace's statements share the shapes too.
	for kind, q := range bunStatements(wsB, 7) {
		require.NoError(t, g.Check(scoped(wsB), q, nil), kind)
	}
	require.Equal(t, 5, g.CachedForTest())
}

func benchCheck(b *testing.B, miss bool) {
	for _, kind := range []string{"PK select", "list", "insert", "update", "delete"} {
		b.Run(kind, func(b *testing.B) {
			g := pgguard.New("agents")
			ctx := scoped(wsA)
			q := bunStatements(wsA, 1)[kind]
			require.NoError(b, g.Check(ctx, q, nil))
			b.ReportAllocs()
			for b.Loop() {
				if miss {
					g.SetTables("agents") // a new, empty cache
				}
				if err := g.Check(ctx, q, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckHit is the guard's cost per statement on a cache hit.
func BenchmarkCheckHit(b *testing.B) { benchCheck(b, false) }

// BenchmarkCheckMiss is the cost of a full parse and check.
func BenchmarkCheckMiss(b *testing.B) {
	b.Logf("parser: %s", pgguard.ParserName)
	benchCheck(b, true)
}
