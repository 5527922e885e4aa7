package bunstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/workspace"
)

// ErrUnscopedQuery is the guard's refusal: a statement touches a registered
// workspace-scoped table without proving, in its own SQL, that it stays in
// the active workspace (or there is no active workspace at all, which also
// wraps workspace.ErrNoScope). The statement was not sent to the server.
// PRODUCTION.md lists the query shapes and how to write each one so that
// it passes.
var ErrUnscopedQuery = errors.New("bunstore: unscoped query on a workspace-scoped table")

// Check reports whether query (with its driver arguments, if any) may run
// in ctx: nil when it touches no registered table, when ctx comes from
// workspace.Unscoped, or when every reference to a registered table is
// restricted to the active workspace. The rule is in PRODUCTION.md.
// Errors: ErrUnscopedQuery (also wrapping workspace.ErrNoScope when ctx has
// no scope).
func (r *Registry) Check(ctx context.Context, query string, args []driver.NamedValue) error {
	names := *r.names.Load()
	if len(names) == 0 || !mentionsAny(query, names) {
		return nil
	}
	if _, ok := workspace.UnscopedReason(ctx); ok {
		return nil
	}
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		if err := checkSQL(query, names, uuid.Nil, args); err != nil {
			return fmt.Errorf("%w (%w)", err, workspace.ErrNoScope)
		}
		return nil
	}
	return checkSQL(query, names, sc.WorkspaceID, args)
}

// mentionsAny is the guard's fast path: most statements (the library's
// own) name no registered table at all.
func mentionsAny(query string, names map[string]struct{}) bool {
	for n := range names {
		if containsFold(query, n) {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	if len(sub) == 0 {
		return true
	}
	first := sub[0] | 0x20
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == first && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

type verdictKey struct{}

type verdict struct {
	query string
	err   error
}

// QueryHook returns a bun query hook that checks each statement bun is about
// to send and records the verdict in the statement's context. A hook cannot
// stop a query (bun ignores what BeforeQuery thinks); the Connector wrapper
// reads the verdict and refuses the statement before it reaches the server.
// With the hook, statements are read once; without it the connector reads
// them itself, so the hook is an optimisation, never the enforcement.
func (r *Registry) QueryHook() bun.QueryHook { return guardHook{r} }

type guardHook struct{ r *Registry }

func (h guardHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	names := *h.r.names.Load()
	if len(names) == 0 || !mentionsAny(e.Query, names) {
		return ctx
	}
	return context.WithValue(ctx, verdictKey{}, &verdict{query: e.Query, err: h.r.Check(ctx, e.Query, nil)})
}

func (guardHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// guardQuery is what the connector runs before sending a statement.
func (r *Registry) guardQuery(ctx context.Context, query string, args []driver.NamedValue) error {
	if len(args) == 0 {
		if v, ok := ctx.Value(verdictKey{}).(*verdict); ok && v.query == query {
			return v.err
		}
	}
	return r.Check(ctx, query, args)
}
