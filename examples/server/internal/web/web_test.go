package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestLoginPageIsExampleOnly(t *testing.T) {
	s := newSite(t)
	v := s.visitor(t)
	resp, body := v.get("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "/login", resp.Request.URL.Path, "signed out, home is the sign-in page")
	require.Contains(t, text(body), "Example-only login")
	for _, u := range s.app.Users {
		require.Contains(t, body, `id="login-`+string(u.ID)+`"`)
	}

	resp, body = v.post("/login", url.Values{"user": {"mallory"}})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, text(body), "Unknown user.")
	require.Contains(t, body, `value="mallory"`, "what was typed stays")

	// A next that leaves the site is dropped.
	resp, _ = v.noRedirects().post("/login", url.Values{"user": {"carol"}, "next": {"//evil.example/x"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/", resp.Header.Get("Location"))
}

func TestSignedOutPagesGoToSignInAndBack(t *testing.T) {
	s := newSite(t)
	v := s.visitor(t)
	resp, _ := v.noRedirects().get(s.path("Sales", "agents"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next="+url.QueryEscape(s.path("Sales", "agents")), resp.Header.Get("Location"))

	_, body := v.get(s.path("Sales", "agents"))
	resp, body = v.post("/login", url.Values{"user": {"carol"}, "next": {inputValue(t, body, "next")}})
	require.Equal(t, s.path("Sales", "agents"), resp.Request.URL.Path)
	require.Contains(t, text(body), "Signed in as Carol Cho.")
}

// The sidebar shows the active workspace and the role there; the selector
// lists every accessible workspace with the role; switching is a link
// (the middleware switches, role read fresh) and is remembered for "/".
func TestSidebarSelectorAndSwitching(t *testing.T) {
	s := newSite(t)
	bob := s.as(t, "bob")
	resp, body := bob.get("/")
	require.Equal(t, s.path("Sales", "agents"), resp.Request.URL.Path, "the first workspace")
	require.Contains(t, body, `<span class="name" id="workspace-name">Sales</span>`)
	require.Contains(t, body, `id="workspace-role">admin<`)
	selector := text(between(t, body, `id="workspace-list">`, `</ul>`))
	require.Equal(t, "S Sales admin ✓ S Support viewer", selector, "initial, name, role, active mark")
	require.Contains(t, body, `id="manage-workspaces" href="`+s.path("Sales", "settings/workspaces")+`"`)

	// The selector's link keeps the page and switches.
	require.Contains(t, body, `href="`+s.path("Support", "agents")+`?switched=1"`)
	resp, body = bob.get(s.path("Support", "agents") + "?switched=1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="workspace-name">Support<`)
	require.Contains(t, body, `id="workspace-role">viewer<`)
	require.Contains(t, text(body), "Switched to Support. Your role here: viewer. Same session, no new login.")

	// Remembered: home now lands in Support.
	resp, _ = bob.get("/")
	require.Equal(t, s.path("Support", "agents"), resp.Request.URL.Path)
}

func TestEachWorkspaceSeesOnlyItsOwn(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	for _, res := range s.app.Resources {
		_, body := alice.get(s.path("Sales", res.Kind))
		require.Contains(t, body, "Sales: ", res.Kind)
		require.NotContains(t, body, "Support: ", res.Kind)
		require.NotContains(t, body, "Globex HQ: ", res.Kind)
	}
	resp, body := alice.post(s.path("Sales", "agents"), url.Values{"name": {"Closer"}, "detail": {"Signs deals"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "Added “Closer”.")
	require.Contains(t, body, `data-item="Closer"`)
	_, body = alice.get(s.path("Support", "agents"))
	require.NotContains(t, body, "Closer")

	// An item's id works only in its own workspace.
	items, err := s.app.Resources[0].List(s.in(t, "alice", "Sales"))
	require.NoError(t, err)
	salesItem := items[0].ID
	resp, body = alice.post(s.path("Support", "agents/"+salesItem.String()+"/delete"), url.Values{})
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "Sales' item is not found from Support")
	require.Contains(t, text(body), "404 Not Found")
	resp, _ = alice.post(s.path("Sales", "agents/"+salesItem.String()+"/delete"), url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	after, err := s.app.Resources[0].List(s.in(t, "alice", "Sales"))
	require.NoError(t, err)
	require.Len(t, after, len(items)-1)
}

// A workspace of another account answers exactly like one that does not
// exist, or a path segment that is not even an id: same status, same page.
func TestForeignWorkspaceIsNotFoundLikeAnUnknownOne(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	var bodies []string
	for _, p := range []string{s.path("Globex HQ", "agents"), "/w/" + uuid.NewString() + "/agents", "/w/not-an-id/agents"} {
		resp, body := alice.get(p)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		require.Contains(t, text(body), "404 Not Found Not found.")
		require.NotContains(t, body, "Globex")
		bodies = append(bodies, body)
	}
	require.Equal(t, bodies[0], bodies[1])
	require.Equal(t, bodies[0], bodies[2])

	// Writes too, and nothing changes.
	resp, body := alice.post(s.path("Globex HQ", "agents"), url.Values{"name": {"Spy"}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, bodies[0], body)
	resp, _ = alice.post(s.path("Sales", "settings/workspaces/"+s.ws["Globex HQ"].ID.String()+"/delete"), url.Values{"confirm": {"Globex HQ"}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Len(t, s.roles(t, "dave"), 1)
}

func TestFormsNeedTheSessionsToken(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	agents := s.path("Sales", "agents")
	alice.get(agents)
	count := func() int {
		items, err := s.app.Resources[0].List(s.in(t, "alice", "Sales"))
		require.NoError(t, err)
		return len(items)
	}
	before := count()

	bob := s.as(t, "bob")
	bob.get(agents)
	for name, token := range map[string]string{
		"none":            "",
		"forged":          "AAAA",
		"another session": bob.csrf,
	} {
		resp, body := alice.post(agents, url.Values{"name": {"Forged"}, "csrf": {token}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, text(body), "This form has expired or came from another site.", name)
	}
	// A browser marking the request cross-site is refused even with the token.
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+agents, strings.NewReader(url.Values{"name": {"Forged"}, "csrf": {alice.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, _ := alice.do(req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, before, count())

	// Logging in again starts a new session: the old token is dead.
	old := alice.csrf
	alice.post("/login", url.Values{"user": {"alice"}})
	resp, _ = alice.post(agents, url.Values{"name": {"Forged"}, "csrf": {old}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	resp, _ = alice.post(agents, url.Values{"name": {"Real"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, before+1, count())
}

// Controls a role may not use are not rendered, and posting the form by
// hand is refused by the services with the problem's status and text.
func TestAViewerGetsNoWriteControlsAndForcedWritesAreRefused(t *testing.T) {
	s := newSite(t)
	bob := s.as(t, "bob")
	_, body := bob.get(s.path("Support", "agents"))
	require.NotContains(t, body, `id="create-item"`)
	require.NotContains(t, body, `/delete"`)
	require.NotContains(t, body, `data-section="api-keys"`, "viewers do not read API keys")

	resp, body := bob.post(s.path("Support", "agents"), url.Values{"name": {"Sneaky"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, text(body), "403 Forbidden Your role in this workspace does not allow this.")
	require.NotContains(t, body, "Sneaky<")

	resp, body = bob.get(s.path("Support", "api-keys"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, `data-code="forbidden"`)
	require.Contains(t, body, `id="workspace-name">Support<`, "still inside the workspace")

	// In Sales bob is admin: the same pages offer the controls.
	_, body = bob.get(s.path("Sales", "agents"))
	require.Contains(t, body, `id="create-item"`)
	require.Contains(t, body, `data-section="api-keys"`)
}
