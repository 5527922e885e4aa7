package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// fail renders err as an error page with its problem's status and fixed
// texts (workspacehttp.ProblemOf). Errors the mapping does not know are
// 500 for the user and logged whole for the operator.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := workspacehttp.ProblemOf(err)
	if p.Status >= 500 {
		s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.problemPage(w, r, p)
}

// problemPage renders a problem: a missing login goes to the sign-in page,
// anything else is the error page, with the sidebar when a workspace is
// active. A workspace that does not exist, is not the user's, or is not
// even an id reaches here as the same 404 from the middleware, and renders
// the same bytes.
func (s *server) problemPage(w http.ResponseWriter, r *http.Request, p workspacehttp.Problem) {
	if p.Code == "unauthenticated" {
		to := "/login"
		if r.Method == http.MethodGet {
			to += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	pg, err := s.newPage(w, r, p.Title, "")
	if err != nil {
		pg.Nav = nil
	}
	pg.Data = p
	s.render(w, p.Status, "error", pg)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, workspace.ErrNotFound)
}

// htmlProblems turns the refusals workspacehttp's middleware writes itself
// (application/problem+json, before any handler of ours runs) into
// pages, keeping their status and fixed texts.
func (s *server) htmlProblems(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &problemCatcher{ResponseWriter: w}
		next.ServeHTTP(c, r)
		if c.status == 0 {
			return
		}
		var p workspacehttp.Problem
		if err := json.Unmarshal(c.body.Bytes(), &p); err != nil || p.Status != c.status {
			p = workspacehttp.ProblemOf(errors.New("web: unreadable problem from the middleware"))
		}
		w.Header().Del("Content-Type")
		w.Header().Del("X-Content-Type-Options")
		s.problemPage(w, r, p)
	})
}

// problemCatcher passes a response through unless it is a problem+json,
// which it keeps for htmlProblems.
type problemCatcher struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *problemCatcher) WriteHeader(code int) {
	if c.status == 0 && code >= 400 && c.Header().Get("Content-Type") == "application/problem+json" {
		c.status = code
		return
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *problemCatcher) Write(b []byte) (int, error) {
	if c.status != 0 {
		return c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (c *problemCatcher) Unwrap() http.ResponseWriter { return c.ResponseWriter }
