package rbac

import (
	"fmt"
	"slices"

	"github.com/workspacekit/workspacekit/workspace"
)

// The product's resources. The lifecycle service checks settings, the
// membership service checks team; the others are for host code.
const (
	ResourceAgents        = "agents"
	ResourceSquads        = "squads"
	ResourceChannels      = "channels"
	ResourceConversations = "conversations"
	ResourceContacts      = "contacts"
	ResourceLLMProviders  = "llm_providers"
	ResourceAPIKeys       = "api_keys"
	ResourceIntegrations  = "integrations"
	ResourceReports       = "reports"
	ResourceSettings      = workspace.ResourceSettings
	ResourceTeam          = workspace.ResourceTeam
)

// The product's actions (the same constants as package workspace's, named
// here too so host code needs one import). Export exists on reports only,
// manage on team and settings.
const (
	ActionRead   = workspace.ActionRead
	ActionCreate = workspace.ActionCreate
	ActionUpdate = workspace.ActionUpdate
	ActionDelete = workspace.ActionDelete
	ActionExport = workspace.ActionExport
	ActionManage = workspace.ActionManage
)

var crud = []string{ActionRead, ActionCreate, ActionUpdate, ActionDelete}

// builtinResources lists every built-in resource with its actions, in the
// order Permissions reports them.
var builtinResources = []struct {
	resource string
	actions  []string
}{
	{ResourceAgents, crud},
	{ResourceSquads, crud},
	{ResourceChannels, crud},
	{ResourceConversations, crud},
	{ResourceContacts, crud},
	{ResourceLLMProviders, crud},
	{ResourceAPIKeys, crud},
	{ResourceIntegrations, crud},
	{ResourceReports, append(slices.Clone(crud), ActionExport)},
	{ResourceSettings, append(slices.Clone(crud), ActionManage)},
	{ResourceTeam, []string{ActionRead, ActionManage}},
}

// builtinGrants is the matrix of doc.go below the owner (who holds every
// permission). Each role is listed with what it adds to the role below it;
// matrix closure gives every higher role what the lower ones hold.
var builtinGrants = map[workspace.Role][]string{
	workspace.RoleViewer: {
		"agents:read", "squads:read", "channels:read", "conversations:read", "contacts:read",
		"llm_providers:read", "integrations:read", "reports:read", "settings:read", "team:read",
	},
	workspace.RoleMember: {
		"agents:create", "agents:update", "squads:create", "squads:update",
		"channels:create", "channels:update", "conversations:create", "conversations:update",
		"contacts:create", "contacts:update", "api_keys:read",
		"reports:create", "reports:update", "reports:export",
	},
	workspace.RoleAdmin: {
		"agents:delete", "squads:delete", "channels:delete", "conversations:delete", "contacts:delete",
		"llm_providers:create", "llm_providers:update", "llm_providers:delete",
		"api_keys:create", "api_keys:update", "api_keys:delete",
		"integrations:create", "integrations:update", "integrations:delete",
		"reports:delete", "settings:create", "settings:update", "settings:manage", "team:manage",
	},
}

// matrix is the registry of permissions (each has a bit) and what every
// built-in role holds. It is built once by New and never changes, so the
// hot path reads it without locks.
type matrix struct {
	perms []Permission
	index map[Permission]int
	// keyDeny holds the bits of KeyNeverHolds: what no API key holds,
	// whatever its role.
	keyDeny []uint64
	// rules are the built-in p rules (sub, dom, obj, act), domain "*".
	rules [][]string
}

func (m *matrix) add(p Permission) {
	if _, ok := m.index[p]; ok {
		return
	}
	m.index[p] = len(m.perms)
	m.perms = append(m.perms, p)
}

func (m *matrix) words() int { return (len(m.perms) + 63) / 64 }

// newMatrix registers the built-in and host permissions and derives the
// built-in roles' rules: owner holds everything, and a grant to a role is a
// grant to every built-in role above it, so that "ranks at least as high"
// (CanGrant) always means "holds at least the same permissions".
func newMatrix(c *config) (*matrix, error) {
	m := &matrix{index: map[Permission]int{}}
	for _, r := range builtinResources {
		for _, a := range r.actions {
			m.add(Permission{r.resource, a})
		}
	}
	for _, r := range c.resources {
		for _, a := range r.actions {
			p := Permission{r.resource, a}
			if err := validPermissionName(p); err != nil {
				return nil, err
			}
			m.add(p)
		}
	}
	held := map[workspace.Role]map[Permission]bool{}
	for _, r := range workspace.BuiltinRoles() {
		held[r] = map[Permission]bool{}
	}
	grant := func(role workspace.Role, p Permission) error {
		if _, ok := m.index[p]; !ok {
			return fmt.Errorf("%w: %s is not a registered permission", ErrUnknownPermission, p)
		}
		for _, r := range workspace.BuiltinRoles() {
			if r.Rank() >= role.Rank() {
				held[r][p] = true
			}
		}
		return nil
	}
	for role, ps := range builtinGrants {
		for _, s := range ps {
			p, err := ParsePermission(s)
			if err != nil {
				return nil, err
			}
			if err := grant(role, p); err != nil {
				return nil, err
			}
		}
	}
	for _, g := range c.grants {
		if !g.role.IsBuiltin() {
			return nil, fmt.Errorf("%w: WithGrant: %q is not a built-in role", ErrUnknownRole, g.role)
		}
		for _, p := range g.perms {
			if err := grant(g.role, p); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range m.perms {
		held[workspace.RoleOwner][p] = true
	}
	m.keyDeny = make([]uint64, m.words())
	for _, p := range KeyNeverHolds() {
		bit := m.index[p]
		m.keyDeny[bit>>6] |= 1 << (bit & 63)
	}
	for _, r := range workspace.BuiltinRoles() {
		for _, p := range m.perms {
			if held[r][p] {
				m.rules = append(m.rules, []string{RoleSubject(r), AnyDomain, p.Resource, p.Action})
			}
		}
	}
	return m, nil
}

// KeyNeverHolds lists the permissions no API key holds, whatever its role:
// managing the team, the workspace's settings (creating, renaming,
// deleting workspaces; custom roles) and keys. Those need a person, so
// that a leaked key cannot outlive its revocation through members, roles,
// workspaces or keys it made.
func KeyNeverHolds() []Permission {
	return []Permission{
		{ResourceTeam, ActionManage},
		{ResourceSettings, ActionCreate}, {ResourceSettings, ActionUpdate},
		{ResourceSettings, ActionDelete}, {ResourceSettings, ActionManage},
		{ResourceAPIKeys, ActionCreate}, {ResourceAPIKeys, ActionUpdate}, {ResourceAPIKeys, ActionDelete},
	}
}

func validPermissionName(p Permission) error {
	for _, s := range []string{p.Resource, p.Action} {
		if err := workspace.Role(s).Validate(); err != nil {
			return fmt.Errorf("%w: permission %s: resource and action follow the role name rules (a-z, 0-9, '_', '-')", workspace.ErrInvalid, p)
		}
	}
	return nil
}
