package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

var secretShape = regexp.MustCompile(`^wsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$`)

type apiKey struct {
	ID            uuid.UUID      `json:"id"`
	Name          string         `json:"name"`
	Prefix        string         `json:"prefix"`
	Role          workspace.Role `json:"role"`
	CreatedBy     string         `json:"created_by"`
	CreatedByName string         `json:"created_by_name"`
	CreatedAt     time.Time      `json:"created_at"`
	ExpiresAt     *time.Time     `json:"expires_at"`
	LastUsedAt    *time.Time     `json:"last_used_at"`
	RevokedAt     *time.Time     `json:"revoked_at"`
	Status        string         `json:"status"`
}

type createdKey struct {
	Key    apiKey `json:"key"`
	Secret string `json:"secret"`
}

// createKey makes a key as user in ws and returns it with its secret.
func (e *env) createKey(user, ws, name string, role workspace.Role) createdKey {
	e.t.Helper()
	var out createdKey
	rec := e.call(user, "POST", e.path(ws, "/api-keys"), map[string]any{"name": name, "role": role}, http.StatusCreated, &out)
	require.Equal(e.t, "no-store", rec.Header().Get("Cache-Control"), "the secret is never cached")
	require.Regexp(e.t, secretShape, out.Secret)
	require.True(e.t, strings.HasPrefix(out.Secret, out.Key.Prefix+"_"))
	return out
}

// keys is the list of ws's keys as user sees it, and its raw body.
func (e *env) keys(user, ws string) ([]apiKey, string) {
	e.t.Helper()
	var out []apiKey
	rec := e.call(user, "GET", e.path(ws, "/api-keys"), nil, http.StatusOK, &out)
	return out, rec.Body.String()
}

// withKey sends a request with "Authorization: Bearer secret" and nothing
// else that says who (more headers in pairs).
func (e *env) withKey(secret, method, path string, body any, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd *bytes.Reader
	if body == nil {
		rd = bytes.NewReader(nil)
	} else {
		j, err := json.Marshal(body)
		require.NoError(e.t, err)
		rd = bytes.NewReader(j)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+secret)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

// problem requires rec to be the problem with status and code.
func problem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	var p workspacehttp.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), rec.Body.String())
	require.Equal(t, code, p.Code)
}

// TestAPIKeys: the key flow end to end on memory (TestPostgres runs it on
// PostgreSQL).
func TestAPIKeys(t *testing.T) { flowKeys(t, memory(t)) }

// A key made through the API works as a Bearer token in its workspace with
// its role, nowhere else; its role changes and its revocation hold from
// its next request; the secret is in the creation's answer only.
func flowKeys(t *testing.T, e *env) {
	sales := func(rest string) string { return e.path(app.SeedSales, rest) }
	seeded, _ := e.keys("alice", app.SeedSales)
	require.Len(t, seeded, 1)
	require.Equal(t, app.SeedKeySales, seeded[0].Name)

	made := e.createKey("alice", app.SeedSales, "CI deploys", workspace.RoleMember)
	k, secret := made.Key, made.Secret
	require.Equal(t, "CI deploys", k.Name)
	require.Equal(t, workspace.RoleMember, k.Role)
	require.Equal(t, "alice", k.CreatedBy)
	require.Equal(t, "Alice Anders", k.CreatedByName)
	require.Equal(t, "active", k.Status)
	require.Nil(t, k.ExpiresAt)
	require.Nil(t, k.LastUsedAt)
	require.Nil(t, k.RevokedAt)

	// The list (and a key's own GET) never holds the secret, nor a hash.
	list, body := e.keys("alice", app.SeedSales)
	require.Len(t, list, 2)
	require.Equal(t, k, list[1])
	random := secret[len(k.Prefix)+1:]
	require.NotContains(t, body, random)
	require.NotContains(t, body, "secret")
	require.NotContains(t, strings.ToLower(body), "hash")
	rec := e.call("alice", "GET", sales("/api-keys/"+k.ID.String()), nil, http.StatusOK, nil)
	require.NotContains(t, rec.Body.String(), random)

	// The secret works as a Bearer token: Sales' agents, read and created
	// (a member may create, not delete).
	rec = e.withKey(secret, "GET", sales("/agents"), nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var agents []item
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &agents))
	require.Equal(t, itemNames(e.items("alice", app.SeedSales, "agents")), itemNames(agents))
	rec = e.withKey(secret, "POST", sales("/agents"), map[string]string{"name": "Made by CI"})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Contains(t, itemNames(e.items("alice", app.SeedSales, "agents")), "Made by CI")
	problem(t, e.withKey(secret, "DELETE", sales("/agents/"+agents[0].ID.String()), nil), http.StatusForbidden, "forbidden")
	// The key wins over whatever else the request says: alice's header
	// does not make it alice.
	problem(t, e.withKey(secret, "DELETE", sales("/agents/"+agents[0].ID.String()), nil, app.UserHeader, "alice"), http.StatusForbidden, "forbidden")

	// Another workspace, of the same account or not, is the same 404 as
	// one that does not exist, body and all; nothing changes there.
	unknown := e.withKey(secret, "GET", "/api/workspaces/"+uuid.NewString()+"/agents", nil)
	problem(t, unknown, http.StatusNotFound, "not-found")
	for _, ws := range []string{app.SeedSupport, app.SeedGlobexHQ} {
		rec := e.withKey(secret, "GET", e.path(ws, "/agents"), nil)
		problem(t, rec, http.StatusNotFound, "not-found")
		require.Equal(t, unknown.Body.String(), rec.Body.String(), ws)
		problem(t, e.withKey(secret, "POST", e.path(ws, "/agents"), map[string]string{"name": "Sneaky"}), http.StatusNotFound, "not-found")
	}
	require.NotContains(t, itemNames(e.items("alice", app.SeedSupport, "agents")), "Sneaky")

	// A key cannot make, change or revoke keys, its own included, and the
	// routes for a person refuse it.
	problem(t, e.withKey(secret, "POST", sales("/api-keys"), map[string]string{"name": "child", "role": "viewer"}), http.StatusForbidden, "forbidden")
	problem(t, e.withKey(secret, "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{"role": "admin"}), http.StatusForbidden, "forbidden")
	problem(t, e.withKey(secret, "DELETE", sales("/api-keys/"+seeded[0].ID.String()), nil), http.StatusForbidden, "forbidden")
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/me", nil}, {"GET", "/api/workspaces", nil}, {"POST", sales("/switch"), nil},
		{"POST", sales("/leave"), nil}, {"POST", "/api/accounts", map[string]any{"name": "Keyco", "workspace": map[string]string{"name": "Main"}}},
		{"POST", "/api/invitations/accept", map[string]string{"token": "x"}},
		{"POST", sales("/account/transfer"), map[string]string{"to": "bob"}},
	} {
		problem(t, e.withKey(secret, r.method, r.path, r.body), http.StatusForbidden, "forbidden")
	}
	// A member key reads the list (api_keys:read), without secrets.
	rec = e.withKey(secret, "GET", sales("/api-keys"), nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), random)

	// Role changes hold from the key's next request.
	var changed apiKey
	e.ok("alice", "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{"role": "viewer"}, &changed)
	require.Equal(t, workspace.RoleViewer, changed.Role)
	problem(t, e.withKey(secret, "POST", sales("/agents"), map[string]string{"name": "Viewer now"}), http.StatusForbidden, "forbidden")
	require.Equal(t, http.StatusOK, e.withKey(secret, "GET", sales("/agents"), nil).Code)
	e.ok("alice", "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{"role": "admin", "name": "CI (admin)"}, &changed)
	require.Equal(t, workspace.RoleAdmin, changed.Role)
	require.Equal(t, "CI (admin)", changed.Name)
	rec = e.withKey(secret, "DELETE", sales("/agents/"+agents[0].ID.String()), nil)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	// An admin key holds settings:create, but a new workspace would make
	// its creator a member there, outside the key's workspace: refused.
	before := e.selector("alice")
	problem(t, e.withKey(secret, "POST", sales("/account/workspaces"), map[string]string{"name": "Key's own"}), http.StatusForbidden, "forbidden")
	require.Equal(t, before, e.selector("alice"), "no workspace made")
	// Both or neither: an invalid role leaves the name as it was.
	e.refused("alice", "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{"name": "Renamed", "role": "nope"}, http.StatusUnprocessableEntity, "invalid")
	e.refused("alice", "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{}, http.StatusUnprocessableEntity, "invalid")
	var got apiKey
	e.ok("alice", "GET", sales("/api-keys/"+k.ID.String()), nil, &got)
	require.Equal(t, "CI (admin)", got.Name)
	// bob (admin) cannot lift a key above his own role, nor touch an
	// owner's key.
	e.refused("bob", "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{"role": "owner"}, http.StatusForbidden, "forbidden")
	e.refused("bob", "POST", sales("/api-keys"), map[string]string{"name": "root", "role": "owner"}, http.StatusForbidden, "forbidden")

	// The last use is written in batches (every minute, and when the app
	// closes); once written the list shows it.
	require.NoError(t, e.app.Kit.Keys.FlushLastUsed(t.Context()))
	e.ok("alice", "GET", sales("/api-keys/"+k.ID.String()), nil, &got)
	require.NotNil(t, got.LastUsedAt)
	require.True(t, got.LastUsedAt.Equal(e.clock.Now()), "%v", got.LastUsedAt)

	// Revoked: the same call is 401 api-key-revoked at once; the key
	// stays listed as revoked; revoking again is a conflict.
	e.call("alice", "DELETE", sales("/api-keys/"+k.ID.String()), nil, http.StatusNoContent, nil)
	problem(t, e.withKey(secret, "GET", sales("/agents"), nil), http.StatusUnauthorized, "api-key-revoked")
	problem(t, e.withKey(secret, "GET", "/api/me", nil), http.StatusUnauthorized, "api-key-revoked")
	e.refused("alice", "DELETE", sales("/api-keys/"+k.ID.String()), nil, http.StatusConflict, "conflict")
	e.refused("alice", "PATCH", sales("/api-keys/"+k.ID.String()), map[string]string{"name": "Back"}, http.StatusConflict, "conflict")
	list, _ = e.keys("alice", app.SeedSales)
	require.Equal(t, "revoked", list[1].Status)
	require.NotNil(t, list[1].RevokedAt)

	// A bad key is 401, never the login's fallback.
	problem(t, e.withKey("wsk_nonsense", "GET", sales("/agents"), nil, app.UserHeader, "alice"), http.StatusUnauthorized, "api-key-unknown")
	forged := secret[:len(secret)-4] + "AAAA"
	problem(t, e.withKey(forged, "GET", sales("/agents"), nil), http.StatusUnauthorized, "api-key-unknown")

	// Expiry: the key works until then, 401 api-key-expired after.
	var timed createdKey
	e.call("alice", "POST", sales("/api-keys"), map[string]any{"name": "Short", "role": "viewer", "expires_at": e.clock.Now().Add(time.Hour)},
		http.StatusCreated, &timed)
	require.NotNil(t, timed.Key.ExpiresAt)
	require.Equal(t, http.StatusOK, e.withKey(timed.Secret, "GET", sales("/agents"), nil).Code)
	e.clock.advance(2 * time.Hour)
	problem(t, e.withKey(timed.Secret, "GET", sales("/agents"), nil), http.StatusUnauthorized, "api-key-expired")
	e.ok("alice", "GET", sales("/api-keys/"+timed.Key.ID.String()), nil, &got)
	require.Equal(t, "expired", got.Status)
	e.refused("alice", "POST", sales("/api-keys"), map[string]any{"name": "Past", "role": "viewer", "expires_at": e.clock.Now().Add(-time.Minute)},
		http.StatusUnprocessableEntity, "invalid")
	e.refused("alice", "POST", sales("/api-keys"), raw(`{"name":"Bad","role":"viewer","expires_at":"tomorrow"}`), http.StatusBadRequest, "bad-request")
}

// Who may manage keys: a viewer neither reads nor creates them (403), a
// member reads but does not create or revoke, and another workspace's key
// is not found from this one's path.
func TestAPIKeyPermissions(t *testing.T) { flowKeyPermissions(t, memory(t)) }

func flowKeyPermissions(t *testing.T, e *env) {
	support := func(rest string) string { return e.path(app.SeedSupport, rest) }
	e.refused("bob", "GET", support("/api-keys"), nil, http.StatusForbidden, "forbidden")
	e.refused("bob", "POST", support("/api-keys"), map[string]string{"name": "Mine", "role": "viewer"}, http.StatusForbidden, "forbidden")
	list, _ := e.keys("alice", app.SeedSupport)
	require.Empty(t, list, "bob's refusal made nothing")

	sales, _ := e.keys("carol", app.SeedSales)
	require.Len(t, sales, 1)
	e.refused("carol", "POST", e.path(app.SeedSales, "/api-keys"), map[string]string{"name": "Mine", "role": "viewer"}, http.StatusForbidden, "forbidden")
	e.refused("carol", "DELETE", e.path(app.SeedSales, "/api-keys/"+sales[0].ID.String()), nil, http.StatusForbidden, "forbidden")
	e.refused("carol", "PATCH", e.path(app.SeedSales, "/api-keys/"+sales[0].ID.String()), map[string]string{"name": "x"}, http.StatusForbidden, "forbidden")

	// Sales' key from Support's path (alice owns both): not found, and
	// still active.
	e.refused("alice", "GET", support("/api-keys/"+sales[0].ID.String()), nil, http.StatusNotFound, "not-found")
	e.refused("alice", "DELETE", support("/api-keys/"+sales[0].ID.String()), nil, http.StatusNotFound, "not-found")
	e.refused("alice", "PATCH", support("/api-keys/"+sales[0].ID.String()), map[string]string{"role": "viewer"}, http.StatusNotFound, "not-found")
	e.refused("alice", "DELETE", support("/api-keys/not-an-id"), nil, http.StatusNotFound, "not-found")
	sales, _ = e.keys("alice", app.SeedSales)
	require.Equal(t, "active", sales[0].Status)
	require.Equal(t, workspace.RoleMember, sales[0].Role)
}

// The plan's MaxAPIKeys: Globex HQ (free: two) holds the seeded key, takes
// one more, then 402; revoking one frees its place. The account route
// shows the limit.
func TestAPIKeyPlanLimit(t *testing.T) { flowKeyPlanLimit(t, memory(t)) }

func flowKeyPlanLimit(t *testing.T, e *env) {
	var acct struct {
		Plan   string `json:"plan"`
		Limits struct {
			MaxAPIKeys int `json:"max_api_keys"`
		} `json:"limits"`
	}
	e.ok("dave", "GET", e.path(app.SeedGlobexHQ, "/account"), nil, &acct)
	require.Equal(t, app.PlanFree, acct.Plan)
	require.Equal(t, 2, acct.Limits.MaxAPIKeys)

	second := e.createKey("dave", app.SeedGlobexHQ, "Second", workspace.RoleMember)
	e.refused("dave", "POST", e.path(app.SeedGlobexHQ, "/api-keys"), map[string]string{"name": "Third", "role": "member"}, http.StatusPaymentRequired, "plan-limit")
	e.call("dave", "DELETE", e.path(app.SeedGlobexHQ, "/api-keys/"+second.Key.ID.String()), nil, http.StatusNoContent, nil)
	e.createKey("dave", app.SeedGlobexHQ, "Third", workspace.RoleMember)
	list, _ := e.keys("dave", app.SeedGlobexHQ)
	require.Len(t, list, 3, "the revoked key stays listed")
}

// Bearer requests skip the cross-origin and content-type checks the
// session cookie needs (origin.go): nothing a browser sends on its own.
// A bodiless DELETE with no content type, marked cross-site, with the
// session cookie of someone else, is the key's and goes through.
func TestBearerSkipsCookieChecks(t *testing.T) {
	e := memory(t)
	admin := e.createKey("alice", app.SeedSales, "Cleaner", workspace.RoleAdmin)
	agents := e.items("alice", app.SeedSales, "agents")
	r := httptest.NewRequest("DELETE", "http://app.example.test"+e.path(app.SeedSales, "/agents/"+agents[0].ID.String()), nil)
	r.Header.Set("Authorization", "bearer "+admin.Secret) // the scheme is case-insensitive
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "http://elsewhere.example")
	r.AddCookie(&http.Cookie{Name: app.SessionCookie, Value: "carol"})
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.Len(t, e.items("alice", app.SeedSales, "agents"), len(agents)-1)

	// Without the key, the same request on carol's cookie is refused
	// before anything runs.
	r = httptest.NewRequest("DELETE", "http://app.example.test"+e.path(app.SeedSales, "/agents/"+agents[1].ID.String()), nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.AddCookie(&http.Cookie{Name: app.SessionCookie, Value: "carol"})
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	problem(t, rec, http.StatusForbidden, "cross-origin")
	// An empty Bearer is not a key: the cookie checks apply.
	r.Header.Set("Authorization", "Bearer ")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	problem(t, rec, http.StatusForbidden, "cross-origin")
}
