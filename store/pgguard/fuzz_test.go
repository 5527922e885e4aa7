package pgguard_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/pgguard"
	"github.com/workspacekit/workspacekit/workspace"
)

var (
	wsA = uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")
	wsB = uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000b")

	// fuzzGuard is shared by every input, so its verdict cache is too: a
	// wrong entry left by one input shows up as a wrong verdict on another.
	fuzzGuard = pgguard.New("agents", "contacts")
)

func scoped(id uuid.UUID) context.Context {
	return workspace.WithScope(context.Background(), workspace.Scope{AccountID: id, WorkspaceID: id, UserID: "u", Role: workspace.RoleOwner})
}

func unscoped() context.Context {
	return workspace.Unscoped(context.Background(), "pgguard test")
}

// variant rebuilds a statement from its cache key: every literal the key
// abstracts gets another value of its class ('W' the active id in upper
// case, '?' another workspace's id, numbers 0). If the result has the same
// key, the cache answers both with one verdict, so the rule must too.
func variant(key string, active, other uuid.UUID) string {
	r := strings.NewReplacer("'W'", "'"+strings.ToUpper(active.String())+"'", "'?'", "'"+other.String()+"'")
	return r.Replace(key)
}

// FuzzGuard runs the parser path and the cache path against each other:
//   - it never panics, and every refusal is ErrUnscopedQuery;
//   - the cached verdict (asked twice: miss, then hit) equals the full
//     parse's;
//   - every statement with the same cache key gets the same verdict from
//     a full parse (a variant built from the key, with other literals);
//   - an accepted statement naming a guarded table as a relation is scoped
//     and holds the active workspace id, as a literal or an argument;
//   - the verdict depends on which literals are the active id, not on the
//     id itself: the same text with the active id replaced by another,
//     checked as that other workspace, gets the same verdict.
func FuzzGuard(f *testing.F) {
	seeds := append(seeds(),
		"CREATE FOREIGN TABLE loot (name text) SERVER s OPTIONS (table_name 'other')",
		"CREATE FOREIGN TABLE loot (name text) SERVER s OPTIONS (table_name 'contacts')",
		"SAVEPOINT sp", "RELEASE SAVEPOINT sp")
	for _, s := range seeds {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, query string, isScoped bool) {
		ctx, ws := context.Background(), uuid.Nil
		if isScoped {
			ctx, ws = scoped(wsA), wsA
		}
		got := fuzzGuard.Check(ctx, query, nil)
		again := fuzzGuard.Check(ctx, query, nil)
		ref := fuzzGuard.CheckUncachedForTest(ctx, query, nil)
		require.Equal(t, got == nil, again == nil, "miss and hit disagree")
		require.Equal(t, ref == nil, got == nil, "cache %v, parse %v", got, ref)
		if got != nil {
			require.ErrorIs(t, got, pgguard.ErrUnscopedQuery)
		}
		if got == nil && fuzzGuard.ReferencesForTest(query) {
			require.True(t, isScoped, "accepted a guarded table without a scope")
			require.Contains(t, strings.ToLower(query), wsA.String(), "accepted a guarded table without the active id")
		}

		if key, ok := pgguard.ShapeForTest(query, ws); ok && fuzzGuard.CacheableForTest(ctx, query) {
			v := variant(key, wsA, wsB)
			if vk, ok := pgguard.ShapeForTest(v, ws); ok && vk == key {
				vref := fuzzGuard.CheckUncachedForTest(ctx, v, nil)
				require.Equal(t, ref == nil, vref == nil, "one shape, two verdicts:\n%q: %v\n%q: %v", query, ref, v, vref)
			}
		}

		if !isScoped || strings.Contains(strings.ToLower(query), wsB.String()) {
			return
		}
		swapped := strings.ReplaceAll(query, wsA.String(), wsB.String())
		if strings.Contains(strings.ToLower(swapped), wsA.String()) {
			return // an upper-case copy of the id was left in place
		}
		require.Equal(t, got == nil, fuzzGuard.Check(scoped(wsB), swapped, nil) == nil, "verdict changed with the id: %q", swapped)
	})
}
