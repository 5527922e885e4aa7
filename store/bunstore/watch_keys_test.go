package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Issue 11 on two app servers over one PostgreSQL: a key authenticated and
// cached on server 2 stops there within the watcher's bound when server 1
// changes its role, revokes it, or deletes its workspace; server 2 hears
// of it only through the change log (LISTEN/NOTIFY).
func TestSecondServerStopsRevokedKeys(t *testing.T) {
	dsn := migratedDSN(t)
	one, two := newServer(t, dsn, false), newServer(t, dsn, true)
	tm := newTeam(t, one)
	ctx := context.Background()
	support, err := one.ws.Create(tm.actx, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	inSupport, _, err := one.ws.Enter(ctx, "alice", support.ID)
	require.NoError(t, err)

	key, secret, err := one.keys.Create(tm.actx, apikey.NewKey{Name: "bot", Role: workspace.RoleMember})
	require.NoError(t, err)
	_, doomed, err := one.keys.Create(inSupport, apikey.NewKey{Name: "support bot", Role: workspace.RoleMember})
	require.NoError(t, err)
	sc, err := two.keys.Authenticate(ctx, secret) // cached on server 2
	require.NoError(t, err)
	_, err = two.keys.Authenticate(ctx, doomed)
	require.NoError(t, err)
	require.True(t, two.can(t, sc, rbac.ResourceAgents, rbac.ActionCreate))

	const bound = time.Second
	_, err = one.keys.ChangeRole(tm.actx, key.ID, workspace.RoleViewer)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !two.can(t, sc, rbac.ResourceAgents, rbac.ActionCreate) }, bound, time.Millisecond,
		"server 2 follows the role change")

	require.NoError(t, one.keys.Revoke(tm.actx, key.ID))
	require.Eventually(t, func() bool {
		_, err := two.keys.Authenticate(ctx, secret)
		return err != nil
	}, bound, time.Millisecond, "server 2 stops the revoked key")
	_, err = two.keys.Authenticate(ctx, secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	// The key service may have read the revocation from the store (its
	// cache was dropped by the role change) before the watcher applied
	// it: decisions follow within the same bound.
	require.Eventually(t, func() bool { return !two.can(t, sc, rbac.ResourceConversations, rbac.ActionRead) }, bound, time.Millisecond,
		"server 2 denies the revoked key's scope")

	require.NoError(t, one.ws.Delete(tm.actx, support.ID, "Support"))
	require.Eventually(t, func() bool {
		_, err := two.keys.Authenticate(ctx, doomed)
		return err != nil
	}, bound, time.Millisecond, "server 2 stops a deleted workspace's key")
	_, err = two.keys.Authenticate(ctx, doomed)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)
}
