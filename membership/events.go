package membership

import "github.com/workspacekit/workspacekit/workspace"

// Invited: an invitation was created (or resent, with Resent set).
type Invited struct {
	workspace.EventMeta
	InvitationID string
	Email        string
	Role         workspace.Role
	Resent       bool
}

// InvitationRevoked: a pending invitation was revoked.
type InvitationRevoked struct {
	workspace.EventMeta
	InvitationID string
	Email        string
}

// Joined: a user accepted an invitation and became a member.
type Joined struct {
	workspace.EventMeta
	InvitationID string
	Role         workspace.Role
}

// RoleChanged: a member's role in one workspace changed.
type RoleChanged struct {
	workspace.EventMeta
	Member   workspace.UserID
	From, To workspace.Role
}

// Removed: a member was removed from a workspace, or left it (Left set).
type Removed struct {
	workspace.EventMeta
	Member workspace.UserID
	Role   workspace.Role
	Left   bool
}

// OwnershipTransferred: the account changed owner. WorkspaceID is zero: it
// concerns every workspace of the account.
type OwnershipTransferred struct {
	workspace.EventMeta
	From, To workspace.UserID
	// PreviousOwnerRole is the role the previous owner now holds in every
	// workspace of the account.
	PreviousOwnerRole workspace.Role
}
