package bunstore

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Internals of the guard exposed to the external tests of the lexer, the
// verdict cache and the fuzz target.

// LexForTest returns sql's tokens as "kind:value" strings (an opening
// parenthesis also names the index of its match).
func LexForTest(sql string) ([]string, error) {
	toks, err := lex(sql, nil)
	if err != nil {
		return nil, err
	}
	kinds := [...]string{tkWord: "w", tkQuoted: "q", tkString: "s", tkNumber: "n", tkParam: "$", tkOpen: "(", tkClose: ")", tkComma: ",", tkDot: ".", tkSemi: ";", tkOp: "o"}
	out := make([]string, len(toks))
	for i, t := range toks {
		switch t.kind {
		case tkOpen:
			out[i] = fmt.Sprintf("(%d", t.match)
		case tkClose, tkComma, tkDot, tkSemi:
			out[i] = kinds[t.kind]
		default:
			out[i] = kinds[t.kind] + ":" + t.value()
		}
	}
	return out, nil
}

// ShapeForTest returns the verdict cache's key for query.
func ShapeForTest(query string, ws uuid.UUID) (string, bool) {
	b, ok := appendShape(nil, query, ws)
	return string(b), ok
}

// CheckUncachedForTest is Check's rule without the cache, the fast path
// or the context: the reference the cache must agree with.
func (r *Registry) CheckUncachedForTest(query string, ws uuid.UUID) error {
	return checkSQL(query, r.state.Load().names, ws, nil)
}

// ReferencesForTest reports whether the lexed query names a registered
// table other than as a column qualifier (nil error and false when it
// cannot be lexed).
func (r *Registry) ReferencesForTest(query string) bool {
	toks, err := lex(query, nil)
	if err != nil {
		return false
	}
	names := r.state.Load().names
	for i, t := range toks {
		if t.kind != tkWord && t.kind != tkQuoted {
			continue
		}
		if _, ok := names[t.name()]; ok && (i+1 >= len(toks) || toks[i+1].kind != tkDot) {
			return true
		}
	}
	return false
}

// ContainsIDForTest reports whether query holds id's text in any letter
// case.
func ContainsIDForTest(query string, id uuid.UUID) bool {
	return strings.Contains(strings.ToLower(query), id.String())
}
