package bunstore_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/storetest"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// migratedDB returns a fresh database with the library's migrations
// applied: a copy of a template migrated once per test binary, which is far
// cheaper than migrating every test's database.
func migratedDB(t *testing.T) *bun.DB {
	t.Helper()
	return migratedDBB(t)
}

// migratedDBB is migratedDB for tests and benchmarks alike.
func migratedDBB(t testing.TB) *bun.DB {
	t.Helper()
	db, err := bunstore.Open(migratedDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// migratedDSN returns the superuser DSN of a fresh database with the
// library's migrations applied, for tests that open it their own way.
func migratedDSN(t testing.TB) string {
	t.Helper()
	pg.Require(t)
	templateOnce.Do(func() {
		templateName = fmt.Sprintf("bunstore_tpl_%d", os.Getpid())
		templateErr = pg.CreateTemplate(context.Background(), templateName, func(ctx context.Context, dsn string) error {
			db, err := bunstore.Open(dsn)
			if err != nil {
				return err
			}
			defer db.Close()
			return bunstore.Migrate(ctx, db)
		})
	})
	require.NoError(t, templateErr)
	return pg.NewDatabaseFrom(t, templateName)
}

func TestConformance(t *testing.T) {
	h := storetest.Harness{New: func(t *testing.T) store.Store { return bunstore.New(migratedDB(t)) }}
	storetest.Run(t, h)
	storetest.RunKeys(t, h)
}
