package api

import (
	"fmt"
	"net/http"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// login starts the example-only session: POST {"user": "alice"}.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		User workspace.UserID `json:"user"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.Login(w, in.User); err != nil {
		return fmt.Errorf("%w: %w", workspacehttp.ErrUnauthenticated, err)
	}
	u, _ := s.app.User(in.User)
	return reply(w, http.StatusOK, u)
}

func (s *server) logout(w http.ResponseWriter, _ *http.Request) error {
	s.app.Logout(w)
	return noContent(w)
}

// users lists the demo's people, for the example-only login's picker.
func (s *server) users(w http.ResponseWriter, _ *http.Request) error {
	return reply(w, http.StatusOK, s.app.Users)
}

// resources lists the resource kinds, for clients to build their menus.
func (s *server) resources(w http.ResponseWriter, _ *http.Request) error {
	out := make([]resourceView, len(s.app.Resources))
	for i, r := range s.app.Resources {
		out[i] = viewResource(r)
	}
	return reply(w, http.StatusOK, out)
}

// me is the caller and their selector: every workspace they can access,
// with their role in each.
func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	u, _ := s.app.User(userOf(r))
	list, err := s.selector(r)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct {
		User       app.User     `json:"user"`
		Workspaces []accessView `json:"workspaces"`
	}{u, list})
}

func (s *server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	list, err := s.selector(r)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, list)
}

// selector reads every page of the caller's workspaces.
func (s *server) selector(r *http.Request) ([]accessView, error) {
	out := []accessView{}
	page := workspace.Page{Limit: workspace.MaxPageSize}
	for {
		list, err := s.app.Kit.Workspaces.List(r.Context(), userOf(r), page)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out = append(out, viewAccess(a))
		}
		if len(list) < page.Limit {
			return out, nil
		}
		page.After = list[len(list)-1].Workspace.ID
	}
}
