package apikey_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/workspace"
)

// A second instance on the same store, with its own caches, learns of a
// revocation and a role change from the change log alone.
func TestSecondInstanceFollowsTheChangeLog(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t) // instance 1
	alice, _ := e.account(t, "alice", "", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "k", Role: workspace.RoleMember})
	require.NoError(t, err)

	w := changewatch.New(e.st, nil)
	authz2, err := rbac.New(e.st, rbac.WithFreshness(w), rbac.WithClock(e.clock))
	require.NoError(t, err)
	keys2 := apikey.New(e.st, authz2, plans, apikey.WithFreshness(w), apikey.WithClock(e.clock))
	w.Add(authz2) // keys2 follows authz2's invalidations
	require.NoError(t, w.CatchUp(ctx))

	sc, err := keys2.Authenticate(ctx, secret) // cached on instance 2
	require.NoError(t, err)
	key2 := workspace.WithScope(ctx, sc)
	require.NoError(t, authz2.Require(key2, rbac.ResourceAgents, rbac.ActionCreate))

	_, err = e.keys.ChangeRole(alice, k.ID, workspace.RoleViewer) // on instance 1
	require.NoError(t, err)
	require.NoError(t, w.CatchUp(ctx))
	require.ErrorIs(t, authz2.Require(key2, rbac.ResourceAgents, rbac.ActionCreate), workspace.ErrForbidden)

	require.NoError(t, e.keys.Revoke(alice, k.ID)) // on instance 1
	require.NoError(t, w.CatchUp(ctx))
	_, err = keys2.Authenticate(ctx, secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	require.ErrorIs(t, authz2.Require(key2, rbac.ResourceAgents, rbac.ActionRead), workspace.ErrForbidden)
}

// While the watcher is not fresh, instance 2 reads every key from the
// store: a revocation it has not heard of still stops the key.
func TestUnfreshInstanceReadsThrough(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "k", Role: workspace.RoleMember})
	require.NoError(t, err)
	var fresh staleness
	fresh.ok = true
	authz2, err := rbac.New(e.st) // instance 2: its own Authorizer, no watcher
	require.NoError(t, err)
	keys2 := apikey.New(e.st, authz2, plans, apikey.WithFreshness(&fresh), apikey.WithClock(e.clock))
	_, err = keys2.Authenticate(ctx, secret)
	require.NoError(t, err)

	// Revoked behind instance 2's back (no Invalidate reaches it).
	require.NoError(t, e.keys.Revoke(alice, k.ID))
	_, err = keys2.Authenticate(ctx, secret)
	require.NoError(t, err, "a fresh instance that was not told answers from its cache: why the watcher matters")
	fresh.ok = false
	_, err = keys2.Authenticate(ctx, secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
}

type staleness struct{ ok bool }

func (s *staleness) Fresh() bool { return s.ok }
