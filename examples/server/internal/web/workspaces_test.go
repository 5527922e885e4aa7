package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func TestSettingsWorkspacesListsTheAccountsWorkspaces(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	page := s.path("Sales", "settings/workspaces")
	resp, body := alice.get(page)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-workspace="Sales"`)
	require.Contains(t, body, `data-workspace="Support"`)
	require.NotContains(t, body, "Globex")
	require.Contains(t, body, `id="new-workspace"`)
	require.Contains(t, body, `data-delete="Support"`, "an owner's menu offers deletion")

	// bob is admin in Sales, viewer in Support: he may create (admin) but
	// delete nothing (owners only).
	bob := s.as(t, "bob")
	_, body = bob.get(page)
	require.Contains(t, body, `id="new-workspace"`)
	require.NotContains(t, body, `data-delete=`)
	require.Contains(t, body, "Delete workspace (owners only)")

	carol := s.as(t, "carol")
	_, body = carol.get(page)
	require.NotContains(t, body, `id="new-workspace"`, "members may not create workspaces")
	resp, body = carol.post(page, url.Values{"name": {"Mine"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, text(body), "403 Forbidden", "shown at the top: carol has no create dialog")
}

func TestCreateWorkspaceWithinThePlan(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	page := s.path("Sales", "settings/workspaces")

	_, body := alice.get(page + "?new=1")
	require.Contains(t, body, `<dialog id="create-dialog" data-modal open`)

	resp, body := alice.post(page, url.Values{"name": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "a name is required")
	require.Contains(t, body, `<dialog id="create-dialog" data-modal open`)

	resp, body = alice.post(page, url.Values{"name": {"sales"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode, "names are unique ignoring case")
	require.Contains(t, text(body), "409 Conflict")

	resp, body = alice.post(page, url.Values{"name": {"Staging"}, "description": {"Try things"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "Created “Staging”.")
	require.Contains(t, body, `data-workspace="Staging"`)
	require.Contains(t, text(body), "Try things")
	require.Contains(t, between(t, body, `id="workspace-list">`, `</ul>`), `data-workspace="Staging"`, "the selector lists it too")
	require.Equal(t, workspace.RoleOwner, s.roles(t, "alice")["Staging"])

	// Acme's plan allows three workspaces: the fourth is refused, in the
	// dialog, with what was typed.
	resp, body = alice.post(page, url.Values{"name": {"Extra"}, "description": {"One too many"}})
	require.Equal(t, http.StatusPaymentRequired, resp.StatusCode)
	dialog := between(t, body, `<dialog id="create-dialog"`, `</dialog>`)
	require.Contains(t, dialog, " open ")
	require.Contains(t, text(dialog), "402 Payment Required Your plan allows no more; upgrade to continue.")
	require.Contains(t, dialog, `value="Extra"`)
	require.NotContains(t, s.roles(t, "alice"), "Extra")
}

func TestDeleteWorkspaceNeedsItsNameTyped(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	page := s.path("Sales", "settings/workspaces")
	support := s.ws["Support"].ID.String()

	_, body := alice.get(page + "?delete=" + support)
	dialog := between(t, body, `<dialog id="delete-`+support+`"`, `</dialog>`)
	require.Contains(t, dialog, " open ")
	require.Contains(t, dialog, `data-confirm-name="Support"`)
	require.Contains(t, dialog, `data-confirm-submit`)

	for _, typed := range []string{"", "support", "Support ", "Sales"} {
		resp, body := alice.post(page+"/"+support+"/delete", url.Values{"confirm": {typed}})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%q", typed)
		dialog := between(t, body, `<dialog id="delete-`+support+`"`, `</dialog>`)
		require.Contains(t, text(dialog), "422 Unprocessable Entity Type the workspace's name exactly to confirm.")
		require.Contains(t, s.roles(t, "alice"), "Support")
	}

	// bob is no owner: refused even with the right name, and the page says so.
	bob := s.as(t, "bob")
	bob.get(page)
	resp, body := bob.post(s.path("Sales", "settings/workspaces/"+s.ws["Sales"].ID.String()+"/delete"), url.Values{"confirm": {"Sales"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, text(body), "403 Forbidden")

	resp, body = alice.post(page+"/"+support+"/delete", url.Values{"confirm": {"Support"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, text(body), "Workspace deleted.")
	require.NotContains(t, body, `data-workspace="Support"`)
	require.NotContains(t, s.roles(t, "alice"), "Support")

	// Deleting the active workspace lands in another one; the last one of
	// an account stays.
	resp, body = alice.post(page+"/"+s.ws["Sales"].ID.String()+"/delete", url.Values{"confirm": {"Sales"}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, text(body), "The last workspace of an account cannot be deleted.")
}

func TestDeletingTheActiveWorkspaceGoesHome(t *testing.T) {
	s := newSite(t)
	alice := s.as(t, "alice")
	page := s.path("Support", "settings/workspaces")
	alice.get(page)
	resp, body := alice.post(page+"/"+s.ws["Support"].ID.String()+"/delete", url.Values{"confirm": {"Support"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, s.path("Sales", "agents"), resp.Request.URL.Path, "the remembered one is gone: the first left")
	require.Contains(t, text(body), "Workspace deleted.")
}
