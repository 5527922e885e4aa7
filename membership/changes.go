package membership

import "github.com/workspacekit/workspacekit/workspace"

// EventOf rebuilds the typed event of a change of this package's kinds
// from its payload (see workspace.EventOf): Invited for invitation.created,
// InvitationRevoked, Joined for member.joined and invitation.accepted
// (Accept writes both), RoleChanged, Removed for member.removed and
// member.left, OwnershipTransferred. ok is false for other kinds.
// Errors: workspace.ErrInvalid when the payload does not decode.
func EventOf(c workspace.Change) (e workspace.Event, ok bool, err error) {
	switch c.Kind {
	case workspace.ChangeInvitationCreated:
		return workspace.DecodeEvent[Invited](c)
	case workspace.ChangeInvitationRevoked:
		return workspace.DecodeEvent[InvitationRevoked](c)
	case workspace.ChangeInvitationAccepted, workspace.ChangeMemberJoined:
		return workspace.DecodeEvent[Joined](c)
	case workspace.ChangeMemberRoleChanged:
		return workspace.DecodeEvent[RoleChanged](c)
	case workspace.ChangeMemberRemoved, workspace.ChangeMemberLeft:
		return workspace.DecodeEvent[Removed](c)
	case workspace.ChangeOwnershipTransferred:
		return workspace.DecodeEvent[OwnershipTransferred](c)
	}
	return nil, false, nil
}
