package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

type invitationLists struct {
	Pending []struct {
		Email string `json:"email"`
	} `json:"pending"`
	Expired []struct {
		Email string `json:"email"`
	} `json:"expired"`
}

func emails(l []struct {
	Email string `json:"email"`
}) []string {
	out := []string{}
	for _, x := range l {
		out = append(out, x.Email)
	}
	return out
}

// Invite, resend, accept: the token is shown once with its link; a resend
// replaces it; the accepted invitation gives the role chosen at
// invitation, in that workspace only; a used token is refused.
func TestInvitationAccepted(t *testing.T) { flowInvite(t, memory(t)) }

func flowInvite(t *testing.T, e *env) {
	inv := e.invite("bob", app.SeedSales, "Erin@Example.com", workspace.RoleMember)
	require.Equal(t, "erin@example.com", inv.Invitation.Email)
	require.Equal(t, "pending", inv.Invitation.Status)
	require.Equal(t, "/invitations/accept?token="+url.QueryEscape(inv.Token), inv.Link)
	var lists invitationLists
	e.ok("carol", "GET", e.path(app.SeedSales, "/invitations"), nil, &lists)
	require.Equal(t, []string{"erin@example.com"}, emails(lists.Pending))
	require.NotContains(t, e.do("carol", "GET", e.path(app.SeedSales, "/invitations"), nil).Body.String(), inv.Token, "tokens are shown once")
	e.refused("alice", "POST", e.path(app.SeedSales, "/invitations"), map[string]string{"email": "erin@example.com", "role": "viewer"}, http.StatusConflict, "conflict")

	var again sentInvitation
	e.ok("bob", "POST", e.path(app.SeedSales, "/invitations/"+inv.Invitation.ID.String()+"/resend"), nil, &again)
	require.NotEqual(t, inv.Token, again.Token)
	e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": inv.Token}, http.StatusNotFound, "invitation-unknown")

	rec := e.do("erin", "POST", "/api/invitations/accept", map[string]string{"token": again.Token})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Header().Get("Set-Cookie"), app.WorkspaceCookie+"="+e.ws[app.SeedSales].String())
	require.Equal(t, map[string]workspace.Role{app.SeedSales: "member"}, e.selector("erin"))
	require.Len(t, e.items("erin", app.SeedSales, "agents"), 2)
	e.refused("erin", "GET", e.path(app.SeedSupport, "/agents"), nil, http.StatusNotFound, "not-found")
	e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": again.Token}, http.StatusConflict, "invitation-used")
	e.refused("dave", "POST", "/api/invitations/accept", map[string]string{"token": again.Token}, http.StatusConflict, "invitation-used")
	e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": "garbage"}, http.StatusNotFound, "invitation-unknown")
	e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": strings.Repeat("A", 43)}, http.StatusNotFound, "invitation-unknown")

	e.ok("alice", "GET", e.path(app.SeedSales, "/invitations"), nil, &lists)
	require.Empty(t, lists.Pending)
}

// Revoked and expired tokens are refused with their own codes; a revoked
// invitation cannot be revoked again; an expired one is listed apart and
// a resend revives it.
func TestInvitationRevokedAndExpired(t *testing.T) { flowRevokeExpire(t, memory(t)) }

func flowRevokeExpire(t *testing.T, e *env) {
	revoked := e.invite("alice", app.SeedSupport, "erin@example.com", workspace.RoleViewer)
	path := e.path(app.SeedSupport, "/invitations/"+revoked.Invitation.ID.String())
	e.refused("bob", "DELETE", path, nil, http.StatusForbidden, "forbidden") // viewer there
	e.call("alice", "DELETE", path, nil, http.StatusNoContent, nil)
	e.refused("alice", "DELETE", path, nil, http.StatusConflict, "invitation-not-pending")
	e.refused("alice", "POST", path+"/resend", nil, http.StatusConflict, "invitation-not-pending")
	e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": revoked.Token}, http.StatusGone, "invitation-revoked")
	e.refused("alice", "DELETE", e.path(app.SeedSales, "/invitations/"+revoked.Invitation.ID.String()), nil, http.StatusNotFound, "not-found")

	late := e.invite("alice", app.SeedSupport, "erin@example.com", workspace.RoleMember)
	e.clock.advance(8 * 24 * time.Hour)
	e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": late.Token}, http.StatusGone, "invitation-expired")
	var lists invitationLists
	e.ok("alice", "GET", e.path(app.SeedSupport, "/invitations"), nil, &lists)
	require.Empty(t, lists.Pending)
	require.Equal(t, []string{"erin@example.com"}, emails(lists.Expired))

	var revived sentInvitation
	e.ok("alice", "POST", e.path(app.SeedSupport, "/invitations/"+late.Invitation.ID.String()+"/resend"), nil, &revived)
	require.Equal(t, workspace.Role("member"), e.accept("erin", revived.Token).Scope.Role)
}

// Who may invite whom: members may not invite; nobody invites above their
// own role; seats count against the plan; an existing member cannot
// accept another invitation to the same workspace.
func TestInvitationRefusals(t *testing.T) {
	e := memory(t)
	body := func(email, role string) map[string]string { return map[string]string{"email": email, "role": role} }
	e.refused("carol", "POST", e.path(app.SeedSales, "/invitations"), body("x@example.com", "viewer"), http.StatusForbidden, "forbidden")
	e.refused("bob", "POST", e.path(app.SeedSales, "/invitations"), body("x@example.com", "owner"), http.StatusForbidden, "forbidden")
	e.refused("bob", "POST", e.path(app.SeedSupport, "/invitations"), body("x@example.com", "viewer"), http.StatusForbidden, "forbidden")
	e.refused("alice", "POST", e.path(app.SeedSales, "/invitations"), body("not an email", "viewer"), http.StatusUnprocessableEntity, "invalid")
	e.refused("alice", "POST", e.path(app.SeedSales, "/invitations"), body("x@example.com", "wizard"), http.StatusUnprocessableEntity, "invalid")

	// Globex is on the free plan: three seats, dave holds one.
	e.invite("dave", app.SeedGlobexHQ, "a@example.com", workspace.RoleViewer)
	second := e.invite("dave", app.SeedGlobexHQ, "b@example.com", workspace.RoleViewer)
	e.refused("dave", "POST", e.path(app.SeedGlobexHQ, "/invitations"), body("c@example.com", "viewer"), http.StatusPaymentRequired, "plan-limit")
	e.call("dave", "DELETE", e.path(app.SeedGlobexHQ, "/invitations/"+second.Invitation.ID.String()), nil, http.StatusNoContent, nil)
	e.invite("dave", app.SeedGlobexHQ, "c@example.com", workspace.RoleViewer)

	dup := e.invite("alice", app.SeedSales, "bob@example.com", workspace.RoleViewer)
	e.refused("bob", "POST", "/api/invitations/accept", map[string]string{"token": dup.Token}, http.StatusConflict, "already-member")
}
