package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

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
// MaxBody bytes, one JSON value, no field v does not declare.
// Errors: errBadRequest, *http.MaxBytesError.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("%w: content type %q, want application/json", errBadRequest, r.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", errBadRequest)
	}
	return nil
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
