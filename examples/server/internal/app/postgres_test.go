package app

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The PostgreSQL backend in strict mode with the key locked (pgtest's DSN
// is a superuser's): the same seed, isolation and purge as in memory, and
// a restart that migrates again, re-passwords the roles and seeds nothing.
func TestPostgresStrict(t *testing.T) {
	dsn := pg.NewDatabase(t)
	s := newSeeded(t, Config{DSN: dsn})
	require.Equal(t, "postgres", s.Store)
	require.True(t, s.StrictKeyLocked)
	checkSeed(t, s)
	checkIsolation(t, s)

	again := newSeeded(t, Config{DSN: dsn})
	checkSeed(t, again)
	require.Equal(t, s.ws, again.ws, "a restart seeds nothing more")
	require.NoError(t, again.Close())

	checkDeletePurges(t, s)
	_, err := s.Kit.Workspaces.Get(t.Context(), "alice", s.ws[SeedSupport].ID)
	require.NoError(t, err, "the account's other workspace stays")
}
