package web

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// One page per workspace-owned resource of the product doc. Resource's
// methods authorize on the server and read only the active workspace, so
// this file only shows what they return and refuse.

type resourceData struct {
	Resource     *app.Resource
	Items        []app.Item
	Name, Detail string // the create form, kept after a refusal
}

func (s *server) resourceList(res *app.Resource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderResource(w, r, res, http.StatusOK, nil, resourceData{})
	}
}

// renderResource renders the list with f (a refusal) and status. A role
// that may not even read the resource (a custom role without kind:read)
// gets the refusal as the page.
func (s *server) renderResource(w http.ResponseWriter, r *http.Request, res *app.Resource, status int, f *flash, d resourceData) {
	items, err := res.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.newPage(w, r, res.Title, res.Kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f != nil {
		p.Flash = f
		p.URL = p.Nav.Base + "/" + res.Kind
	}
	d.Resource, d.Items = res, items
	p.Data = d
	s.render(w, status, "resource", p)
}

func (s *server) resourceCreate(res *app.Resource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, detail := r.PostForm.Get("name"), r.PostForm.Get("detail")
		it, err := res.Create(r.Context(), name, detail)
		if err != nil {
			f, status := problemFlash(err)
			s.renderResource(w, r, res, status, f, resourceData{Name: name, Detail: detail})
			return
		}
		redirectWithFlash(w, r, r.URL.Path, okFlash("Added “"+it.Name+"”.", ""))
	}
}

func (s *server) resourceDelete(res *app.Resource) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, _ := workspace.ScopeFrom(r.Context())
		list := base(sc) + "/" + res.Kind
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			err = workspace.ErrNotFound // not an id: as missing as any other
		} else {
			err = res.Delete(r.Context(), id)
		}
		if err != nil {
			f, status := problemFlash(err)
			s.renderResource(w, r, res, status, f, resourceData{})
			return
		}
		redirectWithFlash(w, r, list, okFlash("Deleted.", ""))
	}
}
