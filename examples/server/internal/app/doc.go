// Package app is the example server's host: a small SaaS built on
// workspacekit, wired once and shared by the JSON API (internal/api) and
// the HTML UI (internal/web), so both act through the same services and
// the same server-side checks.
//
// It holds what a real host would own itself: its users (here a fixed
// demo list with an example-only login, see Login), its workspace-owned
// data (the product doc's resources, one table each, see Resource), and
// the wiring of the library's services (kit.New: workspaces, team, the
// Authorizer, API keys) on either the in-memory store or PostgreSQL in
// strict mode (Config.DSN).
//
// API keys are the library's (App.Kit.Keys, in its own tables), not a
// host resource: a key's secret is shown once at creation, the API takes
// it as "Authorization: Bearer <secret>" in the key's workspace only, and
// New runs the service's last-use writer until Close.
//
// Every Resource method authorizes on the server (rbac Require) before it
// touches a repository, so a refused action stays refused whatever a
// client shows or sends.
package app
