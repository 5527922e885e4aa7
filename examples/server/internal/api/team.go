package api

import (
	"net/http"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// team lists the members with their roles, every page.
func (s *server) team(w http.ResponseWriter, r *http.Request) error {
	out := []memberView{}
	page := membership.TeamPage{Limit: workspace.MaxPageSize}
	for {
		ms, err := s.app.Kit.Team.Team(r.Context(), page)
		if err != nil {
			return err
		}
		for _, m := range ms {
			out = append(out, s.viewMember(m))
		}
		if len(ms) < page.Limit {
			return reply(w, http.StatusOK, out)
		}
		page.After = ms[len(ms)-1].UserID
	}
}

func (s *server) member(w http.ResponseWriter, r *http.Request) error {
	m, err := s.app.Kit.Team.Member(r.Context(), workspace.UserID(r.PathValue("user")))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.viewMember(m))
}

// changeRole: PATCH {"role": "viewer"}.
func (s *server) changeRole(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Role workspace.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	user := workspace.UserID(r.PathValue("user"))
	if _, err := s.app.Kit.Team.ChangeRole(r.Context(), user, in.Role); err != nil {
		return err
	}
	m, err := s.app.Kit.Team.Member(r.Context(), user)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.viewMember(m))
}

func (s *server) removeMember(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Kit.Team.Remove(r.Context(), workspace.UserID(r.PathValue("user"))); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) leave(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Kit.Team.Leave(r.Context()); err != nil {
		return err
	}
	return noContent(w)
}
