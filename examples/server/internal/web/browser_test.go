package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
)

// TestBrowser clicks through the product doc's flows in headless
// chromium, on the seeded in-memory app, saving a screenshot of each
// screen: sign-in; the sidebar naming the active workspace; switching in
// the selector (the role shown changes); creating beyond the plan (the
// refusal in the dialog); inviting, and accepting as erin in a browser of
// her own; changing her role in Settings > Team (her next page shows
// it); an API key created, its secret shown once (not after a reload),
// and revoked; the delete dialog, whose button stays disabled until the
// exact name is typed and whose server refuses a wrong name anyway; a
// foreign workspace answering 404.
func TestBrowser(t *testing.T) {
	start := time.Now()
	s := newSite(t)
	b := newBrowser(t, s.srv.URL)

	// Sign-in: example-only, marked as such.
	b.open("/")
	require.True(t, strings.EqualFold("Example-only login", b.text("#example-only"))) // upper-cased by CSS
	b.shot("login")

	// bob: admin in Sales, viewer in Support.
	require.EqualValues(t, http.StatusOK, b.submit("#login-bob"))
	require.Equal(t, "Sales", b.text("#workspace-name"), "the sidebar names the active workspace")
	require.Equal(t, "Active", b.text("#workspace-active"))
	require.Equal(t, "admin", b.text("#workspace-role"))
	require.True(t, b.present("#create-item"))
	b.shot("sidebar-bob-in-sales")

	b.do(chromedpClick("#workspace-current"))
	require.Equal(t, "S Sales admin ✓ S Support viewer", b.text("#workspace-list"))
	b.shot("selector-open")
	require.EqualValues(t, http.StatusOK, b.submit(`#workspace-list a[data-workspace="Support"]`))
	require.Equal(t, "Support", b.text("#workspace-name"))
	require.Equal(t, "viewer", b.text("#workspace-role"), "the role read fresh in the target")
	require.Contains(t, b.text("#flash"), "Same session, no new login.")
	require.False(t, b.present("#create-item"), "a viewer gets no create form")
	require.True(t, strings.Contains(b.text("#items"), "Support: "), "Support's own items")
	b.shot("switched-bob-viewer-in-support")
	b.submit("#logout")

	// alice, owner of Acme (plan team: three workspaces).
	b.submit("#login-alice")
	b.do(chromedpClick("#workspace-current"))
	require.EqualValues(t, http.StatusOK, b.submit("#manage-workspaces"))
	require.Equal(t, "Workspaces", b.text("#page-title"))
	b.shot("settings-workspaces")

	createWorkspace := func(name, description string) int64 {
		b.do(chromedpClick("#new-workspace"))
		b.do(chromedpType("#create-name", name), chromedpType("#create-description", description))
		return b.submit("#create-submit")
	}
	require.EqualValues(t, http.StatusOK, createWorkspace("Staging", "Try things before Sales sees them"))
	require.Contains(t, b.text("#flash"), "Created “Staging”.")
	require.True(t, b.present(`#workspaces tr[data-workspace="Staging"]`))
	require.EqualValues(t, http.StatusPaymentRequired, createWorkspace("Extra", "One too many"))
	require.Equal(t, "402 Payment Required Your plan allows no more; upgrade to continue.", b.text("#create-dialog .flash"))
	b.shot("create-beyond-plan-refused")

	// Invite erin to Sales as a member; the link is shown once.
	b.open(s.path("Sales", "settings/team"))
	b.do(chromedpType("#invite-email", "erin@example.com"), chromedpSelect("#invite-role", "member"))
	require.EqualValues(t, http.StatusOK, b.submit("#invite-submit"))
	link := b.text("#invite-url")
	require.True(t, strings.HasPrefix(link, s.srv.URL+"/invitations/accept?token="), link)
	b.shot("invitation-link")

	// erin, in a browser of her own, follows it: sign-in, then accept.
	erin := b.fresh()
	erin.open(strings.TrimPrefix(link, s.srv.URL))
	erin.submit("#login-erin")
	require.True(t, erin.present("#accept-invitation"), "back on the invitation after signing in")
	erin.shot("erin-accepts")
	require.EqualValues(t, http.StatusOK, erin.submit("#accept-invitation"))
	require.Equal(t, "Sales", erin.text("#workspace-name"))
	require.Equal(t, "member", erin.text("#workspace-role"))
	require.Equal(t, "Welcome to Sales. You joined as member.", erin.text("#flash"))
	erin.shot("erin-joined-sales")

	// alice makes erin a viewer in Settings > Team.
	b.open(s.path("Sales", "settings/team"))
	erinRow := `#members tr[data-member="erin"]`
	require.Equal(t, "member", b.text(erinRow+" [data-role]"))
	b.do(chromedpSelect(erinRow+" select.role-select", "viewer"))
	require.EqualValues(t, http.StatusOK, b.submit(erinRow+" button.change-role"))
	require.Equal(t, "Erin Eze is now viewer. The new role holds from their next request, on every device.", b.text("#flash"))
	require.Equal(t, "viewer", b.text(erinRow+" [data-role]"))
	b.shot("team-role-changed")
	erin.open(s.path("Sales", "agents"))
	require.Equal(t, "viewer", erin.text("#workspace-role"), "erin's next page has the new role, same session")
	require.False(t, erin.present("#create-item"))

	// An API key: created on its page, its secret shown once (a reload
	// loads the list, without it), then revoked with its button.
	b.open(s.path("Sales", "api-keys"))
	b.do(chromedpType("#key-name", "Deploy bot"), chromedpSelect("#key-role", "member"))
	require.EqualValues(t, http.StatusOK, b.submit("#key-submit"))
	secret := b.text("#key-secret")
	require.Regexp(t, `^wsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$`, secret)
	require.Equal(t, "API key “Deploy bot” created. Copy its secret now: it is shown once.", b.text("#flash"))
	b.shot("api-key-secret-shown-once")
	_, err := s.app.Kit.Keys.Authenticate(context.Background(), secret)
	require.NoError(t, err, "the secret shown is the key's")
	require.EqualValues(t, http.StatusOK, b.reload())
	require.False(t, b.present("#key-secret"), "a reload does not show it again")
	require.False(t, b.js(`document.documentElement.outerHTML.includes("`+secret[len(secret)-43:]+`")`))
	keyRow := `#keys tr[data-key="Deploy bot"]`
	require.Equal(t, "active", b.text(keyRow+" [data-status]"))
	require.EqualValues(t, http.StatusOK, b.submit(keyRow+" button.revoke-key"))
	require.Equal(t, "API key “Deploy bot” revoked. It stopped working at once; it stays listed as revoked.", b.text("#flash"))
	require.Equal(t, "revoked", b.text(keyRow+" [data-status]"))
	require.False(t, b.present(keyRow+" button.revoke-key"))
	_, err = s.app.Kit.Keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	b.shot("api-key-revoked")

	// Delete Staging: options menu, dialog, typed name.
	b.open(s.path("Sales", "settings/workspaces"))
	row := `#workspaces tr[data-workspace="Staging"]`
	b.do(chromedpClick(row + " details.menu summary"))
	dialog := "#" + b.attr(row+` a[data-delete="Staging"]`, "data-open-dialog")
	b.do(chromedpClick(row + ` a[data-delete="Staging"]`))
	confirm, button := dialog+" input.confirm-name", dialog+" button[data-confirm-submit]"
	require.True(t, b.js(`document.querySelector("`+button+`").disabled`), "nothing typed: disabled")
	b.do(chromedpType(confirm, "staging"))
	require.True(t, b.js(`document.querySelector("`+button+`").disabled`), "wrong case: still disabled")
	b.shot("delete-dialog-wrong-name")
	// Forced past the disabled button, the server refuses the wrong name.
	require.True(t, b.js(`(() => { document.querySelector("`+button+`").disabled = false; return true })()`))
	require.EqualValues(t, http.StatusUnprocessableEntity, b.submit(button))
	require.Equal(t, "422 Unprocessable Entity Type the workspace's name exactly to confirm.", b.text(dialog+" .flash"))
	require.True(t, b.present(row), "Staging is still there")
	b.shot("delete-refused-by-server")
	b.do(chromedpClear(confirm), chromedpType(confirm, "Staging"))
	require.False(t, b.js(`document.querySelector("`+button+`").disabled`), "exact name: enabled")
	require.EqualValues(t, http.StatusOK, b.submit(button))
	require.Equal(t, "Workspace deleted. Everything it held was removed with it.", b.text("#flash"))
	require.False(t, b.present(row))
	b.shot("workspace-deleted")

	// Another account's workspace is simply not found.
	require.EqualValues(t, http.StatusNotFound, b.open(s.path("Globex HQ", "agents")))
	require.Equal(t, "Not Found", b.text("#problem h1"))
	b.shot("foreign-workspace-not-found")

	t.Logf("browser flow: %s", time.Since(start).Round(time.Millisecond))
}
