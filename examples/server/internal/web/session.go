package web

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

type loginData struct {
	Users []app.User
	Next  string
	Typed string
}

// loginForm is the example-only sign-in: pick a demo user or type an id.
func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, nil, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f *flash, d loginData) {
	p, _ := s.newPage(w, r, "Sign in", "") // no workspace: nothing can fail
	if f != nil {
		p.Flash = f
	}
	d.Users = s.app.Users
	p.Data = d
	s.render(w, status, "login", p)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	id := workspace.UserID(strings.TrimSpace(r.PostForm.Get("user")))
	next := safeNext(r.PostForm.Get("next"))
	err := workspace.ValidateUser(id)
	if err == nil {
		err = s.app.Login(w, id)
	}
	if err != nil {
		detail := "Type a user id."
		if errors.Is(err, app.ErrUnknownUser) {
			detail = "This example knows only its demo users; pick one above."
		}
		s.renderLogin(w, r, http.StatusUnauthorized, &flash{Kind: "error", Title: "Unknown user.", Detail: detail},
			loginData{Next: next, Typed: string(id)})
		return
	}
	// A new session gets new form tokens: one minted before the login
	// (possibly planted) is worthless after it.
	s.csrf.rotate(w, r)
	if next == "" {
		next = "/"
	}
	redirectWithFlash(w, r, next, okFlash("Signed in as "+s.user(id).Name+".", ""))
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	s.app.Logout(w)
	s.csrf.rotate(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login destination only if it is a path of this
// site, so the sign-in page cannot be used to send people elsewhere. It
// returns the destination exactly as http.Redirect will send it, or "".
//
// The check runs on the cleaned string, not the raw one: http.Redirect
// runs path.Clean on a relative target, and "/./\evil" passes any check of
// its raw form before becoming "/\evil", which browsers read as
// "//evil" ('\' is '/' in http(s) URLs). So: no backslash at all, raw or
// percent-encoded, and no control character (browsers drop tabs and
// newlines from URLs, so "/\t/evil" would be "//evil"); the path cleaned
// here as http.Redirect cleans it (which then leaves it unchanged); one
// leading '/', before and after cleaning (a next that tried "//host" is
// dropped, not turned into "/host"), and no scheme, host or user after
// url.Parse.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) || strings.Contains(strings.ToLower(next), "%5c") {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	// What http.Redirect does to a relative target: clean what precedes
	// the query, keeping a trailing slash.
	p, query := next, ""
	if i := strings.Index(p, "?"); i >= 0 {
		p, query = p[:i], p[i:]
	}
	trailing := strings.HasSuffix(p, "/")
	p = path.Clean(p)
	if trailing && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	cleaned := p + query
	if !strings.HasPrefix(cleaned, "/") || strings.HasPrefix(cleaned, "//") {
		return ""
	}
	u, err := url.Parse(cleaned)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.Contains(u.Path, `\`) {
		return ""
	}
	return cleaned
}

// home sends the user to the remembered workspace when they still have
// access to it, else to the first they can access; someone with none
// (erin, before an invitation) gets a page that says so.
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	user, err := s.app.Authenticate(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if c, err := r.Cookie(app.WorkspaceCookie); err == nil {
		if id, err := uuid.Parse(c.Value); err == nil {
			// Get answers for this user only: a cookie naming someone
			// else's workspace is as good as none.
			if _, err := s.app.Kit.Workspaces.Get(r.Context(), user, id); err == nil {
				http.Redirect(w, r, s.landing(id), http.StatusSeeOther)
				return
			}
		}
	}
	all, err := s.accessible(r.Context(), user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(all) > 0 {
		http.Redirect(w, r, s.landing(all[0].Workspace.ID), http.StatusSeeOther)
		return
	}
	p, _ := s.newPage(w, r, "No workspace", "")
	s.render(w, http.StatusOK, "noworkspace", p)
}

// workspaceHome is /w/{ws}/: the workspace's first page.
func (s *server) workspaceHome(w http.ResponseWriter, r *http.Request) {
	sc, _ := workspace.ScopeFrom(r.Context())
	to := s.landing(sc.WorkspaceID)
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// landing is the first page of a workspace: its first resource, which
// every role may read.
func (s *server) landing(id uuid.UUID) string {
	p := "/w/" + id.String() + "/"
	if len(s.app.Resources) > 0 {
		p += s.app.Resources[0].Kind
	} else {
		p += "settings/team"
	}
	return p
}
