package api_test

// Attack tests: each either demonstrates a hole (and fails until it is
// fixed) or guards an attack that held. Every store-touching attack runs on
// memory and on PostgreSQL in strict mode (pgtest).

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

// both runs f on the in-memory store and on PostgreSQL in strict mode.
func both(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("memory", func(t *testing.T) { f(t, memory(t)) })
	t.Run("postgres", func(t *testing.T) {
		e := newEnv(t, pg.NewDatabase(t))
		require.True(t, e.app.StrictKeyLocked)
		f(t, e)
	})
}

type customRoles struct {
	Custom []struct {
		Name        string   `json:"name"`
		Permissions []string `json:"permissions"`
	} `json:"custom"`
}

func (e *env) customRoleNames(user, ws string) []string {
	e.t.Helper()
	var out customRoles
	e.ok(user, "GET", e.path(ws, "/roles"), nil, &out)
	names := []string{}
	for _, r := range out.Custom {
		names = append(names, r.Name)
	}
	return names
}

// HOLE: PATCH .../roles/{role} renames first (committed), then parses and
// applies the permissions. When the permissions are refused (unknown
// permission: 422; beyond the caller's own: 403) the client gets an error
// but the rename has already happened: a refused request changed state,
// against the library's "a failed call changes nothing". Holders of the
// role see it renamed, and a client retrying with the old name gets 404.
func TestAttackRoleRenameIsHalfAppliedWhenPermissionsAreRefused(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		roles := e.path(app.SeedSales, "/roles")
		e.call("alice", "POST", roles, map[string]any{"name": "lead", "permissions": []string{"agents:read"}}, http.StatusCreated, nil)

		// Unknown permission: the request is invalid.
		e.refused("alice", "PATCH", roles+"/lead", map[string]any{"name": "renamed", "permissions": []string{"agentz:read"}},
			http.StatusUnprocessableEntity, "invalid")
		assert.Contains(t, e.customRoleNames("alice", app.SeedSales), "lead", "a refused (422) PATCH must not rename the role")

		// Beyond the caller's own permissions (bob is admin in Sales).
		e.call("bob", "POST", roles, map[string]any{"name": "helper", "permissions": []string{"agents:read"}}, http.StatusCreated, nil)
		e.refused("bob", "PATCH", roles+"/helper", map[string]any{"name": "helper2", "permissions": []string{"settings:delete"}},
			http.StatusForbidden, "forbidden")
		assert.Contains(t, e.customRoleNames("alice", app.SeedSales), "helper", "a refused (403) PATCH must not rename the role")
	})
}

// HOLE: the API accepts the browser session cookie (POST /api/login) but
// has no cross-origin/CSRF check of its own; the only thing between a
// foreign page and the bodiless POSTs (leave, resend, switch, logout) is
// SameSite=Lax. A same-site origin that is not this one (a sibling
// subdomain: user content, a marketing site, a compromised app on the same
// registrable domain) gets Lax cookies on a plain form POST, and an old
// browser without SameSite sends them from anywhere. The UI refuses exactly
// this request (http.CrossOriginProtection + token); the API makes bob
// leave Sales.
func TestAttackAPIBodilessPostsFromAnotherOriginWithTheSessionCookie(t *testing.T) {
	e := memory(t)
	rec := e.do("", "POST", "/api/login", map[string]string{"user": "bob"})
	require.Equal(t, http.StatusOK, rec.Code)
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == app.SessionCookie {
			session = c
		}
	}
	require.NotNil(t, session)

	// What a browser sends for <form method=post action=".../leave"> on
	// https://blog.example.test submitted to https://app.example.test.
	forged := func(method, path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://app.example.test"+path, strings.NewReader(""))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "http://blog.example.test")
		r.Header.Set("Sec-Fetch-Site", "same-site")
		r.Header.Set("Sec-Fetch-Mode", "navigate")
		r.AddCookie(session)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		return rec
	}
	inv := e.invite("alice", app.SeedSales, "erin@example.com", workspace.RoleViewer)
	got := forged("POST", e.path(app.SeedSales, "/invitations/"+inv.Invitation.ID.String()+"/resend"))
	require.Equal(t, http.StatusForbidden, got.Code, "a cross-origin resend must be refused: %s", got.Body.String())
	got = forged("POST", e.path(app.SeedSales, "/leave"))
	require.Equal(t, http.StatusForbidden, got.Code, "a cross-origin leave must be refused: %s", got.Body.String())
	require.Equal(t, workspace.RoleAdmin, e.selector("bob")[app.SeedSales], "bob is still admin of Sales")
}

// HOLE (hardening): the "strict" decoder takes duplicate keys, also under
// another case ({"role":"viewer","ROLE":"owner"}), the last one winning.
// Anything in front of the API that reads the JSON (a gateway rule, an
// audit log of request bodies, a WAF) sees another request than the
// server acts on. Strict decoding should refuse a repeated key.
func TestAttackDuplicateJSONKeysAreAccepted(t *testing.T) {
	e := memory(t)
	carol := e.path(app.SeedSales, "/team/carol")
	for _, body := range []string{
		`{"role":"viewer","role":"admin"}`,
		`{"role":"viewer","ROLE":"admin"}`,
	} {
		e.refused("alice", "PATCH", carol, raw(body), http.StatusBadRequest, "bad-request")
	}
	require.Equal(t, workspace.RoleMember, e.team("alice", app.SeedSales)["carol"])
}

// HELD: ids of another workspace's records (items of every kind,
// invitations, members, custom roles) sent through a workspace the caller
// does belong to are not found, with the very bytes of an id that never
// existed, and change nothing. Same with ids of a sibling workspace of the
// same account, and of the caller's own other workspace.
func TestAttackOtherWorkspacesIDsThroughOwnPath(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		// Dave's Globex HQ holds an item of each kind, an invitation and a custom role.
		hqItems := map[string]uuid.UUID{}
		for _, kind := range e.kinds() {
			hqItems[kind] = e.items("dave", app.SeedGlobexHQ, kind)[0].ID
		}
		hqInv := e.invite("dave", app.SeedGlobexHQ, "spy@example.com", workspace.RoleMember)
		e.call("dave", "POST", e.path(app.SeedGlobexHQ, "/roles"), map[string]any{"name": "globex-only", "permissions": []string{"agents:read"}}, http.StatusCreated, nil)
		supportInv := e.invite("alice", app.SeedSupport, "sibling@example.com", workspace.RoleViewer)

		type probe struct {
			method, rest string
			body         any
			unknown      string // the same route with an id that never existed
		}
		unknownID := uuid.NewString()
		probes := []probe{
			{"POST", "/invitations/" + hqInv.Invitation.ID.String() + "/resend", nil, "/invitations/" + unknownID + "/resend"},
			{"DELETE", "/invitations/" + hqInv.Invitation.ID.String(), nil, "/invitations/" + unknownID},
			{"POST", "/invitations/" + supportInv.Invitation.ID.String() + "/resend", nil, "/invitations/" + unknownID + "/resend"},
			{"DELETE", "/invitations/" + supportInv.Invitation.ID.String(), nil, "/invitations/" + unknownID},
			{"GET", "/team/dave", nil, "/team/nobody"},
			{"PATCH", "/team/dave", map[string]string{"role": "viewer"}, "/team/nobody"},
			{"DELETE", "/team/dave", nil, "/team/nobody"},
			{"PATCH", "/roles/globex-only", map[string]any{"permissions": []string{"agents:read", "contacts:read"}}, "/roles/never-was"},
			{"PATCH", "/roles/globex-only", map[string]any{"name": "stolen"}, "/roles/never-was"},
			{"DELETE", "/roles/globex-only", nil, "/roles/never-was"},
		}
		for kind, id := range hqItems {
			probes = append(probes,
				probe{"GET", "/" + kind + "/" + id.String(), nil, "/" + kind + "/" + unknownID},
				probe{"DELETE", "/" + kind + "/" + id.String(), nil, "/" + kind + "/" + unknownID})
		}
		for _, p := range probes {
			want := e.do("alice", p.method, e.path(app.SeedSales, p.unknown), p.body)
			got := e.do("alice", p.method, e.path(app.SeedSales, p.rest), p.body)
			require.Equal(t, want.Code, got.Code, "%s %s", p.method, p.rest)
			require.Contains(t, []int{http.StatusNotFound, http.StatusUnprocessableEntity}, got.Code, "%s %s: %s", p.method, p.rest, got.Body.String())
			require.Equal(t, want.Body.String(), got.Body.String(), "%s %s", p.method, p.rest)
			require.Equal(t, want.Header(), got.Header(), "%s %s", p.method, p.rest)
		}
		// Bob: a Support (viewer) item id through Sales (admin) does not
		// let him delete it with his Sales role.
		supportAgent := e.items("alice", app.SeedSupport, "agents")[0].ID
		e.refused("bob", "DELETE", e.path(app.SeedSales, "/agents/"+supportAgent.String()), nil, http.StatusNotFound, "not-found")

		// Nothing changed anywhere.
		for _, kind := range e.kinds() {
			require.Len(t, e.items("dave", app.SeedGlobexHQ, kind), 2, kind)
		}
		require.Len(t, e.items("alice", app.SeedSupport, "agents"), 2)
		require.Equal(t, []string{"globex-only"}, e.customRoleNames("dave", app.SeedGlobexHQ))
		require.Equal(t, map[string]workspace.Role{"dave": "owner"}, e.team("dave", app.SeedGlobexHQ))
		var invs struct {
			Pending []struct {
				Email string `json:"email"`
			} `json:"pending"`
		}
		e.ok("dave", "GET", e.path(app.SeedGlobexHQ, "/invitations"), nil, &invs)
		require.Len(t, invs.Pending, 1)
		e.ok("alice", "GET", e.path(app.SeedSupport, "/invitations"), nil, &invs)
		require.Len(t, invs.Pending, 1)
		// The original tokens still work: resend from Sales did not rotate them.
		require.Equal(t, app.SeedGlobexHQ, e.accept("erin", hqInv.Token).Workspace.Name)
	})
}

// HELD: the API reads the workspace from the path only. A header or the
// remembered cookie naming another workspace changes nothing: dave cannot
// reach Sales by naming his own workspace elsewhere, and alice's write in
// Sales lands in Sales whatever the header and cookie say.
func TestAttackHeaderAndCookieDoNotOverrideThePath(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		send := func(user, method, path, other string, body any) *httptest.ResponseRecorder {
			j, _ := json.Marshal(body)
			r := httptest.NewRequest(method, path, strings.NewReader(string(j)))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set(app.UserHeader, user)
			r.Header.Set("X-Workspace-ID", other)
			r.AddCookie(&http.Cookie{Name: app.WorkspaceCookie, Value: other})
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, r)
			return rec
		}
		hq := e.ws[app.SeedGlobexHQ].String()
		rec := send("dave", "GET", e.path(app.SeedSales, "/agents"), hq, nil)
		require.Equal(t, http.StatusNotFound, rec.Code)
		require.NotContains(t, rec.Body.String(), "Sales")

		rec = send("alice", "POST", e.path(app.SeedSales, "/agents"), e.ws[app.SeedSupport].String(), map[string]string{"name": "Placed"})
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Contains(t, itemNames(e.items("alice", app.SeedSales, "agents")), "Placed")
		require.NotContains(t, itemNames(e.items("alice", app.SeedSupport, "agents")), "Placed")

		// A switch answers the path's scope and remembers the path's workspace.
		rec = send("alice", "POST", e.path(app.SeedSupport, "/switch"), hq, nil)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Header().Get("Set-Cookie"), app.WorkspaceCookie+"="+e.ws[app.SeedSupport].String())
	})
}

// HELD: an invitation does not change the role of someone who already
// holds one: a viewer holding a leaked admin invitation to their own
// workspace is refused and stays viewer; the account owner cannot
// "accept" a lower role in their own account (already a member: owner of
// every workspace of it). A refused accept leaves the
// token usable by its real recipient.
func TestAttackInvitationCannotUpgradeAnExistingMember(t *testing.T) {
	both(t, func(t *testing.T, e *env) {
		inv := e.invite("alice", app.SeedSupport, "newhire@example.com", workspace.RoleAdmin)
		e.refused("bob", "POST", "/api/invitations/accept", map[string]string{"token": inv.Token}, http.StatusConflict, "already-member")
		require.Equal(t, workspace.RoleViewer, e.selector("bob")[app.SeedSupport])
		e.refused("alice", "POST", "/api/invitations/accept", map[string]string{"token": inv.Token}, http.StatusConflict, "already-member")
		require.Equal(t, workspace.RoleOwner, e.selector("alice")[app.SeedSupport])
		require.Equal(t, workspace.RoleAdmin, e.accept("carol", inv.Token).Scope.Role)
		e.refused("erin", "POST", "/api/invitations/accept", map[string]string{"token": inv.Token}, http.StatusConflict, "invitation-used")
	})
}

// HELD: ids that are not demo users, crafted to look like an API key's
// principal or carrying control characters, are not let in by the header
// nor by the login.
func TestAttackCraftedUserIDs(t *testing.T) {
	e := memory(t)
	for _, id := range []string{"apikey:" + uuid.NewString(), "alice\x00", "alice\r\nX-Evil: 1", " alice", "ALICE", "alice\u200b"} {
		r := httptest.NewRequest("GET", "/api/workspaces", nil)
		r.Header[app.UserHeader] = []string{id}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "%q", id)
		require.NotContains(t, rec.Body.String(), "alice", "%q", id)
		e.refused("", "POST", "/api/login", map[string]string{"user": id}, http.StatusUnauthorized, "unauthenticated")
	}
}
