package main

import (
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// The job's permission. The built-in matrix gives conversations only CRUD,
// and conversations:read is every viewer's: a bulk export is a bigger act
// than reading one conversation, so this host registers its own action and
// grants it to admins (and so to owners), as a host would with
// WithResource and WithGrant.
const (
	resourceConversations = rbac.ResourceConversations
	actionExport          = "export"
)

// permissions are the Authorizer options of every process of this host:
// the web tier that queues jobs and the worker that runs them must agree
// on the matrix, or one would allow what the other refuses.
func permissions() []rbac.Option {
	return []rbac.Option{
		rbac.WithResource(resourceConversations, actionExport),
		rbac.WithGrant(workspace.RoleAdmin, rbac.Permission{Resource: resourceConversations, Action: actionExport}),
	}
}
