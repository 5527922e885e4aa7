package bunstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
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
	st := r.state.Load()
	// U& identifiers can spell a table's name without its letters.
	if len(st.names) == 0 || (!mentionsAny(query, st.names) && !containsFold(query, "u&")) {
		return nil
	}
	if _, ok := workspace.UnscopedReason(ctx); ok {
		return nil
	}
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		if err := st.check(query, uuid.Nil, args); err != nil {
			return fmt.Errorf("%w (%w)", err, workspace.ErrNoScope)
		}
		return nil
	}
	return st.check(query, sc.WorkspaceID, args)
}

// mentionsAny is the guard's fast path: most statements (the library's
// own) name no registered table at all.
func mentionsAny(query string, names map[string]struct{}) bool {
	for n := range names {
		// bun writes names in lower case: the vectorized exact search
		// settles most statements that do mention a table.
		if strings.Contains(query, n) || containsFold(query, n) {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	if len(sub) == 0 {
		return true
	}
	lo := sub[0] | 0x20
	if lo < 'a' || lo > 'z' {
		return strings.Contains(s, sub) || (hasUpper(sub) && containsFoldSlow(s, sub))
	}
	// Candidates start with either case of the first letter: find each
	// with the vectorized IndexByte, keeping the next one of each case.
	nextLo, nextUp := indexFrom(s, 0, lo), indexFrom(s, 0, lo-32)
	for {
		i := nextLo
		if nextUp >= 0 && (i < 0 || nextUp < i) {
			i = nextUp
		}
		if i < 0 || i+len(sub) > len(s) {
			return false
		}
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
		if i == nextLo {
			nextLo = indexFrom(s, i+1, lo)
		} else {
			nextUp = indexFrom(s, i+1, lo-32)
		}
	}
}

func indexFrom(s string, from int, c byte) int {
	if k := strings.IndexByte(s[from:], c); k >= 0 {
		return from + k
	}
	return -1
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z' {
			return true
		}
	}
	return false
}

// containsFoldSlow is for names that start with a non-letter.
func containsFoldSlow(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
