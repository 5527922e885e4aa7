package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// nav is the sidebar: the active workspace at its top, the selector's
// list, and the sections the active role may read.
type nav struct {
	// Active is the active workspace with the role Switch just read for
	// this request (not a cached one).
	Active workspace.Access
	// Workspaces is every workspace the user can access, with the role
	// there (Workspaces.List): the selector.
	Workspaces []workspace.Access
	// Base is the active workspace's path, /w/{id}.
	Base string
	// Section is the current page's path under Base; the selector's links
	// keep it, so switching shows the same page of the other workspace.
	Section string
	Links   []navLink
}

type navLink struct {
	Group, Title, Href, Section string
	Current                     bool
}

// newPage starts the page of r: the signed-in user, the form token, the
// flash the last redirect left, and, inside a workspace, the sidebar of
// section. An error (the store failing while reading the sidebar) leaves
// a page without Nav, which still renders as a bare error page.
func (s *server) newPage(w http.ResponseWriter, r *http.Request, title, section string) (*page, error) {
	p := &page{Title: title}
	user, ok := workspacehttp.UserFrom(r.Context())
	if !ok {
		user, _ = s.app.Authenticate(r) // "" when signed out: the sign-in form's token
	}
	if user != "" {
		p.User = s.user(user)
	}
	p.CSRF = s.csrf.token(w, r, user)
	p.Flash = takeFlash(w, r)
	sc, ok := workspace.ScopeFrom(r.Context())
	if !ok {
		return p, nil
	}
	n, perms, err := s.nav(r.Context(), sc, section)
	if err != nil {
		return p, err
	}
	p.Nav, p.perms = n, perms
	if r.URL.Query().Get("switched") != "" && p.Flash == nil {
		// The selector's links carry ?switched=1: say what the switch did,
		// then drop the marker from the address bar.
		p.Flash = okFlash("Switched to "+n.Active.Workspace.Name+".", "Your role here: "+string(sc.Role)+". Same session, no new login.")
		p.URL = r.URL.Path
	}
	return p, nil
}

func (s *server) nav(ctx context.Context, sc workspace.Scope, section string) (*nav, map[rbac.Permission]bool, error) {
	all, err := s.accessible(ctx, sc.UserID)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.app.Kit.Authz.Permissions(ctx)
	if err != nil {
		return nil, nil, err
	}
	perms := make(map[rbac.Permission]bool, len(list))
	for _, p := range list {
		perms[p] = true
	}
	n := &nav{Workspaces: all, Base: base(sc), Section: section}
	for _, a := range all {
		if a.Workspace.ID == sc.WorkspaceID {
			n.Active = a
		}
	}
	if n.Active.Workspace.ID != sc.WorkspaceID {
		// Not in the list read a moment after Switch: it was just deleted.
		return nil, nil, workspace.ErrNotFound
	}
	n.Active.Role = sc.Role
	group := "Workspace"
	link := func(title, to string) {
		n.Links = append(n.Links, navLink{Group: group, Title: title, Href: n.Base + "/" + to, Section: to, Current: section == to})
		group = ""
	}
	// API keys keep their place in the product doc's list, after the LLM
	// providers, for roles that may read them (not viewers).
	keys := perms[rbac.Permission{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}]
	for _, res := range s.app.Resources {
		if perms[rbac.Permission{Resource: res.Kind, Action: rbac.ActionRead}] {
			link(res.Title, res.Kind)
		}
		if keys && res.Kind == rbac.ResourceLLMProviders {
			link("API keys", strings.TrimPrefix(keysPath, "/"))
			keys = false
		}
	}
	if keys {
		link("API keys", strings.TrimPrefix(keysPath, "/"))
	}
	n.Links = append(n.Links,
		navLink{Group: "Settings", Title: "Workspaces", Href: n.Base + "/settings/workspaces", Section: "settings/workspaces", Current: section == "settings/workspaces"},
		navLink{Title: "Team", Href: n.Base + "/settings/team", Section: "settings/team", Current: section == "settings/team"})
	return n, perms, nil
}

// accessible is every workspace user can access, all pages of List.
func (s *server) accessible(ctx context.Context, user workspace.UserID) ([]workspace.Access, error) {
	var out []workspace.Access
	page := workspace.Page{Limit: workspace.MaxPageSize}
	for {
		got, err := s.app.Kit.Workspaces.List(ctx, user, page)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(got) < page.Limit {
			return out, nil
		}
		page.After = got[len(got)-1].Workspace.ID
	}
}

// user is the host's record of id; an id the demo does not know (a
// member added by another client) shows as itself.
func (s *server) user(id workspace.UserID) app.User {
	if u, ok := s.app.User(id); ok {
		return u
	}
	return app.User{ID: id, Name: string(id)}
}

func base(sc workspace.Scope) string { return "/w/" + sc.WorkspaceID.String() }
