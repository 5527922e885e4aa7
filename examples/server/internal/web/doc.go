// Package web is the example server's HTML UI: the product doc's screens
// (the sidebar with the active workspace and its selector, Settings >
// Workspaces, Settings > Team, the accept-invitation page, one page per
// workspace-owned resource, the API keys page) rendered on the server
// with html/template from embedded files, so the example needs no
// JavaScript build step.
//
// It exists to show a host's UI on top of workspacekit, not to be a
// product: every page acts through the same internal/app services as the
// JSON API, and nothing the UI hides is trusted to stay hidden. Buttons a
// role may not use are left out (from rbac's Permissions and CanGrant),
// and the services refuse the action anyway when a form is posted by
// hand; the refusal is shown with workspacehttp's problem mapping, whose
// fixed texts never tell a foreign workspace from a missing one.
//
// The active workspace is in the path (/w/{ws}/...), read by
// workspacehttp's middleware, which switches on every request (the role
// read fresh, no new login) and remembers the last one in a cookie for
// "/". Every write is a POST form carrying a per-session CSRF token (see
// csrf.go). The little JavaScript there is (static/app.js) only makes
// dialogs modal, keeps the delete button disabled until the name is
// typed (the server checks the name itself), and copies a new key's
// secret.
//
// One-time secrets (an invitation link, a new API key's secret) are
// rendered in the page that answers the POST, never carried by a redirect
// or a cookie; every page is Cache-Control: no-store, and app.js puts the
// page's canonical address in the address bar, so a reload shows the
// list without the secret (see apikeys.go).
package web
