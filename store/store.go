package store

import (
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Store is everything the services and the authorizer need from storage:
// accounts, workspaces, memberships, invitations and custom roles, with one
// context-carried transaction across all of them (Atomic), and the change
// log the services write in those transactions (workspace.ChangeLog).
// Implementations: store/memstore (in memory, for tests) and
// store/bunstore (PostgreSQL). Both pass store/storetest, which is the
// executable form of this contract.
type Store interface {
	membership.Store
	rbac.Store
	workspace.ChangeLog
}
