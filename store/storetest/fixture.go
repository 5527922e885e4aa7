package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// env is what one test works with: the store, a context and helpers that
// seed rows with fresh ids, failing the test on any error.
type env struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	// tag makes user ids, emails and names unique to this test, so that
	// tests can share one store.
	tag string
	// now is a UTC time truncated to microseconds, as the services pass.
	now time.Time
}

func newEnv(t *testing.T, s store.Store) *env {
	t.Helper()
	require.NotNil(t, s, "Harness.New returned nil")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &env{
		t:   t,
		s:   s,
		ctx: t.Context(),
		tag: hex.EncodeToString(b),
		now: time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC),
	}
}

// at returns now plus d.
func (e *env) at(d time.Duration) time.Time { return e.now.Add(d) }

// user returns a user id unique to this test; ids made from the same test
// sort by name, in byte order.
func (e *env) user(name string) workspace.UserID {
	return workspace.UserID("u-" + e.tag + "/" + name)
}

func (e *env) email(name string) string { return name + "-" + e.tag + "@example.com" }

// token returns a fresh token hash.
func (e *env) token() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h := sha256.Sum256(b)
	return h[:]
}

func (e *env) account(owner workspace.UserID) workspace.Account {
	e.t.Helper()
	a := workspace.Account{ID: uuid.New(), Name: "Account " + e.tag, OwnerID: owner, Plan: "pro", Version: 1, CreatedAt: e.now}
	require.NoError(e.t, e.s.CreateAccount(e.ctx, a))
	return a
}

func (e *env) workspace(accountID uuid.UUID, name string) workspace.Workspace {
	e.t.Helper()
	w := workspace.Workspace{ID: uuid.New(), AccountID: accountID, Name: name, Description: "about " + name, CreatedAt: e.now, UpdatedAt: e.now}
	require.NoError(e.t, e.s.CreateWorkspace(e.ctx, w))
	return w
}

func (e *env) member(workspaceID uuid.UUID, user workspace.UserID, role workspace.Role) workspace.Membership {
	e.t.Helper()
	m := workspace.Membership{WorkspaceID: workspaceID, UserID: user, Role: role, Version: 1, CreatedAt: e.now, UpdatedAt: e.now}
	require.NoError(e.t, e.s.CreateMembership(e.ctx, m))
	return m
}

func (e *env) newInvitation(workspaceID uuid.UUID, email string, role workspace.Role) membership.Invitation {
	return membership.Invitation{
		ID: uuid.New(), WorkspaceID: workspaceID, Email: email, Role: role, InvitedBy: e.user("inviter"),
		TokenHash: e.token(), Status: membership.StatusPending,
		CreatedAt: e.now, UpdatedAt: e.now, ExpiresAt: e.at(7 * 24 * time.Hour),
	}
}

func (e *env) invite(workspaceID uuid.UUID, email string, role workspace.Role) membership.Invitation {
	e.t.Helper()
	inv := e.newInvitation(workspaceID, email, role)
	require.NoError(e.t, e.s.CreateInvitation(e.ctx, inv))
	return inv
}

func (e *env) role(workspaceID uuid.UUID, name workspace.Role, perms ...rbac.Permission) rbac.CustomRole {
	e.t.Helper()
	r := rbac.CustomRole{WorkspaceID: workspaceID, Name: name, Permissions: perms, CreatedAt: e.now, UpdatedAt: e.now}
	require.NoError(e.t, e.s.CreateRole(e.ctx, r))
	return r
}

// atomic runs fn in a transaction of the store under test.
func (e *env) atomic(fn func(ctx context.Context) error) error {
	return e.s.Atomic(e.ctx, fn)
}

func (e *env) getAccount(id uuid.UUID) workspace.Account {
	e.t.Helper()
	a, err := e.s.GetAccount(e.ctx, id)
	require.NoError(e.t, err)
	return normAccount(a)
}

func (e *env) getWorkspace(id uuid.UUID) workspace.Workspace {
	e.t.Helper()
	w, err := e.s.GetWorkspace(e.ctx, id)
	require.NoError(e.t, err)
	return normWorkspace(w)
}

func (e *env) getMembership(ws uuid.UUID, user workspace.UserID) workspace.Membership {
	e.t.Helper()
	m, err := e.s.GetMembership(e.ctx, ws, user)
	require.NoError(e.t, err)
	return normMembership(m)
}

func (e *env) getInvitation(ws, id uuid.UUID) membership.Invitation {
	e.t.Helper()
	inv, err := e.s.GetInvitation(e.ctx, ws, id)
	require.NoError(e.t, err)
	return normInvitation(inv)
}

func (e *env) getRole(ws uuid.UUID, name workspace.Role) rbac.CustomRole {
	e.t.Helper()
	r, err := e.s.GetRole(e.ctx, ws, name)
	require.NoError(e.t, err)
	return normRole(r)
}

func (e *env) memberships(ws uuid.UUID) []workspace.Membership {
	e.t.Helper()
	ms, err := e.s.ListMemberships(e.ctx, ws, "", 0)
	require.NoError(e.t, err)
	return normMemberships(ms)
}

func (e *env) pending(ws uuid.UUID) []membership.Invitation {
	e.t.Helper()
	is, err := e.s.ListPendingInvitations(e.ctx, ws)
	require.NoError(e.t, err)
	return normInvitations(is)
}

func (e *env) roles(ws uuid.UUID) []rbac.CustomRole {
	e.t.Helper()
	rs, err := e.s.ListRoles(e.ctx, ws)
	require.NoError(e.t, err)
	return normRoles(rs)
}

func (e *env) access(user workspace.UserID) []workspace.Access {
	e.t.Helper()
	as, err := e.s.ListAccess(e.ctx, user, workspace.Page{})
	require.NoError(e.t, err)
	return normAccesses(as)
}

func (e *env) accountWorkspaces(acct uuid.UUID) []workspace.Workspace {
	e.t.Helper()
	ws, err := e.s.ListAccountWorkspaces(e.ctx, acct)
	require.NoError(e.t, err)
	return normWorkspaces(ws)
}

func (e *env) count(n int, err error) int {
	e.t.Helper()
	require.NoError(e.t, err)
	return n
}

// notFound asserts that err is the contract's ErrNotFound.
func notFound(t *testing.T, err error, msg ...any) {
	t.Helper()
	require.ErrorIs(t, err, workspace.ErrNotFound, msg...)
}

func conflict(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, workspace.ErrConflict)
}

// Stores may hand back times in another location and empty slices as nil
// (PostgreSQL does both); these compare what the contract defines.

func normAccount(a workspace.Account) workspace.Account {
	a.CreatedAt = a.CreatedAt.UTC()
	return a
}

func normWorkspace(w workspace.Workspace) workspace.Workspace {
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w
}

func normWorkspaces(ws []workspace.Workspace) []workspace.Workspace {
	out := make([]workspace.Workspace, 0, len(ws))
	for _, w := range ws {
		out = append(out, normWorkspace(w))
	}
	return out
}

func normMembership(m workspace.Membership) workspace.Membership {
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m
}

func normMemberships(ms []workspace.Membership) []workspace.Membership {
	out := make([]workspace.Membership, 0, len(ms))
	for _, m := range ms {
		out = append(out, normMembership(m))
	}
	return out
}

func normAccess(a workspace.Access) workspace.Access {
	a.Workspace = normWorkspace(a.Workspace)
	return a
}

func normAccesses(as []workspace.Access) []workspace.Access {
	out := make([]workspace.Access, 0, len(as))
	for _, a := range as {
		out = append(out, normAccess(a))
	}
	return out
}

func normInvitation(i membership.Invitation) membership.Invitation {
	i.CreatedAt, i.UpdatedAt, i.ExpiresAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC(), i.ExpiresAt.UTC()
	if len(i.TokenHash) == 0 {
		i.TokenHash = nil
	}
	return i
}

func normInvitations(is []membership.Invitation) []membership.Invitation {
	out := make([]membership.Invitation, 0, len(is))
	for _, i := range is {
		out = append(out, normInvitation(i))
	}
	return out
}

func normRole(r rbac.CustomRole) rbac.CustomRole {
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if len(r.Permissions) == 0 {
		r.Permissions = nil
	}
	return r
}

func normRoles(rs []rbac.CustomRole) []rbac.CustomRole {
	out := make([]rbac.CustomRole, 0, len(rs))
	for _, r := range rs {
		out = append(out, normRole(r))
	}
	return out
}

// compareIDs orders uuids as PostgreSQL does: byte by byte.
func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

func accessIDs(as []workspace.Access) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(as))
	for _, a := range as {
		out = append(out, a.Workspace.ID)
	}
	return out
}
