package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/api"
	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/internal/pgtest"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

var pg *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, &pg)) }

// clock is a settable clock, so invitations can expire in a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is the API over a seeded app, with the seeded workspaces' ids by
// name.
type env struct {
	t     *testing.T
	app   *app.App
	h     http.Handler
	clock *clock
	ws    map[string]uuid.UUID
}

// memory is the in-memory backend; postgres (pg_test.go) the other.
func memory(t *testing.T) *env { return newEnv(t, "") }

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	a, err := app.New(t.Context(), app.Config{DSN: dsn, Seed: true, Clock: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	e := &env{t: t, app: a, h: api.New(a), clock: clk, ws: map[string]uuid.UUID{}}
	for _, u := range []string{"alice", "dave"} {
		var list []selectorLine
		e.ok(u, "GET", "/api/workspaces", nil, &list)
		for _, l := range list {
			e.ws[l.Name] = l.ID
		}
	}
	require.Len(t, e.ws, 3)
	return e
}

// selectorLine is a line of GET /api/workspaces.
type selectorLine struct {
	ID           uuid.UUID      `json:"id"`
	AccountID    uuid.UUID      `json:"account_id"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Role         workspace.Role `json:"role"`
	AccountOwner bool           `json:"account_owner"`
}

// raw is a request body sent as is (not marshalled).
type raw string

// do sends a request as user ("" = nobody) with body marshalled as JSON
// (raw as is), and returns the recorded response.
func (e *env) do(user, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case raw:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(j)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		r.Header.Set(app.UserHeader, user)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

// call sends the request and requires status; a 2xx body is decoded into
// out when out is not nil.
func (e *env) call(user, method, path string, body any, status int, out any) *httptest.ResponseRecorder {
	e.t.Helper()
	rec := e.do(user, method, path, body)
	require.Equal(e.t, status, rec.Code, "%s %s as %q: %s", method, path, user, rec.Body.String())
	if out != nil {
		require.NoError(e.t, json.Unmarshal(rec.Body.Bytes(), out), rec.Body.String())
	}
	return rec
}

// ok is call expecting 200.
func (e *env) ok(user, method, path string, body any, out any) {
	e.t.Helper()
	e.call(user, method, path, body, http.StatusOK, out)
}

// refused sends the request and requires the problem with status and code.
func (e *env) refused(user, method, path string, body any, status int, code string) {
	e.t.Helper()
	rec := e.do(user, method, path, body)
	require.Equal(e.t, status, rec.Code, "%s %s as %q: %s", method, path, user, rec.Body.String())
	require.Equal(e.t, "application/problem+json", rec.Header().Get("Content-Type"))
	var p workspacehttp.Problem
	require.NoError(e.t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(e.t, code, p.Code, "%s %s as %q", method, path, user)
	require.Equal(e.t, status, p.Status)
}

// path is /api/workspaces/<id of the named workspace> + rest.
func (e *env) path(name, rest string) string {
	e.t.Helper()
	id, ok := e.ws[name]
	require.True(e.t, ok, name)
	return "/api/workspaces/" + id.String() + rest
}

// selector is user's workspace name -> role.
func (e *env) selector(user string) map[string]workspace.Role {
	e.t.Helper()
	var list []selectorLine
	e.ok(user, "GET", "/api/workspaces", nil, &list)
	out := map[string]workspace.Role{}
	for _, l := range list {
		out[l.Name] = l.Role
	}
	return out
}

type item struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Detail string    `json:"detail"`
}

func (e *env) items(user, ws, kind string) []item {
	e.t.Helper()
	var out []item
	e.ok(user, "GET", e.path(ws, "/"+kind), nil, &out)
	return out
}

func itemNames(items []item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

type sentInvitation struct {
	Invitation struct {
		ID     uuid.UUID      `json:"id"`
		Email  string         `json:"email"`
		Role   workspace.Role `json:"role"`
		Status string         `json:"status"`
	} `json:"invitation"`
	Token string `json:"token"`
	Link  string `json:"link"`
}

// invite sends an invitation from user in ws and returns it.
func (e *env) invite(user, ws, email string, role workspace.Role) sentInvitation {
	e.t.Helper()
	var out sentInvitation
	e.call(user, "POST", e.path(ws, "/invitations"), map[string]any{"email": email, "role": role}, http.StatusCreated, &out)
	return out
}

type scopeReply struct {
	Scope struct {
		WorkspaceID uuid.UUID      `json:"workspace_id"`
		UserID      string         `json:"user_id"`
		Role        workspace.Role `json:"role"`
	} `json:"scope"`
	Workspace struct {
		ID   uuid.UUID `json:"id"`
		Name string    `json:"name"`
	} `json:"workspace"`
}

func (e *env) accept(user, token string) scopeReply {
	e.t.Helper()
	var out scopeReply
	e.ok(user, "POST", "/api/invitations/accept", map[string]string{"token": token}, &out)
	return out
}

type member struct {
	UserID       string         `json:"user_id"`
	Name         string         `json:"name"`
	Role         workspace.Role `json:"role"`
	AccountOwner bool           `json:"account_owner"`
}

func (e *env) team(user, ws string) map[string]workspace.Role {
	e.t.Helper()
	var ms []member
	e.ok(user, "GET", e.path(ws, "/team"), nil, &ms)
	out := map[string]workspace.Role{}
	for _, m := range ms {
		out[m.UserID] = m.Role
	}
	return out
}

func (e *env) permissions(user, ws string) []string {
	e.t.Helper()
	var out struct {
		Permissions []string `json:"permissions"`
	}
	e.ok(user, "GET", e.path(ws, "/permissions"), nil, &out)
	return out.Permissions
}

// kinds are the resource kinds, from the API.
func (e *env) kinds() []string {
	e.t.Helper()
	var rs []struct {
		Kind string `json:"kind"`
	}
	e.ok("", "GET", "/api/resources", nil, &rs)
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Kind)
	}
	return out
}
