package bunstore_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/storetest"
	"github.com/workspacekit/workspacekit/workspace"
)

// widget is a host model as a host writes it: a registered bun model that
// embeds Scoped, keyed by (workspace_id, id) and with a foreign key to
// workspaces that cascades, as every workspace-owned table should have.
type widget struct {
	bun.BaseModel `bun:"table:storetest_widgets,alias:widget"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name,notnull"`
}

const widgetSchema = `CREATE TABLE IF NOT EXISTS storetest_widgets (
	workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	id uuid NOT NULL,
	name text NOT NULL,
	PRIMARY KEY (workspace_id, id)
)`

func (w *widget) RecordID() uuid.UUID      { return w.ID }
func (w *widget) SetRecordID(id uuid.UUID) { w.ID = id }
func (w *widget) RecordName() string       { return w.Name }
func (w *widget) SetRecordName(n string)   { w.Name = n }

func TestRepoIsolation(t *testing.T) {
	reg := bunstore.NewRegistry()
	db, err := reg.OpenDB(migratedDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(unscoped(), widgetSchema)
	require.NoError(t, err)
	require.NoError(t, reg.Register(db, (*widget)(nil)))
	s := bunstore.New(db)
	storetest.RunRepo(t, storetest.RepoHarness[widget]{New: func(*testing.T) (store.Repo[widget], store.Store, workspace.PurgeFunc) {
		return bunstore.NewRepo[widget](db), s, reg.Purge(db)
	}})
}
