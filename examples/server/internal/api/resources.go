package api

import (
	"fmt"
	"net/http"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// resource is the path's resource kind; an unknown one is not found.
func (s *server) resource(r *http.Request) (*app.Resource, error) {
	res, ok := s.app.Resource(r.PathValue("kind"))
	if !ok {
		return nil, fmt.Errorf("%w: resource %q", workspace.ErrNotFound, r.PathValue("kind"))
	}
	return res, nil
}

func (s *server) listItems(w http.ResponseWriter, r *http.Request) error {
	res, err := s.resource(r)
	if err != nil {
		return err
	}
	items, err := res.List(r.Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []app.Item{}
	}
	return reply(w, http.StatusOK, items)
}

// createItem: POST {"name": "...", "detail": "..."}.
func (s *server) createItem(w http.ResponseWriter, r *http.Request) error {
	res, err := s.resource(r)
	if err != nil {
		return err
	}
	var in struct {
		Name   string `json:"name"`
		Detail string `json:"detail"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	it, err := res.Create(r.Context(), in.Name, in.Detail)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, it)
}

func (s *server) getItem(w http.ResponseWriter, r *http.Request) error {
	res, err := s.resource(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "item")
	if err != nil {
		return err
	}
	it, err := res.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, it)
}

func (s *server) deleteItem(w http.ResponseWriter, r *http.Request) error {
	res, err := s.resource(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "item")
	if err != nil {
		return err
	}
	if err := res.Delete(r.Context(), id); err != nil {
		return err
	}
	return noContent(w)
}
