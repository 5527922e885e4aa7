package rbac

import (
	"fmt"

	"github.com/workspacekit/workspacekit/workspace"
)

// ErrForbidden is workspace.ErrForbidden itself, so that a refusal from the
// authorizer matches both names with errors.Is.
var ErrForbidden = workspace.ErrForbidden

// Sentinels of this package. Each wraps the workspace sentinel that describes
// its class, so callers that only know package workspace can still match.
var (
	// ErrUnknownRole: the workspace has no role of that name (wraps
	// workspace.ErrInvalid).
	ErrUnknownRole = fmt.Errorf("rbac: unknown role: %w", workspace.ErrInvalid)
	// ErrUnknownPermission: a permission that no resource registers (wraps
	// workspace.ErrInvalid).
	ErrUnknownPermission = fmt.Errorf("rbac: unknown permission: %w", workspace.ErrInvalid)
	// ErrRoleInUse: a custom role cannot be deleted while memberships or
	// pending invitations hold it, unless they are reassigned (wraps
	// workspace.ErrConflict).
	ErrRoleInUse = fmt.Errorf("rbac: role in use: %w", workspace.ErrConflict)
	// ErrTooManyRoles: the workspace reached the custom-role limit (wraps
	// workspace.ErrPlanLimit).
	ErrTooManyRoles = fmt.Errorf("rbac: too many custom roles: %w", workspace.ErrPlanLimit)
)

// errDenied is the common refusal; it allocates only on the deny path.
func errDenied(s workspace.Scope, resource, action string) error {
	return fmt.Errorf("%w: user %s may not %s:%s in workspace %s", ErrForbidden, s.UserID, resource, action, s.WorkspaceID)
}
