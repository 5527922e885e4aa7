// Package rbac decides what a user may do in a workspace: a Casbin
// RBAC-with-domains model (the domain is the workspace id, see ModelText),
// the built-in roles' permission matrix, custom roles per workspace, and an
// Authorizer that answers "may the scope in this context do this?" fast.
//
// How fresh an answer is: in one process, every change the services commit
// invalidates the workspace's snapshot before the call returns, so the next
// decision follows it. Across processes (several app servers on one
// database), a change reaches another process's Authorizer only through the
// store's change log: run a changewatch.Watcher there and build the
// Authorizer WithFreshness(watcher). Its snapshots then lag commits of
// other processes by about one notification (LISTEN/NOTIFY on PostgreSQL),
// and by at most the watcher's bound (default 1 s) whatever happens to the
// notifications; past the bound it reads through to the store. Without a
// watcher, another process's changes are seen only when a snapshot is
// loaded again (after eviction): never build several instances that way.
//
// # Source of truth
//
// Who holds which role comes from the store's memberships; the account
// owner is owner of every workspace of the account (derived, never
// stored). Scope.Role is informational: decisions read the current
// membership. Casbin's grouping rules are a per-workspace cache of the
// memberships, loaded on first use and dropped by Invalidate, never written
// separately. Custom roles are stored once (Store.CreateRole...) and become
// p rules of their workspace only. API keys (package apikey) are decided
// like members: a store with the KeyGrants capability lists a workspace's
// keys that are not revoked, and the snapshot holds each as its key user
// (workspace.KeyUser) with its role, until the earliest key expiry, when it
// is read again. A store without it gives keys no role.
//
// # Permission matrix
//
// Built-in roles are defined once, in domain "*". o = owner, a = admin,
// m = member, v = viewer.
//
//	resource        read  create  update  delete  export  manage
//	agents          oamv  oam     oam     oa
//	squads          oamv  oam     oam     oa
//	channels        oamv  oam     oam     oa
//	conversations   oamv  oam     oam     oa
//	contacts        oamv  oam     oam     oa
//	llm_providers   oamv  oa      oa      oa
//	api_keys        oam   oa      oa      oa
//	integrations    oamv  oa      oa      oa
//	reports         oamv  oam     oam     oa      oam
//	settings        oamv  oa      oa      o               oa
//	team            oamv                                  oa
//
// The services check settings:create (another workspace in the account),
// settings:update, settings:delete (delete a workspace: owners only),
// team:read and team:manage (invite, change roles, remove; also custom
// roles). Viewers only read, and not api_keys. The owner holds every
// permission, including host-registered ones.
//
// Only registered permissions exist: a custom role stored with a permission
// the host no longer registers does not grant it (a plain Casbin enforcer
// loaded with the stored rules would), and Explain says the same as Can.
//
// Hosts add resources with WithResource and extend the built-in roles with
// WithGrant; a grant to a role is also a grant to the roles above it, so
// that the ranking owner > admin > member > viewer stays a ranking of
// permission sets.
//
// # Granting
//
// Nobody grants beyond their own (CanGrant): between built-in roles the rank
// decides (admins manage the team but cannot make or touch owners);
// otherwise the granted role's permissions must all be the actor's. Custom
// roles are created, changed, renamed and deleted by holders of team:manage,
// within their own permissions; deleting one is refused while memberships
// or pending invitations hold it, unless they are reassigned.
//
// # At scale
//
// Each workspace is compiled on first use (filtered load from the store,
// concurrent first uses share one load) into an immutable snapshot: a map
// from user to role and each role's permissions as a bitset, the built-in
// roles' bits obtained from Casbin itself when New runs. A check is a
// shard read lock, two map lookups and a bit test, with no allocation.
// Idle workspaces are evicted beyond WithMaxWorkspaces (CLOCK); Stats
// reports the memory per loaded membership. Invalidate drops one
// workspace's snapshot and guarantees that the next decision reads the
// store, even with a load in flight. The differential test checks the
// answers against a plain Casbin enforcer holding the full policy; see
// PERFORMANCE.md for the measured figures and the command that prints them.
package rbac
