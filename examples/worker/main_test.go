package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

// pg is the package's throwaway PostgreSQL 15 cluster, started as the
// library's own tests start theirs (internal/pgtest; under CI=true a
// missing server fails instead of skipping).
var pg *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, &pg)) }

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// migratedDSN returns a superuser DSN of a fresh database with the
// library's, the host's and River's migrations applied: a copy of a
// template migrated once, which is much faster than migrating each test's
// database.
func migratedDSN(t *testing.T) string {
	t.Helper()
	pg.Require(t)
	templateOnce.Do(func() {
		templateName = fmt.Sprintf("worker_tpl_%d", os.Getpid())
		templateErr = pg.CreateTemplate(context.Background(), templateName, migrate)
	})
	require.NoError(t, templateErr)
	return pg.NewDatabaseFrom(t, templateName)
}
