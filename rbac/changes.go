package rbac

import "github.com/workspacekit/workspacekit/workspace"

// EventOf rebuilds the typed event of a change of this package's kinds
// from its payload (see workspace.EventOf): RoleCreated, RoleUpdated for
// role.changed, RoleDeleted. ok is false for other kinds.
// Errors: workspace.ErrInvalid when the payload does not decode.
func EventOf(c workspace.Change) (e workspace.Event, ok bool, err error) {
	switch c.Kind {
	case workspace.ChangeRoleCreated:
		return workspace.DecodeEvent[RoleCreated](c)
	case workspace.ChangeRoleChanged:
		return workspace.DecodeEvent[RoleUpdated](c)
	case workspace.ChangeRoleDeleted:
		return workspace.DecodeEvent[RoleDeleted](c)
	}
	return nil, false, nil
}
