package app

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Atomic is one transaction of the library's store: the services called
// inside commit together or not at all, and publish their events only
// after the real commit (memory, and PostgreSQL where the services run on
// the library role).
func TestAtomic(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testAtomic(t, newSeeded(t, Config{})) })
	t.Run("postgres", func(t *testing.T) { testAtomic(t, newSeeded(t, Config{DSN: pg.NewDatabase(t)})) })
}

func testAtomic(t *testing.T, s seeded) {
	var (
		mu     sync.Mutex
		events []workspace.Event
	)
	defer s.Bus.Subscribe(func(_ context.Context, e workspace.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})()
	seen := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(events)
	}
	ctx := s.in(t, "alice", SeedSales)
	perms := []rbac.Permission{{Resource: "agents", Action: "read"}}
	_, err := s.Kit.Authz.CreateRole(ctx, "lead", perms)
	require.NoError(t, err)
	before := seen()
	roleNames := func() []workspace.Role {
		rs, err := s.Kit.Authz.ListRoles(ctx)
		require.NoError(t, err)
		out := []workspace.Role{}
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}

	boom := errors.New("boom")
	err = s.Atomic(ctx, func(ctx context.Context) error {
		if _, err := s.Kit.Authz.RenameRole(ctx, "lead", "renamed"); err != nil {
			return err
		}
		require.Equal(t, before, seen(), "no event before the commit")
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, []workspace.Role{"lead"}, roleNames(), "rolled back")
	require.Equal(t, before, seen(), "no event after a rollback")

	err = s.Atomic(ctx, func(ctx context.Context) error {
		if _, err := s.Kit.Authz.RenameRole(ctx, "lead", "renamed"); err != nil {
			return err
		}
		_, err := s.Kit.Authz.UpdateRole(ctx, "renamed", append(perms, rbac.Permission{Resource: "contacts", Action: "read"}))
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []workspace.Role{"renamed"}, roleNames())
	require.Equal(t, before+2, seen(), "both events, after the commit")
}
