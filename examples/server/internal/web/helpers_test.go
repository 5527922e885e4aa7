package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/examples/server/internal/web"
	"github.com/workspacekit/workspacekit/workspace"
)

// site is the UI on a seeded in-memory app, served over real HTTP.
type site struct {
	app *app.App
	srv *httptest.Server
	// ws are the seeded workspaces by name.
	ws map[string]workspace.Workspace
}

func newSite(t *testing.T) *site { t.Helper(); return newSiteWith(t, nil) }

// newSiteWith runs the app on clock (nil: the real one).
func newSiteWith(t *testing.T, clock workspace.Clock) *site {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Seed: true, Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	s := &site{app: a, srv: httptest.NewServer(web.Handler(a)), ws: map[string]workspace.Workspace{}}
	t.Cleanup(s.srv.Close)
	for _, u := range []workspace.UserID{"alice", "dave"} {
		acc, err := a.Kit.Workspaces.List(context.Background(), u, workspace.Page{})
		require.NoError(t, err)
		for _, x := range acc {
			s.ws[x.Workspace.Name] = x.Workspace
		}
	}
	return s
}

// path is /w/{id of the named workspace}/rest.
func (s *site) path(name, rest string) string {
	id, ok := s.ws[name]
	if !ok {
		panic("no seeded workspace " + name)
	}
	return "/w/" + id.ID.String() + "/" + rest
}

// visitor is one browser: a cookie jar, following redirects, remembering
// the last page's form token.
type visitor struct {
	t    *testing.T
	s    *site
	c    *http.Client
	csrf string
}

func (s *site) visitor(t *testing.T) *visitor {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &visitor{t: t, s: s, c: &http.Client{Jar: jar}}
}

// as is a visitor signed in as user through the login form.
func (s *site) as(t *testing.T, user string) *visitor {
	t.Helper()
	v := s.visitor(t)
	v.get("/login")
	resp, body := v.post("/login", url.Values{"user": {user}})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	return v
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (v *visitor) do(req *http.Request) (*http.Response, string) {
	v.t.Helper()
	resp, err := v.c.Do(req)
	require.NoError(v.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(v.t, err)
	body := string(b)
	if m := csrfField.FindStringSubmatch(body); m != nil {
		v.csrf = m[1]
	}
	return resp, body
}

func (v *visitor) get(path string) (*http.Response, string) {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.s.srv.URL+path, nil)
	require.NoError(v.t, err)
	return v.do(req)
}

// post sends a form with the last page's token (unless form has one).
func (v *visitor) post(path string, form url.Values) (*http.Response, string) {
	v.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", v.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, v.s.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(v.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.do(req)
}

// noRedirects is v's client stopping at the first response.
func (v *visitor) noRedirects() *visitor {
	c := *v.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &visitor{t: v.t, s: v.s, c: &c, csrf: v.csrf}
}

// text is body without tags and with spaces collapsed, for assertions
// on what a person reads.
func text(body string) string {
	body = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(body)), " ")
}

// inputValue is the value of the first input named name in body.
func inputValue(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body)
	require.NotNil(t, m, "no input %q", name)
	return html.UnescapeString(m[1])
}

// between is what body holds between the first start and the next end.
func between(t *testing.T, body, start, end string) string {
	t.Helper()
	i := strings.Index(body, start)
	require.GreaterOrEqual(t, i, 0, "no %q", start)
	i += len(start)
	j := strings.Index(body[i:], end)
	require.GreaterOrEqual(t, j, 0, "no %q after %q", end, start)
	return body[i : i+j]
}

// in is user's scoped context in the named workspace, to check through
// the services what the UI did.
func (s *site) in(t *testing.T, user workspace.UserID, name string) context.Context {
	t.Helper()
	ctx, _, err := s.app.Kit.Workspaces.Enter(context.Background(), user, s.ws[name].ID)
	require.NoError(t, err)
	return ctx
}

// roles is user's selector: workspace name -> role.
func (s *site) roles(t *testing.T, user workspace.UserID) map[string]workspace.Role {
	t.Helper()
	acc, err := s.app.Kit.Workspaces.List(context.Background(), user, workspace.Page{})
	require.NoError(t, err)
	out := map[string]workspace.Role{}
	for _, x := range acc {
		out[x.Workspace.Name] = x.Role
	}
	return out
}
