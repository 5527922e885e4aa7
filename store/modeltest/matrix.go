package modeltest

import (
	"strings"

	"github.com/workspacekit/workspacekit/workspace"
)

// matrixDoc is package rbac's permission matrix copied from its package
// documentation (o = owner, a = admin, m = member, v = viewer): the model
// decides from the documented table, not from rbac's code, so that the
// comparison checks one against the other.
var matrixDoc = []struct {
	resource string
	actions  map[string]string
}{
	{"agents", map[string]string{"read": "oamv", "create": "oam", "update": "oam", "delete": "oa"}},
	{"squads", map[string]string{"read": "oamv", "create": "oam", "update": "oam", "delete": "oa"}},
	{"channels", map[string]string{"read": "oamv", "create": "oam", "update": "oam", "delete": "oa"}},
	{"conversations", map[string]string{"read": "oamv", "create": "oam", "update": "oam", "delete": "oa"}},
	{"contacts", map[string]string{"read": "oamv", "create": "oam", "update": "oam", "delete": "oa"}},
	{"llm_providers", map[string]string{"read": "oamv", "create": "oa", "update": "oa", "delete": "oa"}},
	{"api_keys", map[string]string{"read": "oam", "create": "oa", "update": "oa", "delete": "oa"}},
	{"integrations", map[string]string{"read": "oamv", "create": "oa", "update": "oa", "delete": "oa"}},
	{"reports", map[string]string{"read": "oamv", "create": "oam", "update": "oam", "delete": "oa", "export": "oam"}},
	{"settings", map[string]string{"read": "oamv", "create": "oa", "update": "oa", "delete": "o", "manage": "oa"}},
	{"team", map[string]string{"read": "oamv", "manage": "oa"}},
}

var roleLetter = map[workspace.Role]string{
	workspace.RoleOwner: "o", workspace.RoleAdmin: "a", workspace.RoleMember: "m", workspace.RoleViewer: "v",
}

// allPerms lists every registered permission ("resource:action").
var allPerms = func() []string {
	var out []string
	for _, r := range matrixDoc {
		for a := range r.actions {
			out = append(out, r.resource+":"+a)
		}
	}
	return out
}()

var builtinTable = func() map[workspace.Role]map[string]bool {
	out := map[workspace.Role]map[string]bool{}
	for role, letter := range roleLetter {
		set := map[string]bool{}
		for _, r := range matrixDoc {
			for a, who := range r.actions {
				if strings.Contains(who, letter) {
					set[r.resource+":"+a] = true
				}
			}
		}
		out[role] = set
	}
	return out
}()

func builtinPerms(r workspace.Role) map[string]bool { return builtinTable[r] }
