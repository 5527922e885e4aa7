package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/workspacekit/workspacekit/workspace"
)

// CheckChange is for store implementations of workspace.ChangeAppender: it
// returns workspace.ErrInvalid for a change that PostgreSQL's change log
// could not store, so that every store refuses the same ones before writing
// anything: an empty Kind, a NUL byte in Kind or Actor (see CheckText), or
// a Payload that is not valid JSON in UTF-8, or that jsonb refuses: a
// \u0000 escape, an unpaired surrogate escape, or a number beyond
// PostgreSQL's numeric (more than 131072 digits before the decimal point
// or 16383 after it). An empty Payload is valid (no payload).
func CheckChange(c workspace.Change) error {
	if c.Kind == "" {
		return fmt.Errorf("%w: a change needs a kind", workspace.ErrInvalid)
	}
	if err := CheckText("AppendChange", c.Kind, c.Actor); err != nil {
		return err
	}
	if len(c.Payload) == 0 {
		return nil
	}
	if !utf8.Valid(c.Payload) || !json.Valid(c.Payload) {
		return fmt.Errorf("%w: change %s: the payload is not valid JSON in UTF-8", workspace.ErrInvalid, c.Kind)
	}
	if err := jsonbEscapes(c.Payload); err != nil {
		return fmt.Errorf("%w: change %s: %s", workspace.ErrInvalid, c.Kind, err)
	}
	if err := jsonbNumbers(c.Payload); err != nil {
		return fmt.Errorf("%w: change %s: %s", workspace.ErrInvalid, c.Kind, err)
	}
	return nil
}

// PostgreSQL's numeric: at most 32767 base-10000 digits before the point
// (so 131072 decimal digits), a display scale of at most 16383, and an
// exponent below INT_MAX/2 in magnitude in its input.
const (
	numericMaxPower    = 131071
	numericMaxScale    = 16383
	numericMaxExponent = 1<<30 - 1
)

// jsonbNumbers finds a number of valid JSON that jsonb's numeric refuses.
func jsonbNumbers(js []byte) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n, ok := tok.(json.Number); ok && !numericFits(string(n)) {
			return fmt.Errorf("the number %.40s overflows PostgreSQL's numeric", n)
		}
	}
}

// numericFits reports whether PostgreSQL's numeric input accepts the JSON
// number n.
func numericFits(n string) bool {
	n = strings.TrimPrefix(n, "-")
	mantissa, exp, hasExp := strings.Cut(strings.ToLower(n), "e")
	intPart, frac, _ := strings.Cut(mantissa, ".")
	e := int64(0)
	if hasExp {
		sign := int64(1)
		switch {
		case strings.HasPrefix(exp, "-"):
			sign, exp = -1, exp[1:]
		case strings.HasPrefix(exp, "+"):
			exp = exp[1:]
		}
		exp = strings.TrimLeft(exp, "0")
		if len(exp) > 10 {
			return false
		}
		v, err := strconv.ParseInt("0"+exp, 10, 64)
		if err != nil || v >= numericMaxExponent {
			return false
		}
		e = sign * v
	}
	if int64(len(frac))-e > numericMaxScale {
		return false
	}
	digits := intPart + frac
	k := strings.IndexFunc(digits, func(r rune) bool { return r != '0' })
	if k < 0 {
		return true // zero
	}
	return int64(len(intPart)-1-k)+e <= numericMaxPower
}

// jsonbEscapes finds the \u escapes of valid JSON that jsonb refuses:
// \u0000, which text cannot hold, and a surrogate that is not half of a
// pair.
func jsonbEscapes(js []byte) error {
	inString := false
	pendingHigh := false // the previous escape was a high surrogate
	for i := 0; i < len(js); i++ {
		b := js[i]
		if !inString {
			if b == '"' {
				inString = true
			}
			continue
		}
		if b == '"' || b != '\\' {
			if pendingHigh {
				return fmt.Errorf("the payload holds an unpaired surrogate escape")
			}
			if b == '"' {
				inString = false
			}
			continue
		}
		// An escape: json.Valid checked its shape.
		i++
		if js[i] != 'u' {
			if pendingHigh {
				return fmt.Errorf("the payload holds an unpaired surrogate escape")
			}
			continue
		}
		r := hex4(js[i+1 : i+5])
		i += 4
		switch {
		case r == 0:
			return fmt.Errorf("the payload holds a \\u0000 escape, which PostgreSQL's jsonb cannot store")
		case r >= 0xD800 && r < 0xDC00:
			if pendingHigh {
				return fmt.Errorf("the payload holds an unpaired surrogate escape")
			}
			pendingHigh = true
		case r >= 0xDC00 && r < 0xE000:
			if !pendingHigh {
				return fmt.Errorf("the payload holds an unpaired surrogate escape")
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return fmt.Errorf("the payload holds an unpaired surrogate escape")
			}
		}
	}
	return nil
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}
