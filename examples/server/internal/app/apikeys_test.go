package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// The demo plans limit API keys per workspace: Globex HQ (free, two) holds
// the seeded key and takes one more; a revoked key frees its place.
func TestKeysWithinThePlan(t *testing.T) {
	s := newSeeded(t, Config{})
	dave := s.in(t, "dave", SeedGlobexHQ)
	k, _, err := s.Kit.Keys.Create(dave, apikey.NewKey{Name: "second", Role: workspace.RoleMember})
	require.NoError(t, err)
	_, _, err = s.Kit.Keys.Create(dave, apikey.NewKey{Name: "third", Role: workspace.RoleMember})
	require.ErrorIs(t, err, workspace.ErrPlanLimit)
	require.NoError(t, s.Kit.Keys.Revoke(dave, k.ID))
	_, _, err = s.Kit.Keys.Create(dave, apikey.NewKey{Name: "third", Role: workspace.RoleMember})
	require.NoError(t, err)

	limits, err := s.Plans.Limits(t.Context(), workspace.Account{Plan: PlanTeam})
	require.NoError(t, err)
	require.Equal(t, 10, limits.MaxAPIKeys)
}

// Close stops the last-use writer after its last flush: a use recorded in
// memory only is in the store once Close returns.
func TestCloseFlushesKeysLastUse(t *testing.T) {
	s := newSeeded(t, Config{})
	alice := s.in(t, "alice", SeedSales)
	k, secret, err := s.Kit.Keys.Create(alice, apikey.NewKey{Name: "flushed", Role: workspace.RoleViewer})
	require.NoError(t, err)
	_, err = s.Kit.Keys.Authenticate(t.Context(), secret)
	require.NoError(t, err)
	got, err := s.Kit.Keys.Get(alice, k.ID)
	require.NoError(t, err)
	require.True(t, got.LastUsedAt.IsZero(), "not written before the minute is up")

	require.NoError(t, s.Close())
	got, err = s.Kit.Keys.Get(alice, k.ID) // memstore is still readable
	require.NoError(t, err)
	require.False(t, got.LastUsedAt.IsZero(), "written by Close")
	require.NoError(t, s.Close(), "a second Close is harmless")
}

// On PostgreSQL: the keys live in the library's tables (a restart still
// has them, with the last use Close wrote), and a leftover host table
// api_keys of an older version of the example is dropped at start-up.
func TestPostgresKeys(t *testing.T) {
	dsn := pg.NewDatabase(t)
	owner, err := bunstore.Open(dsn)
	require.NoError(t, err)
	defer owner.Close()
	_, err = owner.ExecContext(t.Context(), "CREATE TABLE api_keys (id uuid PRIMARY KEY, name text)")
	require.NoError(t, err)

	s := newSeeded(t, Config{DSN: dsn})
	var left *string
	require.NoError(t, owner.QueryRowContext(t.Context(), "SELECT to_regclass('api_keys')::text").Scan(&left))
	require.Nil(t, left, "the old host table is gone")

	alice := s.in(t, "alice", SeedSales)
	k, secret, err := s.Kit.Keys.Create(alice, apikey.NewKey{Name: "restart", Role: workspace.RoleMember})
	require.NoError(t, err)
	sc, err := s.Kit.Keys.Authenticate(t.Context(), secret)
	require.NoError(t, err)
	require.Equal(t, s.ws[SeedSales].ID, sc.WorkspaceID)
	require.NoError(t, s.Close())

	again := newSeeded(t, Config{DSN: dsn})
	got, err := again.Kit.Keys.Get(again.in(t, "alice", SeedSales), k.ID)
	require.NoError(t, err)
	require.False(t, got.LastUsedAt.IsZero(), "the last use Close wrote")
	_, err = again.Kit.Keys.Authenticate(context.Background(), secret)
	require.NoError(t, err, "the key works after a restart")
}
