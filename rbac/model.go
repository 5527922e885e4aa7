package rbac

import (
	_ "embed"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

//go:embed model.conf
var modelText string

// ModelText is the Casbin model every decision follows (RBAC with domains,
// domain = workspace id). It is exported so that hosts and tests can run a
// plain Casbin enforcer on exactly the same model.
func ModelText() string { return modelText }

// NewModel parses ModelText into a fresh Casbin model.
func NewModel() (model.Model, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("rbac: parse embedded model: %w", err)
	}
	return m, nil
}

// AnyDomain is the domain of the built-in roles' rules: they hold in every
// workspace.
const AnyDomain = "*"

// UserSubject is the Casbin subject of a user. The prefix keeps a user whose
// id happens to be "owner" from matching the owner role's rules (Casbin
// treats a subject equal to a role name as holding it).
func UserSubject(u workspace.UserID) string { return "u:" + string(u) }

// RoleSubject is the Casbin subject of a role.
func RoleSubject(r workspace.Role) string { return "r:" + string(r) }

// Domain is the Casbin domain of a workspace.
func Domain(id uuid.UUID) string { return id.String() }

// GroupingRule is the g rule (user, role, domain) that a membership becomes.
func GroupingRule(workspaceID uuid.UUID, user workspace.UserID, role workspace.Role) []string {
	return []string{UserSubject(user), RoleSubject(role), Domain(workspaceID)}
}

// CustomRoleRules are the p rules (sub, dom, obj, act) that a custom role
// becomes: rules of its workspace only.
func CustomRoleRules(r CustomRole) [][]string {
	out := make([][]string, 0, len(r.Permissions))
	for _, p := range r.Permissions {
		out = append(out, []string{RoleSubject(r.Name), Domain(r.WorkspaceID), p.Resource, p.Action})
	}
	return out
}
