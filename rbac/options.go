package rbac

import "github.com/workspacekit/workspacekit/workspace"

// Option configures an Authorizer.
type Option func(*config)

type config struct {
	resources     []resourceDef
	grants        []grantDef
	maxWorkspaces int
	maxRoles      int
	events        workspace.Publisher
	clock         workspace.Clock
	fresh         Freshness
}

type resourceDef struct {
	resource string
	actions  []string
}

type grantDef struct {
	role  workspace.Role
	perms []Permission
}

// DefaultMaxWorkspaces is how many workspaces' policies stay loaded before
// the least recently used ones are evicted.
const DefaultMaxWorkspaces = 50_000

// DefaultMaxCustomRoles bounds the custom roles of one workspace.
const DefaultMaxCustomRoles = 64

// WithResource registers a host resource and its actions. The owner holds
// every registered permission; give other roles theirs with WithGrant.
// Names follow the role name rules (a-z, 0-9, '_', '-'); New returns
// workspace.ErrInvalid otherwise.
func WithResource(resource string, actions ...string) Option {
	return func(c *config) { c.resources = append(c.resources, resourceDef{resource, actions}) }
}

// WithGrant extends a built-in role's matrix with registered permissions. A
// grant to a role is also a grant to every built-in role above it, so that
// the ranking owner > admin > member > viewer stays a ranking of permission
// sets (which is what CanGrant relies on). New returns ErrUnknownRole for a
// role that is not built in and ErrUnknownPermission for an unregistered
// permission.
func WithGrant(role workspace.Role, perms ...Permission) Option {
	return func(c *config) { c.grants = append(c.grants, grantDef{role, perms}) }
}

// WithMaxWorkspaces bounds how many workspaces' policies are kept loaded;
// beyond it, workspaces not used since the last sweep are evicted (and
// loaded again on their next check). Values below 1 are replaced by 1.
func WithMaxWorkspaces(n int) Option {
	return func(c *config) { c.maxWorkspaces = max(n, 1) }
}

// WithMaxCustomRoles bounds the custom roles of one workspace (default 64,
// at most 250 because a membership's role is kept in one byte).
func WithMaxCustomRoles(n int) Option {
	return func(c *config) { c.maxRoles = min(max(n, 0), maxCustomRolesCap) }
}

// WithEvents sends custom-role events (RoleCreated, RoleUpdated,
// RoleDeleted) to p after their transaction commits. The default drops them.
func WithEvents(p workspace.Publisher) Option { return func(c *config) { c.events = p } }

// WithClock replaces the clock that stamps custom roles (default
// workspace.UTCClock).
func WithClock(clk workspace.Clock) Option { return func(c *config) { c.clock = clk } }

const maxCustomRolesCap = 250
