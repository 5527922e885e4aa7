package apikey

import "github.com/workspacekit/workspacekit/workspace"

// EventOf rebuilds the typed event of a change of this package's kinds
// (apikey.created, apikey.revoked, apikey.role_changed, apikey.renamed)
// from its payload; ok is false for other kinds.
// Errors: workspace.ErrInvalid when the payload does not decode.
func EventOf(c workspace.Change) (e workspace.Event, ok bool, err error) {
	switch c.Kind {
	case workspace.ChangeKeyCreated:
		return workspace.DecodeEvent[Created](c)
	case workspace.ChangeKeyRevoked:
		return workspace.DecodeEvent[Revoked](c)
	case workspace.ChangeKeyRoleChanged:
		return workspace.DecodeEvent[RoleChanged](c)
	case workspace.ChangeKeyRenamed:
		return workspace.DecodeEvent[Renamed](c)
	}
	return nil, false, nil
}
