package rbac_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestRequireErrors(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"vic": "viewer"})

	require.ErrorIs(t, e.authz.Require(context.Background(), "agents", "read"), workspace.ErrNoScope)
	_, err := e.authz.Can(context.Background(), "agents", "read")
	require.ErrorIs(t, err, workspace.ErrNoScope)
	_, err = e.authz.Permissions(context.Background())
	require.ErrorIs(t, err, workspace.ErrNoScope)
	require.ErrorIs(t, e.authz.CanGrant(context.Background(), "viewer"), workspace.ErrNoScope)

	require.NoError(t, e.authz.Require(e.as("vic", ws), "agents", "read"))
	err = e.authz.Require(e.as("vic", ws), "agents", "delete")
	require.ErrorIs(t, err, rbac.ErrForbidden)
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.Contains(t, err.Error(), ws.String())
}

// TestScopeRoleIsNotTrusted: the scope claims owner (see env.as); the
// memberships say otherwise, and they win.
func TestScopeRoleIsNotTrusted(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"vic": "viewer"})
	require.False(t, e.can("vic", ws, "settings", "delete"))
	require.False(t, e.can("stranger", ws, "agents", "read"), "not a member at all")
}

func TestForeignAccountScopeDenied(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin"})
	ctx := workspace.WithScope(e.ctx, workspace.Scope{AccountID: workspace.NewID(), WorkspaceID: ws, UserID: "ada"})
	ok, err := e.authz.Can(ctx, "agents", "read")
	require.NoError(t, err)
	require.False(t, ok)
}

// TestAccountOwnerDerived: the account owner is owner of every workspace of
// the account without a stored membership, including later ones, and the
// role moves with a transfer of the account.
func TestAccountOwnerDerived(t *testing.T) {
	e := newEnv(t)
	ws1 := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin"})
	require.True(t, e.can("olivia", ws1, "settings", "delete"))
	ws2 := e.workspace("Support", nil)
	require.True(t, e.can("olivia", ws2, "settings", "delete"))
	require.False(t, e.can("ada", ws1, "settings", "delete"))

	acct := e.acct
	acct.OwnerID, acct.Version = "ada", 2
	require.NoError(t, e.store.UpdateAccount(e.ctx, acct))
	require.NoError(t, e.store.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: ws1, UserID: "olivia", Role: "admin", Version: 1, CreatedAt: t0, UpdatedAt: t0}))
	e.authz.Invalidate(ws1)
	e.authz.Invalidate(ws2)
	require.True(t, e.can("ada", ws1, "settings", "delete"))
	require.True(t, e.can("ada", ws2, "settings", "delete"))
	require.False(t, e.can("olivia", ws1, "settings", "delete"))
	require.True(t, e.can("olivia", ws1, "settings", "update"), "now an admin by membership")
	require.False(t, e.can("olivia", ws2, "agents", "read"))
}

// TestRevocation: after a removal, a demotion or a deletion commits and
// Invalidate is called, the very next check denies.
func TestRevocation(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "max": "member", "oscar": "owner"})
	for _, u := range []workspace.UserID{"ada", "max", "oscar"} {
		require.True(t, e.can(u, ws, "agents", "update"))
	}

	e.setRole(ws, "oscar", workspace.RoleViewer)
	require.False(t, e.can("oscar", ws, "agents", "update"), "demoted")
	require.True(t, e.can("oscar", ws, "agents", "read"))

	require.NoError(t, e.store.DeleteMembership(e.ctx, ws, "ada"))
	e.authz.Invalidate(ws)
	require.False(t, e.can("ada", ws, "agents", "read"), "removed")

	require.NoError(t, e.store.DeleteWorkspace(e.ctx, ws))
	e.authz.Invalidate(ws)
	require.False(t, e.can("max", ws, "agents", "read"), "workspace deleted")
	require.False(t, e.can("olivia", ws, "agents", "read"), "even the account owner")
}

// TestInvalidateBeatsLoadInFlight: a load that read the store before a
// change must not be installed once Invalidate returned.
func TestInvalidateBeatsLoadInFlight(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin"})
	gate := &gatedStore{observedStore: e.store, entered: make(chan struct{}), release: make(chan struct{})}
	a, err := rbac.New(gate)
	require.NoError(t, err)

	done := make(chan bool)
	go func() {
		ok, _ := a.Can(e.as("ada", ws), "agents", "delete")
		done <- ok
	}()
	<-gate.entered // the load has read the workspace and is about to read members
	gate.mu.Lock()
	gate.passthrough = true
	gate.mu.Unlock()
	require.NoError(t, e.store.DeleteMembership(e.ctx, ws, "ada"))
	a.Invalidate(ws)
	close(gate.release)
	<-done // that one raced with the change; either answer is linearizable

	ok, err := a.Can(e.as("ada", ws), "agents", "delete")
	require.NoError(t, err)
	require.False(t, ok, "a check that started after Invalidate must see the removal")
}

// gatedStore pauses the first ListMemberships so a test can interleave a
// change with a load. It wraps the real memstore; nothing is faked.
type gatedStore struct {
	observedStore
	mu          sync.Mutex
	passthrough bool
	entered     chan struct{}
	release     chan struct{}
}

func (g *gatedStore) ListMemberships(ctx context.Context, ws uuid.UUID, after workspace.UserID, limit int) ([]workspace.Membership, error) {
	g.mu.Lock()
	pass := g.passthrough
	g.mu.Unlock()
	if !pass {
		// Read first, then wait: the result is stale once the test changes
		// the store.
		ms, err := g.observedStore.ListMemberships(ctx, ws, after, limit)
		close(g.entered)
		<-g.release
		return ms, err
	}
	return g.observedStore.ListMemberships(ctx, ws, after, limit)
}

func TestCanGrant(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "max": "member", "vic": "viewer", "ana": "analyst"})
	owner := e.as("olivia", ws)
	_, err := e.authz.CreateRole(owner, "analyst", []rbac.Permission{{Resource: "reports", Action: "read"}, {Resource: "reports", Action: "export"}})
	require.NoError(t, err)
	_, err = e.authz.CreateRole(owner, "keymaster", []rbac.Permission{{Resource: "api_keys", Action: "delete"}})
	require.NoError(t, err)

	cases := []struct {
		actor workspace.UserID
		role  workspace.Role
		want  error
	}{
		{"olivia", "owner", nil},
		{"ada", "owner", workspace.ErrForbidden},
		{"ada", "admin", nil},
		{"ada", "viewer", nil},
		{"ada", "keymaster", nil},
		{"max", "admin", workspace.ErrForbidden},
		{"max", "member", nil},
		{"max", "analyst", nil},
		{"max", "keymaster", workspace.ErrForbidden},
		{"vic", "member", workspace.ErrForbidden},
		{"vic", "analyst", workspace.ErrForbidden},
		{"ana", "analyst", nil},
		{"ana", "viewer", workspace.ErrForbidden},
		{"stranger", "viewer", workspace.ErrForbidden},
		{"ada", "nosuchrole", workspace.ErrInvalid},
		{"ada", "", workspace.ErrInvalid},
	}
	for _, c := range cases {
		err := e.authz.CanGrant(e.as(c.actor, ws), c.role)
		if c.want == nil {
			require.NoError(t, err, "%s grants %s", c.actor, c.role)
		} else {
			require.ErrorIs(t, err, c.want, "%s grants %s", c.actor, c.role)
		}
	}
	require.ErrorIs(t, e.authz.CanGrant(e.as("ada", ws), "nosuchrole"), rbac.ErrUnknownRole)

	e.setRole(ws, "ada", workspace.RoleMember)
	require.ErrorIs(t, e.authz.CanGrant(e.as("ada", ws), "admin"), workspace.ErrForbidden, "the current role decides, not the scope's")
}

func TestExplain(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"vic": "viewer", "ana": "analyst"})
	_, err := e.authz.CreateRole(e.as("olivia", ws), "analyst", []rbac.Permission{{Resource: "reports", Action: "export"}})
	require.NoError(t, err)

	ex, err := e.authz.Explain(e.as("vic", ws), "agents", "read")
	require.NoError(t, err)
	require.True(t, ex.Allowed)
	require.Equal(t, workspace.RoleViewer, ex.Role)
	require.Equal(t, []string{"r:viewer", "*", "agents", "read"}, ex.Rule)

	ex, err = e.authz.Explain(e.as("vic", ws), "agents", "delete")
	require.NoError(t, err)
	require.False(t, ex.Allowed)
	require.Nil(t, ex.Rule)
	require.Contains(t, ex.Reason, "no rule")

	ex, err = e.authz.Explain(e.as("ana", ws), "reports", "export")
	require.NoError(t, err)
	require.True(t, ex.Allowed)
	require.True(t, ex.Custom)
	require.Equal(t, []string{"r:analyst", ws.String(), "reports", "export"}, ex.Rule)

	ex, err = e.authz.Explain(e.as("olivia", ws), "settings", "delete")
	require.NoError(t, err)
	require.True(t, ex.Allowed)
	require.True(t, ex.AccountOwner)

	ex, err = e.authz.Explain(e.as("stranger", ws), "agents", "read")
	require.NoError(t, err)
	require.False(t, ex.Allowed)
	require.Empty(t, ex.Role)

	_, err = e.authz.Explain(context.Background(), "agents", "read")
	require.True(t, errors.Is(err, workspace.ErrNoScope))
}

// A wrapper that hides workspace.TxObserver would let a decision made inside
// a transaction be cached past a rollback: New refuses it.
func TestNewRefusesAStoreWithoutTxObserver(t *testing.T) {
	e := newEnv(t)
	_, err := rbac.New(struct{ rbac.Store }{e.store})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	_, err = rbac.New(struct{ observedStore }{e.store})
	require.NoError(t, err)
}
