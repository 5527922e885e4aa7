package app

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
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

// Without a superuser (a managed PostgreSQL: the DSN's role owns the
// database and may create roles), strict mode runs without the locked
// key: the same flows work, and New says the key is not locked.
func TestPostgresWithoutSuperuser(t *testing.T) {
	dsn := pg.NewDatabase(t)
	super, err := bunstore.Open(dsn)
	require.NoError(t, err)
	defer super.Close()
	var db string
	require.NoError(t, super.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&db))
	owner := "owner_" + db[len(db)-12:]
	for _, s := range []string{
		"CREATE ROLE " + owner + " LOGIN CREATEROLE NOSUPERUSER PASSWORD 'owner-pw'",
		"ALTER DATABASE " + db + " OWNER TO " + owner,
	} {
		_, err := super.ExecContext(t.Context(), s)
		require.NoError(t, err, s)
	}
	ownerDSN, err := roleDSN(dsn, owner, "owner-pw")
	require.NoError(t, err)

	var logs strings.Builder
	s := newSeeded(t, Config{DSN: ownerDSN, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.False(t, s.StrictKeyLocked)
	require.Contains(t, logs.String(), "not locked")
	checkSeed(t, s)
	checkIsolation(t, s)
}
