package rbac

import (
	"context"

	"github.com/workspacekit/workspacekit/workspace"
)

// RoleCreated: a custom role was created.
type RoleCreated struct {
	workspace.EventMeta
	Role CustomRole
}

// RoleUpdated: a custom role was renamed or its permissions changed. Moved
// counts the memberships that followed a rename.
type RoleUpdated struct {
	workspace.EventMeta
	Before, After CustomRole
	Moved         int
}

// RoleDeleted: a custom role was deleted; ReassignedTo received its Moved
// memberships (and its pending invitations).
type RoleDeleted struct {
	workspace.EventMeta
	Role         CustomRole
	ReassignedTo workspace.Role
	Moved        int
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, workspace.Event) {}
