package bunstore

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Rows as stored. Times are converted to UTC on the way out: the driver
// hands timestamptz back in the local zone, and callers compare what they
// stored with what they read.

type accountRow struct {
	bun.BaseModel `bun:"table:accounts"`

	ID        uuid.UUID        `bun:"id,pk,type:uuid"`
	Name      string           `bun:"name,notnull"`
	OwnerID   workspace.UserID `bun:"owner_id,notnull"`
	Plan      string           `bun:"plan,notnull"`
	Version   int64            `bun:"version,notnull"`
	CreatedAt time.Time        `bun:"created_at,notnull"`
}

func toAccountRow(a workspace.Account) *accountRow {
	return &accountRow{ID: a.ID, Name: a.Name, OwnerID: a.OwnerID, Plan: a.Plan, Version: a.Version, CreatedAt: a.CreatedAt}
}

func (r *accountRow) account() workspace.Account {
	return workspace.Account{ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, Plan: r.Plan, Version: r.Version, CreatedAt: r.CreatedAt.UTC()}
}

type workspaceRow struct {
	bun.BaseModel `bun:"table:workspaces,alias:w"`

	ID          uuid.UUID `bun:"id,pk,type:uuid"`
	AccountID   uuid.UUID `bun:"account_id,notnull,type:uuid"`
	Name        string    `bun:"name,notnull"`
	NameKey     string    `bun:"name_key,notnull"`
	Description string    `bun:"description,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

func toWorkspaceRow(w workspace.Workspace) *workspaceRow {
	return &workspaceRow{
		ID: w.ID, AccountID: w.AccountID, Name: w.Name, NameKey: workspace.NameKey(w.Name),
		Description: w.Description, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
	}
}

func (r *workspaceRow) workspace() workspace.Workspace {
	return workspace.Workspace{
		ID: r.ID, AccountID: r.AccountID, Name: r.Name, Description: r.Description,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

type membershipRow struct {
	bun.BaseModel `bun:"table:memberships,alias:m"`

	WorkspaceID uuid.UUID        `bun:"workspace_id,pk,type:uuid"`
	UserID      workspace.UserID `bun:"user_id,pk"`
	Role        workspace.Role   `bun:"role,notnull"`
	Version     int64            `bun:"version,notnull"`
	CreatedAt   time.Time        `bun:"created_at,notnull"`
	UpdatedAt   time.Time        `bun:"updated_at,notnull"`
}

func toMembershipRow(m workspace.Membership) *membershipRow {
	return &membershipRow{
		WorkspaceID: m.WorkspaceID, UserID: m.UserID, Role: m.Role, Version: m.Version,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

func (r *membershipRow) membership() workspace.Membership {
	return workspace.Membership{
		WorkspaceID: r.WorkspaceID, UserID: r.UserID, Role: r.Role, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

type invitationRow struct {
	bun.BaseModel `bun:"table:invitations,alias:i"`

	WorkspaceID uuid.UUID         `bun:"workspace_id,pk,type:uuid"`
	ID          uuid.UUID         `bun:"id,pk,type:uuid"`
	Email       string            `bun:"email,notnull"`
	Role        workspace.Role    `bun:"role,notnull"`
	InvitedBy   workspace.UserID  `bun:"invited_by,notnull"`
	TokenHash   []byte            `bun:"token_hash,type:bytea,nullzero"`
	Status      membership.Status `bun:"status,notnull"`
	AcceptedBy  workspace.UserID  `bun:"accepted_by,notnull"`
	CreatedAt   time.Time         `bun:"created_at,notnull"`
	UpdatedAt   time.Time         `bun:"updated_at,notnull"`
	ExpiresAt   time.Time         `bun:"expires_at,notnull"`
}

func toInvitationRow(i membership.Invitation) *invitationRow {
	return &invitationRow{
		WorkspaceID: i.WorkspaceID, ID: i.ID, Email: i.Email, Role: i.Role, InvitedBy: i.InvitedBy,
		TokenHash: i.TokenHash, Status: i.Status, AcceptedBy: i.AcceptedBy,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt, ExpiresAt: i.ExpiresAt,
	}
}

func (r *invitationRow) invitation() membership.Invitation {
	var hash []byte
	if len(r.TokenHash) > 0 {
		hash = r.TokenHash
	}
	return membership.Invitation{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Email: r.Email, Role: r.Role, InvitedBy: r.InvitedBy,
		TokenHash: hash, Status: r.Status, AcceptedBy: r.AcceptedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
}

type invitationTokenRow struct {
	bun.BaseModel `bun:"table:invitation_tokens,alias:it"`

	TokenHash    []byte    `bun:"token_hash,pk,type:bytea"`
	WorkspaceID  uuid.UUID `bun:"workspace_id,notnull,type:uuid"`
	InvitationID uuid.UUID `bun:"invitation_id,notnull,type:uuid"`
}

type roleRow struct {
	bun.BaseModel `bun:"table:custom_roles,alias:r"`

	WorkspaceID uuid.UUID        `bun:"workspace_id,pk,type:uuid"`
	Name        workspace.Role   `bun:"name,pk"`
	Permissions []permissionJSON `bun:"permissions,type:jsonb,notnull"`
	CreatedAt   time.Time        `bun:"created_at,notnull"`
	UpdatedAt   time.Time        `bun:"updated_at,notnull"`
}

// permissionJSON is the stored form of one permission; explicit names keep
// the column readable and independent of Go field names.
type permissionJSON struct {
	Resource string `json:"resource"`
	Action   string `json:"action"`
}

// encodePermissions never returns nil, which bun would store as null.
func encodePermissions(ps []rbac.Permission) []permissionJSON {
	out := make([]permissionJSON, len(ps))
	for i, p := range ps {
		out[i] = permissionJSON{Resource: p.Resource, Action: p.Action}
	}
	return out
}

func toRoleRow(r rbac.CustomRole) *roleRow {
	return &roleRow{
		WorkspaceID: r.WorkspaceID, Name: r.Name, Permissions: encodePermissions(r.Permissions),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func (r *roleRow) role() rbac.CustomRole {
	var perms []rbac.Permission
	for _, p := range r.Permissions {
		perms = append(perms, rbac.Permission{Resource: p.Resource, Action: p.Action})
	}
	return rbac.CustomRole{
		WorkspaceID: r.WorkspaceID, Name: r.Name, Permissions: perms,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}
