package rbac

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Permission is one action on one resource, such as agents:create.
type Permission struct {
	Resource string
	Action   string
}

// String renders "resource:action".
func (p Permission) String() string { return p.Resource + ":" + p.Action }

// ParsePermission parses "resource:action".
func ParsePermission(s string) (Permission, error) {
	r, a, ok := strings.Cut(s, ":")
	if !ok || r == "" || a == "" {
		return Permission{}, fmt.Errorf("%w: permission %q is not resource:action", workspace.ErrInvalid, s)
	}
	return Permission{Resource: r, Action: a}, nil
}

// CustomRole is a role that one workspace defines from a set of permissions.
// It applies in that workspace only.
type CustomRole struct {
	WorkspaceID uuid.UUID
	Name        workspace.Role
	// Permissions are kept sorted and without duplicates by the service.
	Permissions []Permission
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SortPermissions sorts ps by resource then action and drops duplicates, the
// canonical form in which custom roles are stored and compared.
func SortPermissions(ps []Permission) []Permission {
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b Permission) int {
		if c := strings.Compare(a.Resource, b.Resource); c != 0 {
			return c
		}
		return strings.Compare(a.Action, b.Action)
	})
	return slices.Compact(out)
}
