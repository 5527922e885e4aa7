package pgguard

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// ErrUnscopedQuery is the guard's refusal: a statement touches a guarded
// table without proving, in its own SQL, that it stays in the active
// workspace (or there is no active workspace at all, which also wraps
// workspace.ErrNoScope), or it would change what the guard or strict mode
// relies on. The statement was not sent to the server.
var ErrUnscopedQuery = errors.New("pgguard: unscoped query on a workspace-scoped table")

// Guard checks SQL statements against a set of workspace-scoped tables.
// It is safe for concurrent use.
type Guard struct {
	state atomic.Pointer[state]
}

// state is what Check reads, replaced as a whole by SetTables so the hot
// path takes no lock and never sees a verdict computed for another set of
// tables.
type state struct {
	tables map[string]struct{}
	cache  verdictCache
}

// New returns a guard for tables: the names of the tables (without schema:
// a table of that name in any schema is guarded) whose rows each belong to
// one workspace, in their workspace_id uuid column.
func New(tables ...string) *Guard {
	g := &Guard{}
	g.SetTables(tables...)
	return g
}

// SetTables replaces the guarded tables.
func (g *Guard) SetTables(tables ...string) {
	m := make(map[string]struct{}, len(tables))
	for _, t := range tables {
		m[t] = struct{}{}
	}
	g.state.Store(&state{tables: m})
}

// Tables returns the guarded table names, sorted.
func (g *Guard) Tables() []string {
	st := g.state.Load()
	out := make([]string, 0, len(st.tables))
	for t := range st.tables {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Check reports whether query (with its driver arguments, if any) may run
// in ctx: nil when every reference to a guarded table is restricted to
// ctx's active workspace and the statement changes nothing the guard
// relies on. Under workspace.Unscoped only session-level changes of the
// settings the guard and strict mode rely on are refused. doc.go has the
// rule.
// Errors: ErrUnscopedQuery (also wrapping workspace.ErrNoScope when ctx has
// no scope).
func (g *Guard) Check(ctx context.Context, query string, args []driver.NamedValue) error {
	st := g.state.Load()
	_, unscoped := workspace.UnscopedReason(ctx)
	ws := uuid.Nil
	sc, scoped := workspace.ScopeFrom(ctx)
	if scoped && !unscoped {
		ws = sc.WorkspaceID
	}
	err := st.check(query, ws, args, unscoped)
	if err != nil && !scoped && !unscoped {
		return fmt.Errorf("%w (%w)", err, workspace.ErrNoScope)
	}
	return err
}

// check is Check's verdict through the cache.
func (st *state) check(query string, ws uuid.UUID, args []driver.NamedValue, unscoped bool) error {
	var arr [1024]byte
	key, ok := appendShape(arr[:0], query, ws, args, unscoped)
	if ok {
		if err, hit := st.cache.get(key); hit {
			return err
		}
	}
	cacheable, err := st.parse(query, ws, args, unscoped)
	if ok && cacheable {
		st.cache.put(key, err)
	}
	return err
}

// parse is the verdict of a full parse, without the cache, and whether it
// may be cached: whether it depends on no literal but through "is it the
// active workspace".
func (st *state) parse(query string, ws uuid.UUID, args []driver.NamedValue, unscoped bool) (cacheable bool, err error) {
	c := checker{tables: st.tables, ws: ws, args: args, unscoped: unscoped}
	err = c.check(query)
	return !c.uncacheable, err
}
