package bunstore

import (
	"database/sql/driver"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// The guard runs on every statement, and lexing plus checking one costs
// tens of microseconds, while an application sends few distinct statement
// shapes with many different values. The checker (guard_check.go) looks at
// a string literal only to ask "is this the active workspace id?" and at a
// number only as a token, so its verdict is a function of the statement's
// shape: the text with every number replaced by 0 and every string literal
// by 'W' (it is the active id) or '?' (it is not). The cache maps shapes to
// verdicts; the hot path is one pass over the text and one map lookup.
//
// Text the shape cannot represent exactly (comments, E'' and dollar-quoted
// strings, U& literals, unterminated quotes) and statements with driver
// arguments (whose values the checker reads) skip the cache and are
// checked in full every time: slower, never different.

// cacheMax bounds the number of shapes kept per registry generation. A
// full cache is emptied rather than evicted entry by entry: shapes are few
// in a real application, so reaching the bound means something generates
// statements (IN lists of varying length, say) and a fresh start is as
// good as any eviction order.
const cacheMax = 4096

// guardState is what the guard reads on every statement, replaced as a
// whole by Register so the hot path takes no registry lock and never sees
// a verdict computed for another set of tables.
type guardState struct {
	names map[string]struct{} // registered table names, lower case
	cache verdictCache
}

type verdictCache struct {
	mu sync.RWMutex
	m  map[string]error // nil: allowed
}

// check returns the verdict on query for workspace ws (uuid.Nil: no scope).
func (st *guardState) check(query string, ws uuid.UUID, args []driver.NamedValue) error {
	if len(args) > 0 {
		return checkSQL(query, st.names, ws, args)
	}
	var arr [512]byte
	key, ok := appendShape(arr[:0], query, ws)
	if !ok {
		return checkSQL(query, st.names, ws, nil)
	}
	c := &st.cache
	c.mu.RLock()
	err, hit := c.m[string(key)]
	c.mu.RUnlock()
	if hit {
		return err
	}
	err = checkSQL(query, st.names, ws, nil)
	c.mu.Lock()
	if len(c.m) >= cacheMax || c.m == nil {
		c.m = make(map[string]error, 64)
	}
	c.m[string(key)] = err
	c.mu.Unlock()
	return err
}

// appendShape appends the shape of query to dst (see above). ok is false
// when query holds something the shape cannot represent exactly; the
// tokens it keeps are split exactly where lex splits them. This is the hot
// path: it jumps from one byte that matters to the next (quotes, digits,
// the starts of comments, $ and &) and copies the text between literals
// in runs. Whether a byte starts a token is read from the byte before it,
// which is what lex's identifier and number rules come down to.
func appendShape(dst []byte, query string, ws uuid.UUID) (shape []byte, ok bool) {
	var wsText [36]byte
	encoded := false
	n := len(query)
	run := 0     // start of the text not yet copied
	numEnd := -1 // where the last number ended: a token starts there
	tokenStart := func(i int) bool {
		return i == 0 || i == numEnd || shapeClass[query[i-1]]&clIdentByte == 0
	}
	for i := 0; i < n; {
		for i < n && shapeClass[query[i]]&clMatters == 0 {
			i++
		}
		if i >= n {
			break
		}
		switch c := query[i]; {
		case c == '\'':
			if i > 0 && query[i-1]|0x20 == 'e' && tokenStart(i-1) {
				return dst, false // E'' literal
			}
			j := closing(query, i, '\'')
			if j < 0 {
				return dst, false
			}
			dst = append(dst, query[run:i]...)
			if ws != uuid.Nil && j-i-1 == 36 {
				if !encoded {
					encodeUUID(&wsText, ws)
					encoded = true
				}
				if isUUIDText(query[i+1:j], &wsText) {
					dst = append(dst, "'W'"...)
				} else {
					dst = append(dst, "'?'"...)
				}
			} else {
				dst = append(dst, "'?'"...)
			}
			i = j + 1
			run = i
		case c == '"':
			j := closing(query, i, '"')
			if j < 0 {
				return dst, false
			}
			i = j + 1
		case c >= '0' && c <= '9':
			if !tokenStart(i) {
				i++ // inside a name or a number
				continue
			}
			dst = append(dst, query[run:i]...)
			dst = append(dst, '0')
			i++
			for i < n && ((shapeClass[query[i]]&clIdentByte != 0 && query[i] != '$') || query[i] == '.') {
				i++
			}
			run, numEnd = i, i
		case c == '-' || c == '/':
			if i+1 < n && ((c == '-' && query[i+1] == '-') || (c == '/' && query[i+1] == '*')) {
				return dst, false // a comment
			}
			i++
		case c == '$':
			if !tokenStart(i) {
				i++
				continue
			}
			j := i + 1
			for j < n && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j == i+1 {
				return dst, false // dollar quoting
			}
			i, numEnd = j, j // the parameter's digits are not a name's
		case c == '&':
			if i > 0 && query[i-1]|0x20 == 'u' && tokenStart(i-1) {
				return dst, false // U& literal
			}
			i++
		default:
			i++
		}
	}
	return append(dst, query[run:]...), true
}

// closing returns the index of the quote q closing the quoted text opened
// at s[i] (a doubled q is part of the text), or -1.
func closing(s string, i int, q byte) int {
	// A plain loop: quoted names and values are short, shorter than what
	// makes strings.IndexByte's call pay.
	for j := i + 1; j < len(s); j++ {
		if s[j] != q {
			continue
		}
		if j+1 < len(s) && s[j+1] == q {
			j++
			continue
		}
		return j
	}
	return -1
}

// Byte classes for appendShape: clIdentByte marks the bytes lex keeps
// inside a name after its first (letters, digits, _, $, bytes >= 0x80),
// clMatters the bytes appendShape must look at.
const (
	clIdentByte uint8 = 1 << iota
	clMatters
)

var shapeClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isIdentByte(b) || b == '$' {
			t[c] |= clIdentByte
		}
		if (b >= '0' && b <= '9') || strings.IndexByte(`'"-/$&`, b) >= 0 {
			t[c] |= clMatters
		}
	}
	return t
}()

const hexDigits = "0123456789abcdef"

func encodeUUID(dst *[36]byte, id uuid.UUID) {
	j := 0
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexDigits[b>>4], hexDigits[b&0xf]
		j += 2
	}
}

// isUUIDText reports whether s (36 bytes) is the UUID whose canonical text
// is ws, in either letter case: what uuid.Parse accepts in 36 characters.
func isUUIDText(s string, ws *[36]byte) bool {
	for i := 0; i < 36; i++ {
		c, w := s[i], ws[i]
		if c != w && !(w >= 'a' && w <= 'f' && c == w-32) {
			return false
		}
	}
	return true
}
