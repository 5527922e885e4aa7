package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/examples/server/internal/web"
	"github.com/workspacekit/workspacekit/workspace"
)

// The invitation link does not follow the Host header: with no public URL
// configured it is on the address the server was reached at, with one on
// that URL.
func TestInvitationLinkIgnoresTheHostHeader(t *testing.T) {
	inviteAs := func(t *testing.T, s *site, host string) string {
		alice := s.as(t, "alice")
		alice.get(s.path("Sales", "settings/team"))
		form := url.Values{"email": {"erin@example.com"}, "role": {"member"}, "csrf": {alice.csrf}}
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+s.path("Sales", "settings/team/invite"), strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Host = host
		// The client picks the jar's cookies by Host: add them by hand.
		u, err := url.Parse(s.srv.URL)
		require.NoError(t, err)
		for _, c := range alice.c.Jar.Cookies(u) {
			req.AddCookie(c)
		}
		resp, body := alice.do(req)
		require.Equal(t, http.StatusOK, resp.StatusCode, text(body))
		m := inviteURL.FindStringSubmatch(body)
		require.NotNil(t, m, text(body))
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}

	s := newSite(t)
	link := inviteAs(t, s, "evil.example")
	require.True(t, strings.HasPrefix(link, s.srv.URL+"/invitations/accept?token="), link)

	s = newSiteWithPublicURL(t, "https://app.example.com/")
	link = inviteAs(t, s, "evil.example")
	require.True(t, strings.HasPrefix(link, "https://app.example.com/invitations/accept?token="), link)
}

func newSiteWithPublicURL(t *testing.T, public string) *site {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Seed: true, PublicURL: public})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	s := &site{app: a, srv: httptest.NewServer(web.Handler(a)), ws: map[string]workspace.Workspace{}}
	t.Cleanup(s.srv.Close)
	acc, err := a.Kit.Workspaces.List(context.Background(), "alice", workspace.Page{})
	require.NoError(t, err)
	for _, x := range acc {
		s.ws[x.Workspace.Name] = x.Workspace
	}
	return s
}
