package web

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Settings > Workspaces: the account's workspaces the user can access,
// creating one within the plan, deleting one with its name typed.

type workspacesData struct {
	Rows []workspaceRow
	// The create dialog: open after ?new=1 or a refused create, with the
	// refusal and what was typed.
	CreateOpen  bool
	CreateError *flash
	Form        workspace.NewWorkspace
	// The delete dialog of one workspace: open after ?delete=<id> or a
	// refused delete, with the refusal and what was typed.
	DeleteOpen  uuid.UUID
	DeleteError *flash
	Typed       string
}

type workspaceRow struct {
	workspace.Access
	Active bool
	// CanDelete: Delete needs an owner of that workspace (settings:delete
	// is the owner's alone). It only decides whether the menu offers it.
	CanDelete bool
}

func (s *server) workspaces(w http.ResponseWriter, r *http.Request) {
	var d workspacesData
	q := r.URL.Query()
	d.CreateOpen = q.Get("new") != ""
	if id, err := uuid.Parse(q.Get("delete")); err == nil {
		d.DeleteOpen = id
	}
	s.renderWorkspaces(w, r, http.StatusOK, d)
}

// renderWorkspaces renders the page with status. A refusal shows in its
// dialog when the page has that dialog; otherwise (a foreign or unknown
// id, a role without settings:create) at the top of the page, with the
// same texts.
func (s *server) renderWorkspaces(w http.ResponseWriter, r *http.Request, status int, d workspacesData) {
	sc, _ := workspace.ScopeFrom(r.Context())
	p, err := s.newPage(w, r, "Workspaces", "settings/workspaces")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range p.Nav.Workspaces {
		if a.Workspace.AccountID != sc.AccountID {
			continue // the selector lists every account's; settings are this account's
		}
		d.Rows = append(d.Rows, workspaceRow{Access: a, Active: a.Workspace.ID == sc.WorkspaceID, CanDelete: a.Role == workspace.RoleOwner})
	}
	if d.CreateError != nil && !p.Can("settings", "create") {
		p.Flash = d.CreateError
	}
	if d.DeleteError != nil && !d.hasDeleteDialog() {
		p.Flash = d.DeleteError
	}
	if status != http.StatusOK || d.CreateOpen || d.DeleteOpen != uuid.Nil {
		p.URL = p.Nav.Base + "/settings/workspaces"
	}
	p.Data = d
	s.render(w, status, "workspaces", p)
}

func (s *server) createWorkspace(w http.ResponseWriter, r *http.Request) {
	n := workspace.NewWorkspace{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description")}
	created, err := s.app.Kit.Workspaces.Create(r.Context(), n)
	if err != nil {
		// The refusal (the plan's limit, a taken name) shows in the dialog,
		// which stays open with what was typed.
		f, status := problemFlash(err)
		s.renderWorkspaces(w, r, status, workspacesData{CreateOpen: true, CreateError: f, Form: n})
		return
	}
	redirectWithFlash(w, r, r.URL.Path, okFlash("Created “"+created.Name+"”.", "You are its owner; switch to it from the selector."))
}

func (s *server) deleteWorkspace(w http.ResponseWriter, r *http.Request) {
	sc, _ := workspace.ScopeFrom(r.Context())
	typed := r.PostForm.Get("confirm")
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		err = workspace.ErrNotFound
	} else {
		err = s.app.Kit.Workspaces.Delete(r.Context(), id, typed)
	}
	if err != nil {
		f, status := problemFlash(err)
		s.renderWorkspaces(w, r, status, workspacesData{DeleteOpen: id, DeleteError: f, Typed: typed})
		return
	}
	to := base(sc) + "/settings/workspaces"
	if id == sc.WorkspaceID {
		to = "/" // the active one is gone: home picks another
	}
	redirectWithFlash(w, r, to, okFlash("Workspace deleted.", "Everything it held was removed with it."))
}

func (d workspacesData) hasDeleteDialog() bool {
	for _, row := range d.Rows {
		if row.CanDelete && row.Workspace.ID == d.DeleteOpen {
			return true
		}
	}
	return false
}
