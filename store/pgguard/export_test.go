package pgguard

import (
	"context"
	"database/sql/driver"

	"github.com/google/uuid"
	"github.com/workspacekit/workspacekit/workspace"
)

// Internals exposed to the external tests of the rule, the verdict cache
// and the fuzz target.

// CheckUncachedForTest is Check's verdict from a full parse, without the
// cache: the reference the cache must agree with.
func (g *Guard) CheckUncachedForTest(ctx context.Context, query string, args []driver.NamedValue) error {
	_, unscoped := workspace.UnscopedReason(ctx)
	ws := uuid.Nil
	if sc, ok := workspace.ScopeFrom(ctx); ok && !unscoped {
		ws = sc.WorkspaceID
	}
	_, err := g.state.Load().parse(query, ws, args, unscoped)
	return err
}

// CacheableForTest reports whether Check would cache its verdict on query.
func (g *Guard) CacheableForTest(ctx context.Context, query string) bool {
	sc, _ := workspace.ScopeFrom(ctx)
	cacheable, _ := g.state.Load().parse(query, sc.WorkspaceID, nil, false)
	return cacheable
}

// ShapeForTest returns the verdict cache's key for query, without the
// trailing marks.
func ShapeForTest(query string, ws uuid.UUID) (string, bool) {
	b, ok := appendShape(nil, query, ws, nil, false)
	if !ok {
		return "", false
	}
	return string(b[:len(b)-1]), true
}

// ReferencesForTest reports whether query parses and names a guarded table
// as a relation anywhere.
func (g *Guard) ReferencesForTest(query string) bool {
	js, err := parseToJSON(query)
	if err != nil {
		return false
	}
	stmts, err := decodeTree(js)
	if err != nil {
		return false
	}
	c := checker{tables: g.state.Load().tables}
	for _, s := range stmts {
		if c.referencesRelation(s) {
			return true
		}
	}
	return false
}

// CachedForTest is the number of verdicts in the cache.
func (g *Guard) CachedForTest() int { return g.state.Load().cache.len() }

// referencesRelation reports whether v holds a RangeVar of a guarded table.
func (c *checker) referencesRelation(v any) bool {
	switch v := v.(type) {
	case obj:
		if isRangeVar(v) && c.guarded(v) {
			return true
		}
		if k, f := node(v); k == "RangeVar" && c.guarded(f) {
			return true
		}
		for _, x := range v {
			if c.referencesRelation(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if c.referencesRelation(x) {
				return true
			}
		}
	}
	return false
}
