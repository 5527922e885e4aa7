package bunstore_test

import (
	"database/sql"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// Formatting only, no server: the PK select with the hook's Where vs the
// same Where written by hand, and the guard reading the result. The
// side-by-side table with PostgreSQL round trips, strict mode and the
// workspace delete is printed by ./internal/benchtable.

// benchAgent and benchAgentPlain are the same table and columns, with and
// without the embed, so both sides format the same column list.
type benchAgent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name"`
}

type benchAgentPlain struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	WorkspaceID   uuid.UUID `bun:"workspace_id,type:uuid,notnull"`
	ID            uuid.UUID `bun:"id,pk,type:uuid"`
	Name          string    `bun:"name"`
}

func benchSetup(b *testing.B) (*bun.DB, *bunstore.Registry, uuid.UUID, uuid.UUID) {
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	reg := bunstore.NewRegistry()
	if err := reg.Register(db, (*benchAgent)(nil)); err != nil {
		b.Fatal(err)
	}
	return db, reg, uuid.New(), uuid.New()
}

func BenchmarkFormatHandWrittenWhere(b *testing.B) {
	db, _, ws, id := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		var a benchAgentPlain
		_ = db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Where("?TableAlias.workspace_id = ?", ws).String()
	}
}

// BenchmarkFormatScopedHook calls the hooks as bun's Scan does before
// formatting: BeforeSelect, then BeforeAppendModel on the row.
func BenchmarkFormatScopedHook(b *testing.B) {
	db, _, ws, id := benchSetup(b)
	ctx := scopeCtx(ws)
	b.ReportAllocs()
	for b.Loop() {
		var a benchAgent
		q := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id)
		_ = a.BeforeSelect(ctx, q)
		_ = a.BeforeAppendModel(ctx, q)
		_ = q.String()
	}
}

func BenchmarkGuardCheck(b *testing.B) {
	db, reg, ws, id := benchSetup(b)
	ctx := scopeCtx(ws)
	var a benchAgent
	q := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id)
	_ = a.BeforeSelect(ctx, q)
	stmt := q.String()
	b.ReportAllocs()
	for b.Loop() {
		if err := reg.Check(ctx, stmt, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormatHookOverhead interleaves the two sides above in batches
// of 200 (order flipping every batch) and reports the median of the
// per-batch differences (hook-ns/op, with the 95% range of that median
// as hook-lo-ns/op and hook-hi-ns/op): load on a shared machine moves
// both sides of a pair alike, which separate benchmarks cannot promise.
// Its ns/op is hidden, and its B/op and allocs/op (with -benchmem) count the 400
// queries of a loop; the other two benchmarks give the allocations.
func BenchmarkFormatHookOverhead(b *testing.B) {
	db, _, ws, id := benchSetup(b)
	ctx := scopeCtx(ws)
	hand := func() {
		var a benchAgentPlain
		_ = db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Where("?TableAlias.workspace_id = ?", ws).String()
	}
	hook := func() {
		var a benchAgent
		q := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id)
		_ = a.BeforeSelect(ctx, q)
		_ = a.BeforeAppendModel(ctx, q)
		_ = q.String()
	}
	const batch = 200
	timeBatch := func(f func()) float64 {
		start := time.Now()
		for range batch {
			f()
		}
		return float64(time.Since(start).Nanoseconds()) / batch
	}
	var diffs, hands []float64
	i := 0
	for b.Loop() {
		var h, k float64
		if i%2 == 0 {
			h, k = timeBatch(hand), timeBatch(hook)
		} else {
			k, h = timeBatch(hook), timeBatch(hand)
		}
		diffs, hands = append(diffs, k-h), append(hands, h)
		i++
	}
	med, lo, hi := medianCI(diffs)
	b.ReportMetric(med, "hook-ns/op")
	b.ReportMetric(lo, "hook-lo-ns/op")
	b.ReportMetric(hi, "hook-hi-ns/op")
	m, _, _ := medianCI(hands)
	b.ReportMetric(m, "hand-ns/op")
	b.ReportMetric(0, "ns/op")
}

// medianCI returns the median of v and a distribution-free 95% range for
// it (order statistics n/2 ± 0.98·√n).
func medianCI(v []float64) (med, lo, hi float64) {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0, 0, 0
	}
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	d := int(math.Ceil(0.98 * math.Sqrt(float64(n))))
	return med, s[max(0, n/2-d)], s[min(n-1, n/2+d)]
}
