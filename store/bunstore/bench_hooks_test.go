package bunstore_test

import (
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// Formatting only, no server: the PK select with the hook's Where vs the
// same Where written by hand, and the guard reading the result. The
// side-by-side table with PostgreSQL round trips, strict mode and the
// workspace delete is printed by ./internal/benchtable.

func benchSetup(b *testing.B) (*bun.DB, *bunstore.Registry, uuid.UUID, uuid.UUID) {
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	reg := bunstore.NewRegistry()
	if err := reg.Register(db, (*Agent)(nil)); err != nil {
		b.Fatal(err)
	}
	return db, reg, uuid.New(), uuid.New()
}

func BenchmarkFormatHandWrittenWhere(b *testing.B) {
	db, _, ws, id := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		var a AgentRow
		_ = db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Where("?TableAlias.workspace_id = ?", ws).String()
	}
}

func BenchmarkFormatScopedHook(b *testing.B) {
	db, _, ws, id := benchSetup(b)
	ctx := scopeCtx(ws)
	b.ReportAllocs()
	for b.Loop() {
		var a Agent
		q := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id)
		_ = a.BeforeSelect(ctx, q)
		_ = q.String()
	}
}

func BenchmarkGuardCheck(b *testing.B) {
	db, reg, ws, id := benchSetup(b)
	ctx := scopeCtx(ws)
	var a Agent
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
