package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Settings > Team of the active workspace: members and roles,
// invitations by email with a role, resend and revoke, role changes,
// removal.

type teamData struct {
	Members          []memberRow
	Pending, Expired []invitationRow
	// Roles are the roles the user may grant here (CanGrant): the
	// invitation's and the role change's choices.
	Roles []workspace.Role
	// Manage: team:manage, which invitations, role changes and removals
	// need.
	Manage bool
	// NewLink is an invitation link to show once (Invite, Resend).
	NewLink *oneTimeLink
	// The invitation form, kept after a refusal.
	Email string
	Role  workspace.Role
}

type memberRow struct {
	membership.Member
	User app.User
	Self bool
	// Manageable: the user may change this member's role or remove them
	// (team:manage, a role not above the user's own, not the account
	// owner, not themselves).
	Manageable bool
}

type invitationRow struct {
	membership.Invitation
	By         app.User
	Expired    bool
	Manageable bool
}

type oneTimeLink struct {
	Email, URL string
	Resent     bool
}

func (s *server) team(w http.ResponseWriter, r *http.Request) {
	s.renderTeam(w, r, http.StatusOK, nil, teamData{Role: workspace.RoleMember})
}

func (s *server) renderTeam(w http.ResponseWriter, r *http.Request, status int, f *flash, d teamData) {
	ctx := r.Context()
	sc, _ := workspace.ScopeFrom(ctx)
	p, err := s.newPage(w, r, "Team", "settings/team")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.loadTeam(ctx, sc, p, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if f != nil {
		p.Flash = f
	}
	if r.Method == http.MethodPost {
		p.URL = p.Nav.Base + "/settings/team"
	}
	p.Data = d
	s.render(w, status, "team", p)
}

func (s *server) loadTeam(ctx context.Context, sc workspace.Scope, p *page, d *teamData) error {
	team := s.app.Kit.Team
	members, err := s.members(ctx)
	if err != nil {
		return err
	}
	pending, err := team.Pending(ctx)
	if err != nil {
		return err
	}
	expired, err := team.Expired(ctx)
	if err != nil {
		return err
	}
	d.Manage = p.Can(rbac.ResourceTeam, rbac.ActionManage)
	grantable := map[workspace.Role]bool{}
	if d.Manage {
		roles := workspace.BuiltinRoles()
		custom, err := s.app.Kit.Authz.ListRoles(ctx)
		if err != nil {
			return err
		}
		for _, c := range custom {
			roles = append(roles, c.Name)
		}
		for _, role := range roles {
			if s.app.Kit.Authz.CanGrant(ctx, role) == nil {
				grantable[role] = true
				d.Roles = append(d.Roles, role)
			}
		}
	}
	for _, m := range members {
		self := m.UserID == sc.UserID
		d.Members = append(d.Members, memberRow{Member: m, User: s.user(m.UserID), Self: self,
			Manageable: d.Manage && !self && !m.AccountOwner && grantable[m.Role]})
	}
	for _, set := range []struct {
		in      []membership.Invitation
		out     *[]invitationRow
		expired bool
	}{{pending, &d.Pending, false}, {expired, &d.Expired, true}} {
		for _, inv := range set.in {
			*set.out = append(*set.out, invitationRow{Invitation: inv, By: s.user(inv.InvitedBy), Expired: set.expired,
				Manageable: d.Manage && grantable[inv.Role]})
		}
	}
	return nil
}

// members is the whole team, every page of Team.
func (s *server) members(ctx context.Context) ([]membership.Member, error) {
	var out []membership.Member
	page := membership.TeamPage{Limit: workspace.MaxPageSize}
	for {
		got, err := s.app.Kit.Team.Team(ctx, page)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(got) < page.Limit {
			return out, nil
		}
		page.After = got[len(got)-1].UserID
	}
}

func (s *server) invite(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	role := workspace.Role(r.PostForm.Get("role"))
	inv, token, err := s.app.Kit.Team.Invite(r.Context(), email, role)
	if err != nil {
		f, status := problemFlash(err)
		s.renderTeam(w, r, status, f, teamData{Email: email, Role: role})
		return
	}
	// Rendered, not redirected: the token is shown this once and is
	// stored nowhere, not even in a flash cookie.
	s.renderTeam(w, r, http.StatusOK, nil, teamData{Role: workspace.RoleMember,
		NewLink: &oneTimeLink{Email: inv.Email, URL: s.app.Link(r, app.InvitationLink(token))}})
}

func (s *server) resend(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.teamRefused(w, r, workspace.ErrNotFound)
		return
	}
	inv, token, err := s.app.Kit.Team.Resend(r.Context(), id)
	if err != nil {
		s.teamRefused(w, r, err)
		return
	}
	s.renderTeam(w, r, http.StatusOK, nil, teamData{Role: workspace.RoleMember,
		NewLink: &oneTimeLink{Email: inv.Email, URL: s.app.Link(r, app.InvitationLink(token)), Resent: true}})
}

func (s *server) revoke(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.teamRefused(w, r, workspace.ErrNotFound)
		return
	}
	if err := s.app.Kit.Team.Revoke(r.Context(), id); err != nil {
		s.teamRefused(w, r, err)
		return
	}
	s.teamDone(w, r, okFlash("Invitation revoked.", "Its link no longer works."))
}

func (s *server) changeRole(w http.ResponseWriter, r *http.Request) {
	user := workspace.UserID(r.PostForm.Get("user"))
	role := workspace.Role(r.PostForm.Get("role"))
	if _, err := s.app.Kit.Team.ChangeRole(r.Context(), user, role); err != nil {
		s.teamRefused(w, r, err)
		return
	}
	s.teamDone(w, r, okFlash(s.user(user).Name+" is now "+string(role)+".", "The new role holds from their next request, on every device."))
}

func (s *server) removeMember(w http.ResponseWriter, r *http.Request) {
	user := workspace.UserID(r.PostForm.Get("user"))
	if err := s.app.Kit.Team.Remove(r.Context(), user); err != nil {
		s.teamRefused(w, r, err)
		return
	}
	s.teamDone(w, r, okFlash(s.user(user).Name+" was removed from this workspace.", ""))
}

func (s *server) teamRefused(w http.ResponseWriter, r *http.Request, err error) {
	f, status := problemFlash(err)
	s.renderTeam(w, r, status, f, teamData{Role: workspace.RoleMember})
}

func (s *server) teamDone(w http.ResponseWriter, r *http.Request, f *flash) {
	sc, _ := workspace.ScopeFrom(r.Context())
	redirectWithFlash(w, r, base(sc)+"/settings/team", f)
}
