package workspace

import (
	"fmt"
	"strings"
)

// Role names a set of permissions in one workspace. The built-in roles are
// ordered owner > admin > member > viewer; workspaces may add custom roles
// (see package rbac), which have no rank of their own.
type Role string

// Built-in roles.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// BuiltinRoles lists the built-in roles from the highest to the lowest.
func BuiltinRoles() []Role { return []Role{RoleOwner, RoleAdmin, RoleMember, RoleViewer} }

// Rank orders the built-in roles (owner 4 ... viewer 1); any other role ranks 0.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// IsBuiltin reports whether r is one of the four built-in roles.
func (r Role) IsBuiltin() bool { return r.Rank() > 0 }

// MaxRoleLen bounds role names so they fit index keys and log lines.
const MaxRoleLen = 64

// Validate reports whether r is a well-formed role name: 1-64 characters of
// lower-case letters, digits, '_' and '-', starting with a letter. It does not
// say whether a workspace defines the role.
func (r Role) Validate() error {
	s := string(r)
	if s == "" || len(s) > MaxRoleLen {
		return fmt.Errorf("%w: role name must be 1-%d characters, got %q", ErrInvalid, MaxRoleLen, s)
	}
	if s[0] < 'a' || s[0] > 'z' {
		return fmt.Errorf("%w: role name %q must start with a lower-case letter", ErrInvalid, s)
	}
	if strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')
	}) >= 0 {
		return fmt.Errorf("%w: role name %q may hold only a-z, 0-9, '_' and '-'", ErrInvalid, s)
	}
	return nil
}
