package apikey_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestLastUsedIsWrittenInBatches(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	a, as, err := e.keys.Create(alice, apikey.NewKey{Name: "a", Role: workspace.RoleViewer})
	require.NoError(t, err)
	b, bs, err := e.keys.Create(alice, apikey.NewKey{Name: "b", Role: workspace.RoleViewer})
	require.NoError(t, err)
	stored := func(k apikey.Key) time.Time {
		got, err := e.st.GetKey(ctx, k.ID)
		require.NoError(t, err)
		return got.LastUsedAt
	}

	for range 100 {
		_, err := e.keys.Authenticate(ctx, as)
		require.NoError(t, err)
	}
	first := e.clock()
	e.advance(time.Second)
	_, err = e.keys.Authenticate(ctx, bs)
	require.NoError(t, err)
	require.True(t, stored(a).IsZero(), "Authenticate writes nothing")
	require.True(t, stored(b).IsZero())

	require.NoError(t, e.keys.FlushLastUsed(ctx))
	require.Equal(t, first, stored(a))
	require.Equal(t, first.Add(time.Second), stored(b))

	// A key dropped from the cache (a change in its workspace) keeps its
	// unwritten use for the next flush.
	e.advance(time.Second)
	_, err = e.keys.Authenticate(ctx, as)
	require.NoError(t, err)
	e.keys.Invalidate(a.WorkspaceID)
	require.NoError(t, e.keys.FlushLastUsed(ctx))
	require.Equal(t, first.Add(2*time.Second), stored(a))
	require.Equal(t, first.Add(time.Second), stored(b), "nothing new for b")

	listed, err := e.keys.List(alice, workspace.Page{})
	require.NoError(t, err)
	require.Equal(t, first.Add(2*time.Second), listed[0].LastUsedAt)
}

func TestRunFlushesOnShutdown(t *testing.T) {
	e := newEnv(t, apikey.WithLastUsedPrecision(time.Hour))
	alice, _ := e.account(t, "alice", "", "Sales")
	k, s, err := e.keys.Create(alice, apikey.NewKey{Name: "a", Role: workspace.RoleViewer})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.keys.Run(ctx) }()
	_, err = e.keys.Authenticate(context.Background(), s)
	require.NoError(t, err)
	cancel()
	require.NoError(t, <-done)
	got, err := e.st.GetKey(context.Background(), k.ID)
	require.NoError(t, err)
	require.Equal(t, e.clock(), got.LastUsedAt)
}
