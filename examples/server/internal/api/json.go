package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"

	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// MaxBody bounds a request body: every body of this API is a few fields.
const MaxBody = 64 << 10

// errBadRequest is a body that is not the JSON a route takes: not JSON,
// unknown fields, trailing data, another content type, too large.
// workspacehttp's mapping is about the library's sentinels and has no row
// for it, so the API answers it itself (400 bad-request, 413 too-large)
// in the same problem shape; every other error goes through WriteError.
var errBadRequest = errors.New("api: bad request")

// handler is a route that returns its error instead of writing it, so
// that every error takes one path (fail).
type handler func(w http.ResponseWriter, r *http.Request) error

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		fail(w, err)
	}
}

func fail(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeProblem(w, workspacehttp.Problem{Type: "urn:workspacekit:example:problem:too-large", Title: http.StatusText(http.StatusRequestEntityTooLarge),
			Status: http.StatusRequestEntityTooLarge, Detail: "The request body is too large.", Code: "too-large"})
	case errors.Is(err, errBadRequest):
		writeProblem(w, workspacehttp.Problem{Type: "urn:workspacekit:example:problem:bad-request", Title: http.StatusText(http.StatusBadRequest),
			Status: http.StatusBadRequest, Detail: "The request body is not the JSON this route takes.", Code: "bad-request"})
	default:
		workspacehttp.WriteError(w, err)
	}
}

func writeProblem(w http.ResponseWriter, p workspacehttp.Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// decode reads r's body into v strictly: application/json, at most
// MaxBody bytes, one JSON value, no field v does not declare, no key twice
// in an object (see noRepeatedKeys). Errors: errBadRequest,
// *http.MaxBytesError.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("%w: content type %q, want application/json", errBadRequest, r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if err := noRepeatedKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", errBadRequest)
	}
	return nil
}

// maxDepth bounds the nesting of a body: the deepest this API takes is an
// object in an object (POST /api/accounts) or an array in one.
const maxDepth = 8

// noRepeatedKeys refuses a body in which an object, at any depth, has a
// key twice. encoding/json would keep the last one, and it matches keys to
// fields case-insensitively, so {"role":"viewer","ROLE":"owner"} would be
// owner too: anything in front of the API that reads the body (a gateway
// rule, an audit log, a WAF) could see another request than the one the
// server acts on. Keys are compared as encoding/json matches them to
// fields (after unescaping, under Unicode case folding), which is right
// for this API's bodies: objects of fields, never maps keyed by data.
// It also refuses a body that is not exactly one JSON value, or nests
// deeper than maxDepth. Errors: errBadRequest.
func noRepeatedKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := walkValue(dec, 0); err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", errBadRequest)
	}
	return nil
}

// walkValue reads one value's tokens from dec, checking every object's
// keys.
func walkValue(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	if depth >= maxDepth {
		return fmt.Errorf("nested deeper than %d", maxDepth)
	}
	var seen map[string]string // folded key -> the key as sent
	if delim == '{' {
		seen = map[string]string{}
	}
	for dec.More() {
		if seen != nil {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string) // in an object, Token returns keys as strings
			folded := foldKey(key)
			if first, dup := seen[folded]; dup {
				return fmt.Errorf("key %q repeats %q", key, first)
			}
			seen[folded] = key
		}
		if err := walkValue(dec, depth+1); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing '}' or ']'
	return err
}

// foldKey maps every key that strings.EqualFold (encoding/json's
// case-insensitive field match) holds equal to one string: each rune
// becomes the smallest of its Unicode case-folding orbit, so "role",
// "ROLE" and "Role" fold alike, and so do "k", "K" and the Kelvin sign.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// reply writes v as JSON with status. Responses are per user, so nothing
// may cache them.
func reply(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Past the header, a failed write is the client's gone connection:
	// nothing left to tell it.
	_ = json.NewEncoder(w).Encode(v)
	return nil
}

// noContent answers a change that has nothing to return.
func noContent(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
