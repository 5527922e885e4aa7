package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// The JSON shapes of the API. The library's types carry no JSON tags (a
// host decides its wire format), so the API maps them here, once.

type workspaceView struct {
	ID          uuid.UUID `json:"id"`
	AccountID   uuid.UUID `json:"account_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func viewWorkspace(w workspace.Workspace) workspaceView {
	return workspaceView{ID: w.ID, AccountID: w.AccountID, Name: w.Name, Description: w.Description, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// accessView is a selector line: a workspace and the caller's role there.
type accessView struct {
	workspaceView
	Role         workspace.Role `json:"role"`
	AccountOwner bool           `json:"account_owner"`
}

func viewAccess(a workspace.Access) accessView {
	return accessView{workspaceView: viewWorkspace(a.Workspace), Role: a.Role, AccountOwner: a.AccountOwner}
}

type scopeView struct {
	AccountID         uuid.UUID        `json:"account_id"`
	WorkspaceID       uuid.UUID        `json:"workspace_id"`
	UserID            workspace.UserID `json:"user_id"`
	Role              workspace.Role   `json:"role"`
	MembershipVersion int64            `json:"membership_version"`
}

func viewScope(s workspace.Scope) scopeView {
	return scopeView{AccountID: s.AccountID, WorkspaceID: s.WorkspaceID, UserID: s.UserID, Role: s.Role, MembershipVersion: s.MembershipVersion}
}

type limitsView struct {
	MaxWorkspaces int `json:"max_workspaces"` // -1: unlimited
	MaxMembers    int `json:"max_members"`
	MaxAPIKeys    int `json:"max_api_keys"` // per workspace, keys not revoked nor expired
}

type accountView struct {
	ID        uuid.UUID        `json:"id"`
	Name      string           `json:"name"`
	OwnerID   workspace.UserID `json:"owner_id"`
	Plan      string           `json:"plan"`
	Limits    *limitsView      `json:"limits,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
}

func viewAccount(a workspace.Account, l *workspace.Limits) accountView {
	v := accountView{ID: a.ID, Name: a.Name, OwnerID: a.OwnerID, Plan: a.Plan, CreatedAt: a.CreatedAt}
	if l != nil {
		v.Limits = &limitsView{MaxWorkspaces: l.MaxWorkspaces, MaxMembers: l.MaxMembers, MaxAPIKeys: l.MaxAPIKeys}
	}
	return v
}

type invitationView struct {
	ID         uuid.UUID         `json:"id"`
	Email      string            `json:"email"`
	Role       workspace.Role    `json:"role"`
	InvitedBy  workspace.UserID  `json:"invited_by"`
	Status     membership.Status `json:"status"`
	AcceptedBy workspace.UserID  `json:"accepted_by,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	ExpiresAt  time.Time         `json:"expires_at"`
}

func viewInvitation(i membership.Invitation) invitationView {
	return invitationView{ID: i.ID, Email: i.Email, Role: i.Role, InvitedBy: i.InvitedBy, Status: i.Status,
		AcceptedBy: i.AcceptedBy, CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt}
}

func viewInvitations(is []membership.Invitation) []invitationView {
	out := make([]invitationView, len(is))
	for i, inv := range is {
		out[i] = viewInvitation(inv)
	}
	return out
}

// sentInvitation is an invitation with its token, shown this once.
type sentInvitation struct {
	Invitation invitationView `json:"invitation"`
	Token      string         `json:"token"`
	Link       string         `json:"link"`
}

type memberView struct {
	UserID       workspace.UserID `json:"user_id"`
	Name         string           `json:"name,omitempty"`
	Email        string           `json:"email,omitempty"`
	Role         workspace.Role   `json:"role"`
	AccountOwner bool             `json:"account_owner"`
	JoinedAt     time.Time        `json:"joined_at"`
}

func (s *server) viewMember(m membership.Member) memberView {
	u, _ := s.app.User(m.UserID)
	return memberView{UserID: m.UserID, Name: u.Name, Email: u.Email, Role: m.Role, AccountOwner: m.AccountOwner, JoinedAt: m.JoinedAt}
}

type roleView struct {
	Name        workspace.Role `json:"name"`
	Permissions []string       `json:"permissions"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

func viewRole(r rbac.CustomRole) roleView {
	return roleView{Name: r.Name, Permissions: permissionStrings(r.Permissions), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func permissionStrings(ps []rbac.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

type resourceView struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Hint  string `json:"hint"`
}

func viewResource(r *app.Resource) resourceView {
	return resourceView{Kind: r.Kind, Title: r.Title, Hint: r.Hint}
}
