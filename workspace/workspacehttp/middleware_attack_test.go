package workspacehttp_test

// Attack tests on the middleware: each either demonstrates a hole (and
// fails until it is fixed) or guards an attack that held.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// HOLE: a remembered workspace the user has lost locks them out of every
// route that falls back on the cookie, the selector included. With the
// documented set-up (First(FromPath, FromHeader, FromCookie),
// WithRememberCookie, WithOptionalWorkspace for the selector page), once
// bob is removed from the workspace his cookie names (or it is deleted),
// the request "names" it, Switch refuses it, and the selector answers 404
// instead of letting him through with the user only; the cookie is never
// cleared, so every later visit fails the same way until he deletes his
// cookies by hand. A stale fallback should count as naming nothing (and
// be cleared), as the example's own home page treats it.
func TestAttackStaleRememberCookieLocksTheUserOutOfTheSelector(t *testing.T) {
	a := newApp(t)
	mw := workspacehttp.New(a.ws, byHeader,
		workspacehttp.First(workspacehttp.FromPath("ws"), workspacehttp.FromHeader("X-Workspace-ID"), workspacehttp.FromCookie("ws")),
		workspacehttp.WithRememberCookie("ws"), workspacehttp.WithOptionalWorkspace())
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := workspacehttp.UserFrom(r.Context())
		_, scoped := workspace.ScopeFrom(r.Context())
		fmt.Fprintf(w, "%s %v", u, scoped)
	}))
	selector := func(c *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/workspaces", nil)
		r.Header.Set("X-User", "bob")
		r.AddCookie(c)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	stale := &http.Cookie{Name: "ws", Value: a.sales.ID.String()}
	require.Equal(t, "bob true", selector(stale).Body.String(), "while bob is a member")

	alice, err := a.ws.Switch(context.Background(), "alice", a.sales.ID)
	require.NoError(t, err)
	require.NoError(t, a.team.Remove(workspace.WithScope(context.Background(), alice), "bob"))

	rec := selector(stale)
	require.Equal(t, http.StatusOK, rec.Code, "the selector must stay reachable: %s", rec.Body.String())
	require.Equal(t, "bob false", rec.Body.String())
}

// fakeKeys is a KeyAuthenticator with one valid secret.
type fakeKeys struct {
	secret string
	scope  workspace.Scope
}

func (k fakeKeys) Authenticate(_ context.Context, secret string) (workspace.Scope, error) {
	if secret != k.secret {
		return workspace.Scope{}, apikey.ErrKeyUnknown
	}
	return k.scope, nil
}

// HELD: an API key acts only in its own workspace whatever the path,
// header or cookie name, with the same bytes as a workspace the caller
// cannot see; a bad key is 401 even next to a valid login (the login is
// not a fallback); a key sets no remember cookie; and a host login that
// returns an id shaped like a key's principal, or with control
// characters, is refused as unauthenticated.
func TestAttackAPIKeysAndCraftedUserIDs(t *testing.T) {
	a := newApp(t)
	keyUser := workspace.KeyUser(uuid.New())
	keys := fakeKeys{secret: "wsk_good", scope: workspace.Scope{AccountID: a.sales.AccountID, WorkspaceID: a.sales.ID, UserID: keyUser, Role: workspace.RoleViewer}}
	authnCalls := 0
	authn := func(r *http.Request) (workspace.UserID, error) { authnCalls++; return byHeader(r) }
	mw := workspacehttp.New(a.ws, authn,
		workspacehttp.First(workspacehttp.FromPath("ws"), workspacehttp.FromHeader("X-Workspace-ID"), workspacehttp.FromCookie("ws")),
		workspacehttp.WithRememberCookie("ws"), workspacehttp.WithAPIKeys(keys))
	mux := http.NewServeMux()
	who := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc, _ := workspace.ScopeFrom(r.Context())
		u, _ := workspacehttp.UserFrom(r.Context())
		fmt.Fprintf(w, "%s %s %s", u, sc.WorkspaceID, sc.Role)
	})
	mux.Handle("GET /w/{ws}/me", mw.Handler(who))
	mux.Handle("GET /me", mw.Handler(who))
	send := func(path, auth, user string, hdr map[string]string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if user != "" {
			r.Header.Set("X-User", user)
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		for _, c := range cookies {
			r.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec
	}

	ok := send("/w/"+a.sales.ID.String()+"/me", "Bearer wsk_good", "", nil)
	require.Equal(t, http.StatusOK, ok.Code)
	require.Equal(t, fmt.Sprintf("%s %s viewer", keyUser, a.sales.ID), ok.Body.String())
	require.Empty(t, ok.Result().Cookies(), "a key is not remembered")
	ok = send("/me", "bEaReR   wsk_good  ", "", nil)
	require.Equal(t, http.StatusOK, ok.Code, "the scheme is case-insensitive, the secret trimmed")

	// Another workspace, however named, is the same 404 a user gets for one they cannot see.
	userMiss := send("/w/"+a.foreign.ID.String()+"/me", "", "bob", nil)
	require.Equal(t, http.StatusNotFound, userMiss.Code)
	for name, rec := range map[string]*httptest.ResponseRecorder{
		"path":         send("/w/"+a.other.ID.String()+"/me", "Bearer wsk_good", "", nil),
		"foreign path": send("/w/"+a.foreign.ID.String()+"/me", "Bearer wsk_good", "", nil),
		"malformed":    send("/w/not-an-id/me", "Bearer wsk_good", "", nil),
		"header":       send("/me", "Bearer wsk_good", "", map[string]string{"X-Workspace-ID": a.other.ID.String()}),
		"cookie":       send("/me", "Bearer wsk_good", "", nil, &http.Cookie{Name: "ws", Value: a.other.ID.String()}),
		"path wins":    send("/w/"+a.other.ID.String()+"/me", "Bearer wsk_good", "", map[string]string{"X-Workspace-ID": a.sales.ID.String()}),
	} {
		require.Equal(t, http.StatusNotFound, rec.Code, name)
		require.Equal(t, userMiss.Body.String(), rec.Body.String(), name)
		require.Equal(t, userMiss.Header(), rec.Header(), name)
	}

	// A bad key next to a valid login: 401, and the login is not consulted.
	authnCalls = 0
	for _, auth := range []string{"Bearer wsk_bad", "Bearer  ", "bearer x"} {
		rec := send("/w/"+a.sales.ID.String()+"/me", auth, "alice", nil)
		require.Equal(t, http.StatusUnauthorized, rec.Code, auth)
		require.Contains(t, rec.Body.String(), "api-key-unknown")
		require.NotContains(t, rec.Body.String(), "wsk_")
	}
	require.Zero(t, authnCalls, "a request presenting a key never falls back on the login")

	// A host login returning a key's principal or control characters is refused.
	for _, id := range []string{string(keyUser), "apikey:x", "bob\x00", "bob\n", " \t "} {
		m := workspacehttp.New(a.ws, func(*http.Request) (workspace.UserID, error) { return workspace.UserID(id), nil },
			workspacehttp.FromPath("ws"), workspacehttp.WithOptionalWorkspace())
		reached := false
		h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
		for _, path := range []string{"/anything", "/w/" + a.sales.ID.String()} {
			r := httptest.NewRequest("GET", path, nil)
			r.SetPathValue("ws", a.sales.ID.String())
			if path == "/anything" {
				r.SetPathValue("ws", "")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, http.StatusUnauthorized, rec.Code, "%q", id)
			require.NotContains(t, rec.Body.String(), "apikey", "%q", id)
		}
		require.False(t, reached, "%q", id)
	}
}
