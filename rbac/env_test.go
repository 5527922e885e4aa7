package rbac_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// env is one memstore with one account (owned by "olivia") and its
// workspaces, plus an authorizer reading it.
type env struct {
	t     *testing.T
	ctx   context.Context
	store *memstore.Store
	authz *rbac.Authorizer
	acct  workspace.Account
}

func newEnv(t *testing.T, opts ...rbac.Option) *env {
	t.Helper()
	ctx := context.Background()
	s := memstore.New(memstore.WithLockTimeout(10 * time.Second))
	acct := workspace.Account{ID: workspace.NewID(), Name: "Acme", OwnerID: "olivia", Version: 1, CreatedAt: t0}
	require.NoError(t, s.CreateAccount(ctx, acct))
	a, err := rbac.New(s, opts...)
	require.NoError(t, err)
	return &env{t: t, ctx: ctx, store: s, authz: a, acct: acct}
}

// workspace creates a workspace with members given as user -> role.
func (e *env) workspace(name string, members map[workspace.UserID]workspace.Role) uuid.UUID {
	e.t.Helper()
	w := workspace.Workspace{ID: workspace.NewID(), AccountID: e.acct.ID, Name: name, CreatedAt: t0, UpdatedAt: t0}
	require.NoError(e.t, e.store.CreateWorkspace(e.ctx, w))
	for u, r := range members {
		require.NoError(e.t, e.store.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: w.ID, UserID: u, Role: r, Version: 1, CreatedAt: t0, UpdatedAt: t0}))
	}
	return w.ID
}

// as returns a context whose scope is user in workspace ws. The scope's
// role is deliberately "owner": decisions must not trust it.
func (e *env) as(user workspace.UserID, ws uuid.UUID) context.Context {
	return workspace.WithScope(e.ctx, workspace.Scope{AccountID: e.acct.ID, WorkspaceID: ws, UserID: user, Role: workspace.RoleOwner, MembershipVersion: 1})
}

func (e *env) setRole(ws uuid.UUID, user workspace.UserID, role workspace.Role) {
	e.t.Helper()
	m, err := e.store.GetMembership(e.ctx, ws, user)
	require.NoError(e.t, err)
	m.Role, m.Version = role, m.Version+1
	require.NoError(e.t, e.store.UpdateMembership(e.ctx, m))
	e.authz.Invalidate(ws)
}

func (e *env) can(user workspace.UserID, ws uuid.UUID, resource, action string) bool {
	e.t.Helper()
	ok, err := e.authz.Can(e.as(user, ws), resource, action)
	require.NoError(e.t, err)
	return ok
}
