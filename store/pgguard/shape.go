package pgguard

import (
	"database/sql/driver"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// A parse costs tens of microseconds, while an application sends few
// distinct statement shapes with many different values: bun writes values
// into the SQL text. The rule reads a literal only to ask "is this the
// active workspace's id?" (check.go), so a verdict is a function of the
// statement's shape: the text with each string constant replaced by 'W'
// (it is the active id) or '?' (it is not) and each number by 0, plus one
// mark per driver argument and whether the work is unscoped. The cache maps
// shapes to verdicts; a hit is one pass over the text and one map lookup.
//
// This is not a lexer and decides nothing: it abstracts a span only where
// the span is certainly one whole literal token for PostgreSQL, whatever
// other value of the same form stands there, and gives up (the statement is
// then parsed in full every time: slower, never different) on any text
// where that is not certain: a backslash anywhere (the meaning of a quote
// would depend on standard_conforming_strings), comments, dollar quoting,
// prefixed literals (E'', U&'', B'', X'', N''), string constants
// followed by another quote (PostgreSQL joins constants separated by a
// newline), numbers glued to letters or dots, unterminated quotes.
// FuzzGuard checks that every statement of one shape gets one verdict.

// cacheMax bounds the shapes kept per table set. A full cache is emptied
// rather than evicted entry by entry: shapes are few in a real
// application, so reaching the bound means something generates statements
// (IN lists of varying length, say) and a fresh start is as good as any
// eviction order.
const cacheMax = 4096

type verdictCache struct {
	mu sync.RWMutex
	m  map[string]error // nil: allowed
}

func (vc *verdictCache) get(key []byte) (error, bool) {
	vc.mu.RLock()
	err, ok := vc.m[string(key)]
	vc.mu.RUnlock()
	return err, ok
}

func (vc *verdictCache) put(key []byte, err error) {
	vc.mu.Lock()
	if vc.m == nil || len(vc.m) >= cacheMax {
		vc.m = make(map[string]error, 64)
	}
	vc.m[string(key)] = err
	vc.mu.Unlock()
}

func (vc *verdictCache) len() int {
	vc.mu.RLock()
	defer vc.mu.RUnlock()
	return len(vc.m)
}

// identByte marks the bytes PostgreSQL keeps inside an identifier after
// its first: letters, digits, _, $ and every byte of a multi-byte
// character.
var identByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '$' || b >= 0x80
	}
	return t
}()

// matters marks the bytes appendShape stops at.
var matters = func() (t [256]bool) {
	for _, b := range []byte("'\"\\-/$0123456789\x00") {
		t[b] = true
	}
	return t
}()

// appendShape appends the cache key of query to dst; ok is false when the
// text holds something it cannot abstract with certainty (see above).
func appendShape(dst []byte, query string, ws uuid.UUID, args []driver.NamedValue, unscoped bool) (key []byte, ok bool) {
	var wsText [36]byte
	if ws != uuid.Nil {
		encodeUUID(&wsText, ws)
	}
	n := len(query)
	run := 0 // start of the text not yet copied
	for i := 0; i < n; {
		for i < n && !matters[query[i]] {
			i++
		}
		if i >= n {
			break
		}
		switch c := query[i]; {
		case c == '\\' || c == 0:
			return dst, false
		case c == '\'':
			if i > 0 && (identByte[query[i-1]] || query[i-1] == '&' || query[i-1] == '\'') {
				return dst, false // a prefixed literal
			}
			j := closing(query, i, '\'')
			if j < 0 || strings.IndexAny(query[i:j], "\\\x00") >= 0 {
				return dst, false
			}
			k := j + 1
			for k < n && (query[k] == ' ' || query[k] == '\t' || query[k] == '\n' || query[k] == '\r' || query[k] == '\f' || query[k] == '\v') {
				k++
			}
			if k < n && query[k] == '\'' {
				return dst, false // constants joined across a newline
			}
			dst = append(dst, query[run:i]...)
			if ws != uuid.Nil && j-i-1 == 36 && isUUIDText(query[i+1:j], &wsText) {
				dst = append(dst, "'W'"...)
			} else {
				dst = append(dst, "'?'"...)
			}
			i = j + 1
			run = i
		case c == '"':
			if i > 0 && query[i-1] == '&' {
				return dst, false // U&"..." spells a name with escapes
			}
			j := closing(query, i, '"')
			if j < 0 {
				return dst, false
			}
			i = j + 1
		case c == '-' || c == '/':
			if i+1 < n && (c == '-' && query[i+1] == '-' || c == '/' && query[i+1] == '*') {
				return dst, false // a comment
			}
			i++
		case c == '$':
			j := i + 1
			for j < n && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j == i+1 {
				return dst, false // dollar quoting, or $ inside a name
			}
			i = j // a parameter ($1) or a name's digits: kept as written
		default: // a digit
			if i > 0 && (identByte[query[i-1]] || query[i-1] == '.') {
				// Inside a name: kept as written.
				for i < n && identByte[query[i]] {
					i++
				}
				continue
			}
			j := digits(query, i)
			if j < n && query[j] == '.' {
				if j+1 >= n || query[j+1] < '0' || query[j+1] > '9' {
					return dst, false
				}
				j = digits(query, j+1)
			}
			if j < n && (identByte[query[j]] || query[j] == '.') {
				return dst, false // 1e5, 0x1F, 1_000, 1.2.3
			}
			dst = append(dst, query[run:i]...)
			dst = append(dst, '0')
			i, run = j, j
		}
	}
	dst = append(dst, query[run:]...)
	dst = append(dst, 0)
	if unscoped {
		dst = append(dst, 'U')
	}
	for _, a := range args {
		if ws != uuid.Nil && argIs(a.Value, ws) {
			dst = append(dst, 'W')
		} else {
			dst = append(dst, '?')
		}
	}
	return dst, true
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// closing returns the index of the quote q closing the quoted text opened
// at s[i] (a doubled q is part of the text), or -1.
func closing(s string, i int, q byte) int {
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

// isUUIDText reports whether s (36 bytes) is the canonical text ws in
// either letter case.
func isUUIDText(s string, ws *[36]byte) bool {
	for i := 0; i < 36; i++ {
		c, w := s[i], ws[i]
		if c != w && !(w >= 'a' && w <= 'f' && c == w-32) {
			return false
		}
	}
	return true
}
