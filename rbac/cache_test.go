package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// countingStore counts loads of the real memstore underneath.
// observedStore is what a wrapper of the store must keep visible: rbac.New
// refuses a store that hides workspace.TxObserver.
type observedStore interface {
	rbac.Store
	workspace.TxObserver
}

type countingStore struct {
	observedStore
	lists atomic.Int64
}

func (c *countingStore) ListMemberships(ctx context.Context, ws uuid.UUID, after workspace.UserID, limit int) ([]workspace.Membership, error) {
	c.lists.Add(1)
	return c.observedStore.ListMemberships(ctx, ws, after, limit)
}

// TestConcurrentFirstUseLoadsOnce: many goroutines checking a workspace
// nobody loaded yet cause one load.
func TestConcurrentFirstUseLoadsOnce(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin"})
	cs := &countingStore{observedStore: e.store}
	a, err := rbac.New(cs)
	require.NoError(t, err)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := a.Can(e.as("ada", ws), "agents", "delete")
			if err != nil || !ok {
				t.Errorf("got %v, %v", ok, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.LessOrEqual(t, cs.lists.Load(), int64(2), "singleflight: one load (a second only if the first finished before late starters)")
	require.Equal(t, 1, a.Stats().Workspaces)
}

// TestEvictionBound: touching more workspaces than the bound keeps the
// loaded set within it, and an evicted workspace still answers right.
func TestEvictionBound(t *testing.T) {
	e := newEnv(t, rbac.WithMaxWorkspaces(10))
	var ids []uuid.UUID
	for i := range 40 {
		ids = append(ids, e.workspace(fmt.Sprint("ws", i), map[workspace.UserID]workspace.Role{"ada": "admin", "max": "viewer"}))
	}
	for _, id := range ids {
		require.True(t, e.can("ada", id, "agents", "delete"))
		require.LessOrEqual(t, e.authz.Stats().Workspaces, 10)
	}
	st := e.authz.Stats()
	require.Positive(t, st.Evictions)
	require.True(t, e.can("ada", ids[0], "agents", "delete"), "reloaded after eviction")
	require.False(t, e.can("max", ids[0], "agents", "delete"))
}

// The bound holds with several goroutines loading and checking at once:
// checks that keep entries "used" cannot push memory past it. Loads in
// flight may overshoot it by at most one workspace per loading goroutine,
// and once the traffic stops it holds exactly.
func TestEvictionBoundUnderConcurrency(t *testing.T) {
	const bound, spaces, workers, checks = 8, 200, 4, 5000
	e := newEnv(t, rbac.WithMaxWorkspaces(bound))
	var ids []uuid.UUID
	for i := range spaces {
		ids = append(ids, e.workspace(fmt.Sprint("ws", i), map[workspace.UserID]workspace.Role{"ada": "admin"}))
	}
	var maxSeen atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range checks {
				id := ids[(i*7+w*13)%len(ids)]
				if !e.can("ada", id, "agents", "delete") {
					t.Errorf("ada denied in %s", id)
					return
				}
				if n := int64(e.authz.Stats().Workspaces); n > maxSeen.Load() {
					maxSeen.Store(n)
				}
			}
		}()
	}
	wg.Wait()
	st := e.authz.Stats()
	require.LessOrEqual(t, st.Workspaces, bound, "loaded once the traffic stopped: %+v", st)
	require.LessOrEqual(t, maxSeen.Load(), int64(bound+workers), "loaded at any time")
	require.Positive(t, st.Evictions)
}

func TestStatsMemory(t *testing.T) {
	e := newEnv(t)
	members := map[workspace.UserID]workspace.Role{}
	for i := range 100 {
		members[workspace.UserID(fmt.Sprintf("user-%03d", i))] = workspace.RoleMember
	}
	ws := e.workspace("Sales", members)
	require.Zero(t, e.authz.Stats().Memberships)
	require.True(t, e.can("user-001", ws, "agents", "read"))
	st := e.authz.Stats()
	require.Equal(t, 1, st.Workspaces)
	require.Equal(t, 100, st.Memberships)
	require.Greater(t, st.BytesPerMembership, 8.0)
	require.Less(t, st.BytesPerMembership, 275.0, "a quarter of Casbin's ~1.1 KB")
	e.authz.Invalidate(ws)
	st = e.authz.Stats()
	require.Zero(t, st.Workspaces)
	require.Zero(t, st.Memberships)
	require.Zero(t, st.Bytes)
}

// TestConcurrentChecksAndWrites runs checks on many goroutines while others
// change roles, remove and re-add members, edit custom roles and
// invalidate; run with -race. Every answer must be one the policy allowed
// at some point: a viewer-or-admin user ("flip") may read agents in every
// state, a never-member ("stranger") never may.
func TestConcurrentChecksAndWrites(t *testing.T) {
	e := newEnv(t, rbac.WithMaxWorkspaces(3))
	var ids []uuid.UUID
	for i := range 5 {
		ids = append(ids, e.workspace(fmt.Sprint("ws", i), map[workspace.UserID]workspace.Role{"flip": "viewer", "ada": "admin"}))
	}
	ctx, cancel := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id := ids[(i+w)%len(ids)]
				m, err := e.store.GetMembership(e.ctx, id, "flip")
				if err != nil {
					t.Error(err)
					return
				}
				m.Role = map[bool]workspace.Role{true: "admin", false: "viewer"}[m.Role == "viewer"]
				m.Version++
				if err := e.store.UpdateMembership(e.ctx, m); err != nil {
					t.Error(err)
					return
				}
				e.authz.Invalidate(id)
				if _, err := e.authz.UpdateRole(e.as("ada", id), "helper", []rbac.Permission{{Resource: "agents", Action: "read"}}); err != nil {
					if _, err := e.authz.CreateRole(e.as("ada", id), "helper", []rbac.Permission{{Resource: "agents", Action: "read"}}); err != nil && !isConflict(err) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	var checks atomic.Int64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				id := ids[(i+g)%len(ids)]
				ok, err := e.authz.Can(e.as("flip", id), "agents", "read")
				if err != nil || !ok {
					t.Errorf("flip: %v %v", ok, err)
					return
				}
				ok, err = e.authz.Can(e.as("stranger", id), "agents", "read")
				if err != nil || ok {
					t.Errorf("stranger: %v %v", ok, err)
					return
				}
				if _, err := e.authz.Permissions(e.as("flip", id)); err != nil {
					t.Error(err)
					return
				}
				checks.Add(1)
			}
		}()
	}
	for checks.Load() < 12000 && !t.Failed() {
		runtime.Gosched()
	}
	cancel()
	wg.Wait()
}

func isConflict(err error) bool { return err != nil && errors.Is(err, workspace.ErrConflict) }
