package api

import (
	"net/http"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// invitations lists the pending ones and the expired ones (to resend).
func (s *server) invitations(w http.ResponseWriter, r *http.Request) error {
	pending, err := s.app.Kit.Team.Pending(r.Context())
	if err != nil {
		return err
	}
	expired, err := s.app.Kit.Team.Expired(r.Context())
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct {
		Pending []invitationView `json:"pending"`
		Expired []invitationView `json:"expired"`
	}{viewInvitations(pending), viewInvitations(expired)})
}

// invite: POST {"email": "erin@example.com", "role": "member"}. The
// answer holds the token and its link, shown this once (a real host would
// email the link instead).
func (s *server) invite(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string         `json:"email"`
		Role  workspace.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	inv, token, err := s.app.Kit.Team.Invite(r.Context(), in.Email, in.Role)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, sent(inv, token))
}

// resend gives the invitation a new token (the old one stops working).
func (s *server) resend(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	inv, token, err := s.app.Kit.Team.Resend(r.Context(), id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, sent(inv, token))
}

func (s *server) revoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	if err := s.app.Kit.Team.Revoke(r.Context(), id); err != nil {
		return err
	}
	return noContent(w)
}

func sent(inv membership.Invitation, token string) sentInvitation {
	return sentInvitation{Invitation: viewInvitation(inv), Token: token, Link: app.InvitationLink(token)}
}

// accept joins the invitation's workspace as the caller: POST {"token":
// "..."}. The workspace becomes the remembered one, as after a switch.
// The token is a bearer token (whoever holds it joins), as the library
// documents; the demo does not compare the caller's email with the
// invitation's.
func (s *server) accept(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sc, err := s.app.Kit.Team.Accept(r.Context(), userOf(r), in.Token)
	if err != nil {
		return err
	}
	ws, err := s.app.Kit.Workspaces.Get(r.Context(), sc.UserID, sc.WorkspaceID)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: app.WorkspaceCookie, Value: sc.WorkspaceID.String(), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return reply(w, http.StatusOK, struct {
		Scope     scopeView     `json:"scope"`
		Workspace workspaceView `json:"workspace"`
	}{viewScope(sc), viewWorkspace(ws)})
}
