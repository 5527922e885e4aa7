package rbac_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// switchable is a Freshness the test turns on and off.
type switchable struct{ fresh atomic.Bool }

func (s *switchable) Fresh() bool { return s.fresh.Load() }

// Two Authorizers over one store, as two app servers: the second hears of
// nothing. While its freshness source vouches for it, it answers from its
// snapshot (stale); once it does not, it reads through and follows the
// store at once.
func TestAuthorizerReadsThroughWhenNotFresh(t *testing.T) {
	st := memstore.New()
	fresh := &switchable{}
	fresh.fresh.Store(true)
	server1, err := rbac.New(st)
	require.NoError(t, err)
	server2, err := rbac.New(st, rbac.WithFreshness(fresh))
	require.NoError(t, err)
	ws := workspace.NewService(st, server1, workspace.FixedPlans{"": {MaxWorkspaces: 5, MaxMembers: 5}})
	_, w, err := ws.CreateAccount(context.Background(), workspace.NewAccount{Name: "A", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "W"}})
	require.NoError(t, err)
	alice := workspace.WithScope(context.Background(), workspace.Scope{AccountID: w.AccountID, WorkspaceID: w.ID, UserID: "alice"})

	ok, err := server2.Can(alice, workspace.ResourceSettings, workspace.ActionDelete)
	require.NoError(t, err)
	require.True(t, ok, "loaded")
	require.NoError(t, st.Atomic(context.Background(), func(ctx context.Context) error {
		return st.DeleteWorkspace(ctx, w.ID) // behind server 2's back
	}))
	ok, err = server2.Can(alice, workspace.ResourceSettings, workspace.ActionDelete)
	require.NoError(t, err)
	require.True(t, ok, "fresh by its source's word: the snapshot answers (stale)")

	fresh.fresh.Store(false)
	ok, err = server2.Can(alice, workspace.ResourceSettings, workspace.ActionDelete)
	require.NoError(t, err)
	require.False(t, ok, "not fresh: read through, the workspace is gone")
}
