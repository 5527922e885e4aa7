package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

var inviteURL = regexp.MustCompile(`<code id="invite-url">([^<]+)</code>`)

// invite sends an invitation from v's Team page of workspace and returns
// the one-time link the page shows.
func invite(t *testing.T, s *site, v *visitor, ws, email, role string) string {
	t.Helper()
	v.get(s.path(ws, "settings/team"))
	resp, body := v.post(s.path(ws, "settings/team/invite"), url.Values{"email": {email}, "role": {role}})
	require.Equal(t, http.StatusOK, resp.StatusCode, text(body))
	require.Contains(t, text(body), "Invitation created for "+email+".")
	m := inviteURL.FindStringSubmatch(body)
	require.NotNil(t, m)
	require.Contains(t, body, `data-url="`+s.path(ws, "settings/team")+`"`, "a reload does not post again")
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func TestTeamPageShowsMembersAndRoles(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	_, body := alice.get(s.path("Sales", "settings/team"))
	members := between(t, body, `<table id="members">`, `</table>`)
	for user, role := range map[string]string{"alice": "owner", "bob": "admin", "carol": "member"} {
		row := between(t, members, `data-member="`+user+`"`, `</tr>`)
		require.Contains(t, row, `data-role="`+role+`"`, user)
	}
	require.Contains(t, between(t, members, `data-member="alice"`, `</tr>`), "account owner")
	require.NotContains(t, between(t, members, `data-member="alice"`, `</tr>`), "change-role", "the account owner's role is not changed per workspace")
	require.Contains(t, between(t, members, `data-member="bob"`, `</tr>`), "change-role")
	require.Contains(t, body, `id="invite-form"`)

	// An admin manages the team, but not the owner, and grants up to admin.
	bob := s.as(t, "bob")
	_, body = bob.get(s.path("Sales", "settings/team"))
	require.Contains(t, body, `id="invite-form"`)
	require.NotContains(t, between(t, body, `<select name="role" id="invite-role">`, `</select>`), `value="owner"`)
	require.Contains(t, between(t, body, `data-member="carol"`, `</tr>`), "change-role")
	require.NotContains(t, between(t, body, `data-member="bob"`, `</tr>`), "change-role", "not oneself")

	// A member reads the team and manages nothing; a forced form is refused.
	carol := s.as(t, "carol")
	resp, body := carol.get(s.path("Sales", "settings/team"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotContains(t, body, `id="invite-form"`)
	require.NotContains(t, body, "change-role")
	require.NotContains(t, body, "remove-member")
	resp, body = carol.post(s.path("Sales", "settings/team/invite"), url.Values{"email": {"x@example.com"}, "role": {"viewer"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, text(body), "403 Forbidden Your role in this workspace does not allow this.")
}

func TestRoleChangesAndRemoval(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	team := s.path("Sales", "settings/team")
	alice.get(team)
	resp, body := alice.post(team+"/role", url.Values{"user": {"carol"}, "role": {"viewer"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, team, resp.Request.URL.Path)
	require.Contains(t, text(body), "Carol Cho is now viewer.")
	require.Contains(t, between(t, body, `data-member="carol"`, `</tr>`), `data-role="viewer"`)

	// The new role holds from carol's next request.
	carol := s.as(t, "carol")
	_, body = carol.get(s.path("Sales", "agents"))
	require.Contains(t, body, `id="workspace-role">viewer<`)
	require.NotContains(t, body, `id="create-item"`)

	// Refusals by hand: bob (admin) may not make an owner nor touch alice.
	bob := s.as(t, "bob")
	bob.get(team)
	resp, body = bob.post(team+"/role", url.Values{"user": {"carol"}, "role": {"owner"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, text(body), "403 Forbidden")
	resp, body = bob.post(team+"/role", url.Values{"user": {"alice"}, "role": {"viewer"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, text(body), "The account owner is owner of every workspace")
	resp, _ = bob.post(team+"/remove", url.Values{"user": {"alice"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)

	resp, body = bob.post(team+"/remove", url.Values{"user": {"carol"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "Carol Cho was removed from this workspace.")
	require.NotContains(t, body, `data-member="carol"`)
	resp, _ = carol.get(s.path("Sales", "agents"))
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "removed: Sales is now like any workspace carol cannot see")
}

func TestInviteAndAccept(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	link := invite(t, s, alice, "Sales", "erin@example.com", "member")
	require.True(t, strings.HasPrefix(link, s.srv.URL+"/invitations/accept?token="), link)

	_, body := alice.get(s.path("Sales", "settings/team"))
	require.Contains(t, between(t, body, `<table id="pending">`, `</table>`), `data-invitation="erin@example.com"`)
	require.NotContains(t, body, "invite-url", "the link is shown once")

	// erin follows the link signed out: sign-in, then back to the page.
	erin := s.visitor(t)
	path := strings.TrimPrefix(link, s.srv.URL)
	resp, body := erin.get(path)
	require.Equal(t, "/login", resp.Request.URL.Path)
	resp, body = erin.post("/login", url.Values{"user": {"erin"}, "next": {inputValue(t, body, "next")}})
	require.Equal(t, "/invitations/accept", resp.Request.URL.Path)
	require.Contains(t, body, `id="accept-invitation"`)
	require.Empty(t, s.roles(t, "erin"), "following the link joins nobody")

	resp, body = erin.post("/invitations/accept", url.Values{"token": {inputValue(t, body, "token")}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, s.path("Sales", "agents"), resp.Request.URL.Path)
	require.Contains(t, text(body), "Welcome to Sales. You joined as member.")
	require.Contains(t, body, `id="workspace-role">member<`)

	// Single use.
	resp, body = erin.get(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body = erin.post("/invitations/accept", url.Values{"token": {inputValue(t, body, "token")}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, text(body), "This invitation was already accepted.")

	resp, body = erin.post("/invitations/accept", url.Values{"token": {"nonsense"}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, text(body), "This invitation does not exist.")
}

func TestResendAndRevoke(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	first := invite(t, s, alice, "Support", "erin@example.com", "viewer")
	pending, err := s.app.Kit.Team.Pending(s.in(t, "alice", "Support"))
	require.NoError(t, err)
	require.Len(t, pending, 1)
	id := pending[0].ID.String()

	resp, body := alice.post(s.path("Support", "settings/team/invitations/"+id+"/resend"), url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "New invitation link for erin@example.com.")
	second := strings.ReplaceAll(inviteURL.FindStringSubmatch(body)[1], "&amp;", "&")
	require.NotEqual(t, first, second)

	_, err = s.app.Kit.Team.Accept(t.Context(), "erin", tokenOf(first))
	require.ErrorIs(t, err, membership.ErrTokenUnknown, "the old link stopped working")

	resp, body = alice.post(s.path("Support", "settings/team/invitations/"+id+"/revoke"), url.Values{})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "Invitation revoked.")
	require.Contains(t, text(between(t, body, `<table id="pending">`, `</table>`)), "No pending invitations.")
	_, err = s.app.Kit.Team.Accept(t.Context(), "erin", tokenOf(second))
	require.ErrorIs(t, err, membership.ErrTokenRevoked)

	resp, _ = alice.post(s.path("Support", "settings/team/invitations/"+id+"/revoke"), url.Values{})
	require.Equal(t, http.StatusConflict, resp.StatusCode, "no longer pending")
	resp, _ = alice.post(s.path("Support", "settings/team/invitations/not-an-id/revoke"), url.Values{})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestExpiredInvitationsOfferResend(t *testing.T) {
	var skew atomic.Int64 // the server reads the clock on its goroutines
	s := newSiteWith(t, func() time.Time { return workspace.UTCClock().Add(time.Duration(skew.Load())) })
	alice := s.as(t, "alice")
	link := invite(t, s, alice, "Sales", "erin@example.com", "member")
	skew.Store(int64(8 * 24 * time.Hour))

	_, body := alice.get(s.path("Sales", "settings/team"))
	expired := between(t, body, `<table id="expired">`, `</table>`)
	require.Contains(t, expired, `data-invitation="erin@example.com"`)
	require.Contains(t, expired, ">Resend<")

	erin := s.as(t, "erin")
	_, body = erin.get(strings.TrimPrefix(link, s.srv.URL))
	resp, body := erin.post("/invitations/accept", url.Values{"token": {inputValue(t, body, "token")}})
	require.Equal(t, http.StatusGone, resp.StatusCode)
	require.Contains(t, text(body), "This invitation has expired; ask for a new one.")
	require.Empty(t, s.roles(t, "erin"))
}

func tokenOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		panic(err)
	}
	return u.Query().Get("token")
}
