package web

import (
	"net/http"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// The invitation link's page: /invitations/accept?token=... for the
// signed-in user. Accepting is a POST (with the form token), so following
// a link never joins anyone by itself.

type acceptData struct{ Token string }

func (s *server) acceptForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.app.Authenticate(r); err != nil {
		s.fail(w, r, workspacehttp.ErrUnauthenticated) // to sign-in, and back here after
		return
	}
	token := r.URL.Query().Get("token")
	if token == "" {
		s.fail(w, r, membership.ErrTokenUnknown)
		return
	}
	s.renderAccept(w, r, http.StatusOK, nil, token)
}

func (s *server) renderAccept(w http.ResponseWriter, r *http.Request, status int, f *flash, token string) {
	p, _ := s.newPage(w, r, "Join a workspace", "") // no workspace: nothing can fail
	if f != nil {
		p.Flash = f
	}
	p.Data = acceptData{Token: token}
	s.render(w, status, "accept", p)
}

func (s *server) accept(w http.ResponseWriter, r *http.Request) {
	user, err := s.app.Authenticate(r)
	if err != nil {
		s.fail(w, r, workspacehttp.ErrUnauthenticated)
		return
	}
	token := r.PostForm.Get("token")
	ctx, sc, err := s.app.Kit.Team.AcceptAndEnter(r.Context(), user, token)
	if err != nil {
		// Expired, revoked, used, unknown, already a member: each has its
		// own fixed text.
		f, status := problemFlash(err)
		s.renderAccept(w, r, status, f, token)
		return
	}
	name := "the workspace"
	if ws, err := s.app.Kit.Workspaces.Get(ctx, user, sc.WorkspaceID); err == nil {
		name = ws.Name
	}
	redirectWithFlash(w, r, s.landing(sc.WorkspaceID), okFlash("Welcome to "+name+".", "You joined as "+string(sc.Role)+"."))
}
