package bunstore

import (
	"strings"
)

// The guard reads the SQL that is about to be sent, so it needs a lexer that
// agrees with PostgreSQL on what is a string, an identifier and a comment:
// a table name inside a string literal is not a reference, and a comment
// must not hide one. Anything it cannot read (an unterminated literal,
// unbalanced parentheses) is refused rather than guessed.

type tokKind uint8

const (
	tkWord   tokKind = iota // bare identifier or keyword (case-insensitive)
	tkQuoted                // "quoted identifier" (case-sensitive)
	tkString                // 'string literal' (also E'', U&'', $$dollar$$)
	tkNumber
	tkParam // $1
	tkOpen  // (
	tkClose // )
	tkComma
	tkDot
	tkSemi
	tkOp // any other operator or punctuation, e.g. = :: <>
)

type token struct {
	kind tokKind
	// text is the raw source of the token; for quoted identifiers and
	// strings it excludes the delimiters but keeps doubled quotes (see
	// value).
	text string
	// esc is set when text holds doubled quotes or backslash escapes that
	// value must undo.
	esc byte
	// match is, for tkOpen, the index of its tkClose.
	match int
}

// value returns the token's text with escapes undone.
func (t token) value() string {
	switch t.esc {
	case '"':
		return strings.ReplaceAll(t.text, `""`, `"`)
	case '\'':
		return strings.ReplaceAll(t.text, `''`, `'`)
	case '\\':
		// E'' strings: the guard only ever compares their value with a
		// UUID, which needs no escapes, so an escape means "not a UUID".
		return "\x00"
	}
	return t.text
}

// is reports whether t is the keyword kw (given in upper case).
func (t token) is(kw string) bool {
	return t.kind == tkWord && len(t.text) == len(kw) && strings.EqualFold(t.text, kw)
}

// ident reports whether t names the identifier name (lower case) the way
// PostgreSQL resolves it: bare words fold to lower case, quoted ones don't.
func (t token) ident(name string) bool {
	switch t.kind {
	case tkWord:
		return len(t.text) == len(name) && strings.EqualFold(t.text, name)
	case tkQuoted:
		return t.value() == name
	}
	return false
}

// name returns the identifier as PostgreSQL resolves it.
func (t token) name() string {
	if t.kind == tkWord {
		return strings.ToLower(t.text)
	}
	return t.value()
}

type lexError string

func (e lexError) Error() string { return string(e) }

// lex splits sql into tokens and matches parentheses.
func lex(sql string, toks []token) ([]token, error) {
	var stack []int
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			// PostgreSQL block comments nest.
			depth := 0
			for {
				if i+1 >= len(sql) {
					return nil, lexError("unterminated comment")
				}
				if sql[i] == '/' && sql[i+1] == '*' {
					depth++
					i += 2
					continue
				}
				if sql[i] == '*' && sql[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
					continue
				}
				i++
			}
		case c == '\'':
			t, n, err := lexQuoted(sql[i:], '\'', false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		case (c == 'e' || c == 'E') && i+1 < len(sql) && sql[i+1] == '\'':
			t, n, err := lexQuoted(sql[i+1:], '\'', true)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n + 1
		case (c == 'u' || c == 'U') && i+2 < len(sql) && sql[i+1] == '&' && (sql[i+2] == '\'' || sql[i+2] == '"'):
			// Unicode escapes could spell anything; refuse to guess.
			return nil, lexError("U& literals are not supported")
		case c == '"':
			t, n, err := lexQuoted(sql[i:], '"', false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		case c == '$':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			if j > i+1 {
				toks = append(toks, token{kind: tkParam, text: sql[i+1 : j]})
				i = j
				continue
			}
			// Dollar quoting: $tag$ ... $tag$.
			j = i + 1
			for j < len(sql) && isIdentByte(sql[j]) {
				j++
			}
			if j >= len(sql) || sql[j] != '$' {
				return nil, lexError("stray $")
			}
			tag := sql[i : j+1]
			end := strings.Index(sql[j+1:], tag)
			if end < 0 {
				return nil, lexError("unterminated dollar-quoted string")
			}
			toks = append(toks, token{kind: tkString, text: sql[j+1 : j+1+end]})
			i = j + 1 + end + len(tag)
		case isIdentStart(c):
			j := i + 1
			for j < len(sql) && (isIdentByte(sql[j]) || sql[j] == '$') {
				j++
			}
			toks = append(toks, token{kind: tkWord, text: sql[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(sql) && (isIdentByte(sql[j]) || sql[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tkNumber, text: sql[i:j]})
			i = j
		case c == '(':
			stack = append(stack, len(toks))
			toks = append(toks, token{kind: tkOpen, text: "("})
			i++
		case c == ')':
			if len(stack) == 0 {
				return nil, lexError("unbalanced )")
			}
			open := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			toks[open].match = len(toks)
			toks = append(toks, token{kind: tkClose, text: ")"})
			i++
		case c == ',':
			toks = append(toks, token{kind: tkComma, text: ","})
			i++
		case c == '.':
			toks = append(toks, token{kind: tkDot, text: "."})
			i++
		case c == ';':
			toks = append(toks, token{kind: tkSemi, text: ";"})
			i++
		default:
			j := i + 1
			for j < len(sql) && isOpByte(sql[j]) && !(sql[j] == '-' && j+1 < len(sql) && sql[j+1] == '-') && !(sql[j] == '/' && j+1 < len(sql) && sql[j+1] == '*') {
				j++
			}
			if !isOpByte(c) {
				j = i + 1
			}
			toks = append(toks, token{kind: tkOp, text: sql[i:j]})
			i = j
		}
	}
	if len(stack) != 0 {
		return nil, lexError("unbalanced (")
	}
	return toks, nil
}

// lexQuoted reads a literal delimited by q at the start of s (doubled q
// escapes q; backslashes escape when backslash is set) and returns its
// token and length.
func lexQuoted(s string, q byte, backslash bool) (token, int, error) {
	kind := tkString
	if q == '"' {
		kind = tkQuoted
	}
	var esc byte
	for i := 1; i < len(s); i++ {
		switch {
		case backslash && s[i] == '\\':
			esc = '\\'
			i++
		case s[i] == q:
			if i+1 < len(s) && s[i+1] == q {
				if esc == 0 {
					esc = q
				}
				i++
				continue
			}
			return token{kind: kind, text: s[1:i], esc: esc}, i + 1, nil
		}
	}
	return token{}, 0, lexError("unterminated quoted text")
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentByte(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isOpByte(c byte) bool { return strings.IndexByte("+-*/<>=~!@#%^&|`?:", c) >= 0 }
