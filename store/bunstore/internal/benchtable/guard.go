package main

import (
	"fmt"
	"testing"

	"github.com/workspacekit/workspacekit/store/pgguard"
)

// guardRows compares, per kind of statement bun generates for a Scoped
// model, the guard's answer from its verdict cache with a full parse by
// libpg_query (what every statement of a new shape costs once).
func guardRows(env *env) []comparison {
	var a0 agent
	a0.ID, a0.Name = env.id, "n"
	a0.WorkspaceID = env.ws
	stmts := []struct{ kind, sql string }{
		{"PK select", env.bare.NewSelect().Model(&a0).WherePK().Where("?TableAlias.workspace_id = ?", env.ws).String()},
		{"list", env.bare.NewSelect().Model((*agent)(nil)).Where("?TableAlias.workspace_id = ?", env.ws).Where("name > ?", "m").Order("name").Limit(20).String()},
		{"insert", env.bare.NewInsert().Model(&a0).String()},
		{"update", env.bare.NewUpdate().Model(&a0).WherePK().Where("?TableAlias.workspace_id = ?", env.ws).String()},
		{"delete", env.bare.NewDelete().Model(&a0).WherePK().Where("?TableAlias.workspace_id = ?", env.ws).String()},
	}
	fmt.Printf("guard parser: %s\n", pgguard.ParserName)
	var out []comparison
	for _, s := range stmts {
		g := pgguard.New("agents")
		if err := g.Check(env.sctx, s.sql, nil); err != nil {
			panic(fmt.Sprintf("benchtable: %s refused: %v", s.kind, err))
		}
		out = append(out, compare("guard, bun "+s.kind+": cache hit vs full parse",
			func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = g.Check(env.sctx, s.sql, nil)
				}
			},
			func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					g.SetTables("agents") // an empty cache
					_ = g.Check(env.sctx, s.sql, nil)
				}
			}))
	}
	return out
}
