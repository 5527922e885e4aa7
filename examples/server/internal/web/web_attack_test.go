package web_test

// Attack tests on the UI: each either demonstrates a hole (and fails until
// it is fixed) or guards an attack that held.

import (
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

// HOLE: open redirect after sign-in. safeNext refuses "//host" and "/\host"
// but checks the string before http.Redirect cleans it: "/./\evil" and
// "/../\evil" pass, and path.Clean turns them into "/\evil", which every
// browser resolves like "//evil" (WHATWG URL: '\' is '/' in http(s)
// URLs). A link to /login?next=/./%5Cevil.example/phish signs the victim
// in on the real site and lands them on the attacker's.
func TestAttackLoginNextBackslashOpenRedirect(t *testing.T) {
	s := newSite(t)
	for _, next := range []string{`/./\evil.example/phish`, `/../\evil.example/phish`, `/x/..\/evil.example`, `/.\/evil.example`} {
		v := s.visitor(t)
		_, body := v.get("/login?next=" + url.QueryEscape(next))
		resp, _ := v.noRedirects().post("/login", url.Values{"user": {"carol"}, "next": {inputValue(t, body, "next")}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		loc := resp.Header.Get("Location")
		target, err := resp.Request.URL.Parse(strings.ReplaceAll(loc, `\`, `/`)) // as a browser reads it
		require.NoError(t, err)
		require.Equal(t, resp.Request.URL.Host, target.Host, "next=%q redirects to %q, off the site", next, loc)
	}
}

// HELD: deleting a workspace named in the form's path from inside one's
// own workspace: one of another account, a sibling of the same account the
// user cannot access, an id that never existed and a non-id all answer the
// same page, and nothing is deleted.
func TestAttackDeleteOtherWorkspaceFromOwnSettingsLooksTheSame(t *testing.T) {
	s := newSite(t)
	// A third Acme workspace bob is not a member of.
	hidden, err := s.app.Kit.Workspaces.Create(s.in(t, "alice", "Sales"), workspace.NewWorkspace{Name: "Hidden"})
	require.NoError(t, err)
	bob := s.as(t, "bob")
	bob.get(s.path("Sales", "settings/workspaces"))
	var bodies []string
	for _, c := range []struct{ id, confirm string }{
		{s.ws["Globex HQ"].ID.String(), "Globex HQ"},
		{hidden.ID.String(), "Hidden"},
		{uuid.NewString(), "Hidden"},
		{"not-an-id", "Hidden"},
	} {
		resp, body := bob.post(s.path("Sales", "settings/workspaces/"+c.id+"/delete"), url.Values{"confirm": {c.confirm}})
		require.Equal(t, http.StatusNotFound, resp.StatusCode, c.id)
		require.NotContains(t, body, "Hidden")
		require.NotContains(t, body, "Globex")
		bodies = append(bodies, body)
	}
	for _, b := range bodies[1:] {
		require.Equal(t, bodies[0], b)
	}
	_, err = s.app.Kit.Workspaces.Get(context.Background(), "alice", hidden.ID)
	require.NoError(t, err)
	require.Len(t, s.roles(t, "dave"), 1)
}

// HELD: the form token counts only in an urlencoded body: not in the
// query string, not in a multipart body (never parsed), not with a
// same-site Sec-Fetch-Site even when correct; a GET never writes.
func TestAttackCSRFTokenPlacementAndMethods(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	agents := s.path("Sales", "agents")
	alice.get(agents)
	token := alice.csrf
	count := func() int {
		items, err := s.app.Resources[0].List(s.in(t, "alice", "Sales"))
		require.NoError(t, err)
		return len(items)
	}
	before := count()

	// In the query string.
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+agents+"?csrf="+url.QueryEscape(token), strings.NewReader("name=Forged"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := alice.do(req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "token in the query")

	// Multipart.
	var b strings.Builder
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", token)
	_ = mw.WriteField("name", "Forged")
	_ = mw.Close()
	req, _ = http.NewRequest(http.MethodPost, s.srv.URL+agents, strings.NewReader(b.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, _ = alice.do(req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "multipart")

	// text/plain with the token as a "field".
	req, _ = http.NewRequest(http.MethodPost, s.srv.URL+agents, strings.NewReader("csrf="+token+"&name=Forged"))
	req.Header.Set("Content-Type", "text/plain")
	resp, _ = alice.do(req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "text/plain")

	// A sibling subdomain (same-site) with the right token.
	req, _ = http.NewRequest(http.MethodPost, s.srv.URL+agents, strings.NewReader(url.Values{"name": {"Forged"}, "csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-site")
	resp, _ = alice.do(req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "same-site")

	// Other methods on write routes.
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete, "X-METHOD"} {
		req, _ = http.NewRequest(m, s.srv.URL+agents, strings.NewReader(url.Values{"name": {"Forged"}, "csrf": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ = alice.do(req)
		require.GreaterOrEqual(t, resp.StatusCode, 400, m)
	}
	// GET on the write route with the form in the query.
	resp, _ = alice.get(agents + "?name=Forged&csrf=" + url.QueryEscape(token))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, before, count())

	// The sign-in form's token of a signed-out visitor does not work for a signed-in one.
	anon := s.visitor(t)
	anon.get("/login")
	resp, _ = alice.post(agents, url.Values{"name": {"Forged"}, "csrf": {anon.csrf}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, before, count())
}

// HELD: markup in every user-typed text the pages show (workspace names
// and descriptions, item names and details, custom role names cannot hold
// it) is escaped in text, attributes, the title and the selector.
func TestAttackMarkupInNamesIsEscaped(t *testing.T) {
	s := newSite(t)
	payload := `"'><img src=x onerror=alert(1)><script>alert(2)</script>`
	sales := s.in(t, "alice", "Sales")
	ws, err := s.app.Kit.Workspaces.Create(sales, workspace.NewWorkspace{Name: `<b>x</b>"'><svg onload=1>`, Description: payload})
	require.NoError(t, err)
	_, err = s.app.Resources[0].Create(sales, payload, payload)
	require.NoError(t, err)
	alice := s.as(t, "alice")
	for _, p := range []string{s.path("Sales", "agents"), s.path("Sales", "settings/workspaces"), s.path("Sales", "settings/team"),
		"/w/" + ws.ID.String() + "/agents?switched=1", s.path("Sales", "settings/workspaces") + "?delete=" + ws.ID.String()} {
		resp, body := alice.get(p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		for _, bad := range []string{"<img", "<script>alert", "<svg", "<b>x"} {
			require.NotContains(t, body, bad, p)
		}
	}
	// A refused create keeps what was typed, escaped.
	resp, body := alice.post(s.path("Sales", "agents"), url.Values{"name": {strings.Repeat("x", 101)}, "detail": {payload}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.NotContains(t, body, "<img")
	// And the login form's "typed" and "next".
	v := s.visitor(t)
	_, body = v.get("/login?next=" + url.QueryEscape(`/"><script>alert(3)</script>`))
	require.NotContains(t, body, "<script>alert")
	_, body = v.post("/login", url.Values{"user": {payload}})
	require.NotContains(t, body, "<img")
}

// HELD: a remembered workspace the user has lost (removed, deleted, or a
// cookie naming someone else's) is as good as none on "/": home lands in
// one the user can access, without telling which.
func TestAttackStaleRememberedWorkspaceOnHome(t *testing.T) {
	s := newSite(t)
	carol := s.as(t, "carol")
	carol.get(s.path("Sales", "agents")) // remembers Sales
	require.NoError(t, s.app.Kit.Team.Remove(s.in(t, "alice", "Sales"), "carol"))
	resp, _ := carol.get("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "/", resp.Request.URL.Path, "no workspace left: the page that says so")

	bob := s.as(t, "bob")
	u, _ := url.Parse(s.srv.URL)
	bob.c.Jar.SetCookies(u, []*http.Cookie{{Name: "wk_example_workspace", Value: s.ws["Globex HQ"].ID.String(), Path: "/"}})
	resp, _ = bob.get("/")
	require.Equal(t, s.path("Sales", "agents"), resp.Request.URL.Path)
}
