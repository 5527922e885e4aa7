package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
)

var secretInPage = regexp.MustCompile(`id="key-secret">(wsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43})<`)

// keyNamed is the key of the named workspace with name, read as its
// owner through the service.
func (s *site) keyNamed(t *testing.T, owner workspace.UserID, ws, name string) apikey.Key {
	t.Helper()
	keys, err := s.app.Kit.Keys.List(s.in(t, owner, ws), workspace.Page{})
	require.NoError(t, err)
	for _, k := range keys {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no key %q in %s", name, ws)
	return apikey.Key{}
}

// The API keys page: the seeded key listed; creating one shows its secret
// once, in the answer to the POST (no-store, no cookie carries it, the
// address bar gets the list's address), and the secret works as a key of
// Sales with the chosen role and expiry; the list afterwards never holds
// it; revoke stops it at once and keeps it listed.
func TestAPIKeysPage(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	s := newSiteWith(t, func() time.Time { return at })
	alice := s.as(t, "alice")
	page := s.path("Sales", "api-keys")

	resp, body := alice.get(page)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-key="`+app.SeedKeySales+`"`)
	require.Contains(t, body, `aria-current="page" data-section="api-keys"`, "the sidebar marks the page")
	require.Contains(t, body, `id="create-key"`)
	require.Contains(t, text(between(t, body, `id="key-limit">`, `</span>`)), "1 active key of 10 on plan team.")
	require.NotContains(t, body, `id="key-secret"`)

	resp, body = alice.post(page, url.Values{"name": {"Deploy bot"}, "role": {"member"}, "expires": {"30"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, text(body))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	m := secretInPage.FindStringSubmatch(body)
	require.NotNil(t, m, "the secret is shown")
	secret := m[1]
	for _, c := range resp.Header.Values("Set-Cookie") {
		require.NotContains(t, c, secret[len(secret)-43:], "no cookie carries the secret")
	}
	require.Contains(t, body, `data-url="`+page+`"`, "a reload loads the list")
	require.Contains(t, text(body), "API key “Deploy bot” created.")
	require.Contains(t, text(body), "2 active keys of 10 on plan team.")

	sc, err := s.app.Kit.Keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	require.Equal(t, s.ws["Sales"].ID, sc.WorkspaceID)
	require.Equal(t, workspace.RoleMember, sc.Role)
	k := s.keyNamed(t, "alice", "Sales", "Deploy bot")
	require.True(t, k.ExpiresAt.Equal(at.AddDate(0, 0, 30)), "%v", k.ExpiresAt)
	require.True(t, strings.HasPrefix(secret, k.Prefix()+"_"))

	// Afterwards (the reload, or any later visit), never again.
	resp, body = alice.get(page)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-key="Deploy bot"`)
	require.Contains(t, body, k.Prefix(), "the prefix is shown to recognize the key")
	require.NotContains(t, body, secret[len(k.Prefix())+1:])
	require.NotContains(t, body, `id="key-secret"`)

	// Revoke, with the form's token: refused without it.
	revoke := page + "/" + k.ID.String() + "/revoke"
	require.Contains(t, body, `action="`+revoke+`"`)
	resp, _ = alice.post(revoke, url.Values{"csrf": {"forged"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	_, err = s.app.Kit.Keys.Authenticate(context.Background(), secret)
	require.NoError(t, err, "a refused form revokes nothing")

	resp, body = alice.noRedirects().post(revoke, url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotContains(t, body, secret)
	resp, body = alice.get(page)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "API key “Deploy bot” revoked. It stopped working at once; it stays listed as revoked.", text(between(t, body, `id="flash" role="status">`, `</div>`)))
	row := between(t, body, `data-key="Deploy bot"`, `</tr>`)
	require.Contains(t, row, `data-status="revoked"`)
	require.NotContains(t, row, "revoke-key", "nothing left to revoke")
	_, err = s.app.Kit.Keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)

	// Forced again: a conflict, shown on the page.
	resp, body = alice.post(revoke, url.Values{})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, text(body), "409 Conflict")

	// Refusals keep the form: an empty name, an expiry not offered.
	resp, body = alice.post(page, url.Values{"name": {" "}, "role": {"member"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.NotContains(t, body, `id="key-secret"`)
	resp, body = alice.post(page, url.Values{"name": {"Odd"}, "role": {"member"}, "expires": {"13"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Equal(t, "Odd", inputValue(t, body, "name"))
}

// Controls follow the role, and the server refuses them anyway: a viewer
// has no page (403) and no sidebar entry; a member sees the list but no
// create form nor revoke button, and forced forms are refused; an admin
// cannot give a key the owner role; the free plan's limit is a 402.
func TestAPIKeysPageByRole(t *testing.T) {
	s := newSite(t)
	seeded := s.keyNamed(t, "alice", "Sales", app.SeedKeySales)

	bob := s.as(t, "bob")
	resp, body := bob.get(s.path("Support", "api-keys"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.NotContains(t, body, `data-section="api-keys"`)
	resp, _ = bob.post(s.path("Support", "api-keys"), url.Values{"name": {"Sneaky"}, "role": {"viewer"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	keys, err := s.app.Kit.Keys.List(s.in(t, "alice", "Support"), workspace.Page{})
	require.NoError(t, err)
	require.Empty(t, keys)

	// bob is admin in Sales: he creates, not as owner, and may revoke the
	// member key.
	_, body = bob.get(s.path("Sales", "api-keys"))
	require.Contains(t, body, `id="create-key"`)
	roles := between(t, body, `id="key-role">`, `</select>`)
	require.Contains(t, roles, `value="admin"`)
	require.NotContains(t, roles, `value="owner"`)
	require.Contains(t, between(t, body, `data-key="`+app.SeedKeySales+`"`, `</tr>`), "revoke-key")
	resp, _ = bob.post(s.path("Sales", "api-keys"), url.Values{"name": {"Root"}, "role": {"owner"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	carol := s.as(t, "carol")
	resp, body = carol.get(s.path("Sales", "api-keys"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-key="`+app.SeedKeySales+`"`)
	require.NotContains(t, body, `id="create-key"`)
	require.NotContains(t, body, "revoke-key")
	resp, _ = carol.post(s.path("Sales", "api-keys"), url.Values{"name": {"Mine"}, "role": {"viewer"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = carol.post(s.path("Sales", "api-keys/"+seeded.ID.String()+"/revoke"), url.Values{})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "active", s.app.KeyStatus(s.keyNamed(t, "alice", "Sales", app.SeedKeySales)))

	// Sales' key revoked from another workspace's page: not found there.
	alice := s.as(t, "alice")
	resp, _ = alice.post(s.path("Support", "api-keys/"+seeded.ID.String()+"/revoke"), url.Values{})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "active", s.app.KeyStatus(s.keyNamed(t, "alice", "Sales", app.SeedKeySales)))

	// Globex HQ is on the free plan: two keys, the seeded one included.
	dave := s.as(t, "dave")
	resp, body = dave.post(s.path("Globex HQ", "api-keys"), url.Values{"name": {"Second"}, "role": {"member"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "2 active keys of 2 on plan free.")
	resp, body = dave.post(s.path("Globex HQ", "api-keys"), url.Values{"name": {"Third"}, "role": {"member"}})
	require.Equal(t, http.StatusPaymentRequired, resp.StatusCode)
	require.Contains(t, text(body), "402 Payment Required Your plan allows no more; upgrade to continue.")
	require.NotContains(t, body, `id="key-secret"`)
}
