package bunstore_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

var (
	fuzzWS    = uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")
	fuzzOther = uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000b")

	fuzzRegOnce sync.Once
	fuzzReg     *bunstore.Registry
)

// fuzzRegistry is shared by every input, so its verdict cache is too: a
// wrong entry left by one input shows up as a wrong verdict on another.
func fuzzRegistry(t testing.TB) *bunstore.Registry {
	fuzzRegOnce.Do(func() {
		r := bunstore.NewRegistry()
		db := bun.NewDB(&sql.DB{}, pgdialect.New())
		if err := r.Register(db, (*Contact)(nil), (*Agent)(nil)); err != nil {
			panic(err)
		}
		fuzzReg = r
	})
	return fuzzReg
}

func fuzzSeeds() []string {
	a, b := fuzzWS.String(), fuzzOther.String()
	return []string{
		`SELECT "agent"."id", "agent"."name" FROM "agents" AS "agent" WHERE ("agent"."id" = '` + b + `') AND ("agent"."workspace_id" = '` + a + `')`,
		`SELECT "agent"."id" FROM "agents" AS "agent" WHERE ("agent"."id" = '` + a + `') AND ("agent"."workspace_id" = '` + b + `')`,
		`SELECT count(*) FROM "agents" AS "agent"`,
		`SELECT * FROM agents WHERE workspace_id = '` + strings.ToUpper(a) + `' LIMIT 10 OFFSET 20`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `' OR TRUE`,
		`SELECT * FROM agents a JOIN contacts c ON c.workspace_id = a.workspace_id AND c.id = a.contact_id WHERE a.workspace_id = '` + a + `'`,
		`SELECT * FROM agents a LEFT JOIN contacts c ON c.id = a.contact_id WHERE a.workspace_id = '` + a + `'`,
		`SELECT * FROM agents WHERE workspace_id = '` + a + `' UNION SELECT * FROM agents`,
		`WITH x AS (SELECT * FROM agents) SELECT * FROM x`,
		`SELECT * FROM (SELECT * FROM agents WHERE workspace_id = '` + a + `') s WHERE s.id IN (SELECT id FROM contacts)`,
		`INSERT INTO "agents" AS "agent" ("workspace_id", "id", "name") VALUES ('` + a + `', '` + b + `', 'n') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`,
		`INSERT INTO agents (workspace_id, id, name) VALUES ('` + a + `', '` + b + `', 'x'), ('` + b + `', '` + a + `', 'y')`,
		`UPDATE "agents" AS "agent" SET "name" = 'x', "workspace_id" = '` + b + `' WHERE ("agent"."id" = 1) AND ("agent"."workspace_id" = '` + a + `')`,
		`DELETE FROM "agents" AS "agent" WHERE ("agent"."workspace_id" = '` + a + `')`,
		`MERGE INTO agents USING contacts ON true WHEN MATCHED THEN DELETE`,
		`SELECT * FROM agents WHERE workspace_id = E'` + a + `'`,
		`SELECT * FROM agents /* workspace_id = '` + a + `' */`,
		"SELECT * FROM agents -- WHERE workspace_id = '" + a + "'\n",
		`SELECT * FROM U&"\0061gents"`,
		`SELECT * FROM "AGENTS" WHERE workspace_id = $1`,
		`SELECT 'agents', "agents_x" FROM other WHERE x = $$agents$$`,
		`TRUNCATE agents`,
	}
}

// FuzzGuard checks the guard against its own rule and against what the
// rule must imply:
//   - it never panics, and every refusal is ErrUnscopedQuery;
//   - the cached verdict (asked twice: miss, then hit) agrees with the
//     uncached rule, except that text naming no registered table passes
//     the fast path without being read;
//   - an accepted statement that references a registered table holds the
//     active workspace id as a literal, and without a scope no accepted
//     statement references one;
//   - the verdict depends on which literals are the active id, not on the
//     id itself: the same text with the active id replaced by another,
//     checked as that other workspace, gets the same verdict.
func FuzzGuard(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, query string, scoped bool) {
		reg := fuzzRegistry(t)
		ctx, ws := context.Background(), uuid.Nil
		if scoped {
			ctx, ws = scopeCtx(fuzzWS), fuzzWS
		}
		got := reg.Check(ctx, query, nil)
		again := reg.Check(ctx, query, nil)
		ref := reg.CheckUncachedForTest(query, ws)
		refs := reg.ReferencesForTest(query)

		require.Equal(t, got == nil, again == nil)
		if got != nil {
			require.ErrorIs(t, got, bunstore.ErrUnscopedQuery)
			require.Error(t, ref, "the cache refused what the rule accepts")
			require.Contains(t, got.Error(), ref.Error())
		} else if ref != nil {
			require.False(t, refs, "accepted a statement the rule refuses: %v", ref)
		}
		if got == nil && refs {
			require.True(t, scoped, "accepted a reference to a registered table without a scope")
			require.True(t, bunstore.ContainsIDForTest(query, fuzzWS), "accepted a reference without the active id")
		}

		lower := strings.ToLower(query)
		if !scoped || strings.Contains(lower, fuzzOther.String()) {
			return
		}
		swapped := strings.ReplaceAll(query, fuzzWS.String(), fuzzOther.String())
		if strings.Contains(strings.ToLower(swapped), fuzzWS.String()) {
			return // an upper-case copy of the id was left in place
		}
		require.Equal(t, got == nil, reg.Check(scopeCtx(fuzzOther), swapped, nil) == nil, "verdict changed with the id: %q", swapped)
	})
}

// A verdict cached before a table was registered must not outlive it.
func TestRegisterForgetsCachedVerdicts(t *testing.T) {
	reg := bunstore.NewRegistry()
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	require.NoError(t, reg.Register(db, (*Agent)(nil)))
	ctx := scopeCtx(fuzzWS)
	q := `SELECT * FROM agents a JOIN contacts c ON c.id = a.contact_id WHERE a.workspace_id = '` + fuzzWS.String() + `'`
	require.NoError(t, reg.Check(ctx, q, nil))
	require.NoError(t, reg.Register(db, (*Contact)(nil)))
	require.ErrorIs(t, reg.Check(ctx, q, nil), bunstore.ErrUnscopedQuery)
}
