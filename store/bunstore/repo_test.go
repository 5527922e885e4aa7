package bunstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/storetest"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestRepoIsolation(t *testing.T) {
	pg.Require(t)
	dsn := pg.NewDatabase(t)
	reg := bunstore.NewRegistry()
	db, err := reg.OpenDB(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, reg.Register(db, (*storetest.Widget)(nil)))
	_, err = db.ExecContext(unscoped(), storetest.WidgetSchema)
	require.NoError(t, err)
	tx := bunstore.New(db)
	storetest.RunRepo(t, storetest.RepoHarness{New: func(*testing.T) (store.Repo[storetest.Widget], workspace.Transactor, workspace.PurgeFunc) {
		return bunstore.NewRepo[storetest.Widget](db), tx, reg.Purge(db)
	}})
}
