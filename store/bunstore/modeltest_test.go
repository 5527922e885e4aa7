package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/modeltest"
	"github.com/workspacekit/workspacekit/workspace"
)

// The model suite's host tables: workspace_id leading the key and
// cascading with the workspace, as PRODUCTION.md asks; ids are unique per
// workspace only, as on memstore.
const modelSchema = `
CREATE TABLE mt_agents (workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (workspace_id, id));
CREATE TABLE mt_contacts (workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (workspace_id, id));
CREATE TABLE mt_conversations (workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (workspace_id, id));`

var modelTables = []string{"mt_agents", "mt_contacts", "mt_conversations"}

type mtAgent struct {
	bun.BaseModel `bun:"table:mt_agents,alias:mta"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name,notnull"`
}

type mtContact struct {
	bun.BaseModel `bun:"table:mt_contacts,alias:mtc"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name,notnull"`
}

type mtConversation struct {
	bun.BaseModel `bun:"table:mt_conversations,alias:mtv"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name,notnull"`
}

func (r *mtAgent) RecordID() uuid.UUID        { return r.ID }
func (r *mtContact) RecordID() uuid.UUID      { return r.ID }
func (r *mtConversation) RecordID() uuid.UUID { return r.ID }

func modelTablesOn(db bun.IDB) []modeltest.Table {
	return []modeltest.Table{
		modeltest.TableOf("agents", "agents", bunstore.NewRepo[mtAgent](db),
			func(id uuid.UUID, v string) mtAgent { return mtAgent{ID: id, Name: v} },
			func(r *mtAgent) string { return r.Name }),
		modeltest.TableOf("contacts", "contacts", bunstore.NewRepo[mtContact](db),
			func(id uuid.UUID, v string) mtContact { return mtContact{ID: id, Name: v} },
			func(r *mtContact) string { return r.Name }),
		modeltest.TableOf("conversations", "conversations", bunstore.NewRepo[mtConversation](db),
			func(id uuid.UUID, v string) mtConversation { return mtConversation{ID: id, Name: v} },
			func(r *mtConversation) string { return r.Name }),
	}
}

// modelDB is a migrated database with the suite's host tables, its
// superuser connection (unguarded: the suite's independent read path) and
// the registry of the tables.
func modelDB(t testing.TB) (*bun.DB, *bunstore.Registry) {
	t.Helper()
	owner := migratedDBB(t)
	_, err := owner.ExecContext(context.Background(), modelSchema)
	require.NoError(t, err)
	reg := bunstore.NewRegistry()
	require.NoError(t, reg.Register(owner, (*mtAgent)(nil), (*mtContact)(nil), (*mtConversation)(nil)))
	return owner, reg
}

// ownerSnapshot reads the host tables' rows of the given workspaces on
// the superuser's own connection: around the guard, row-level security
// and the Repos.
func ownerSnapshot(owner *bun.DB) func(ctx context.Context, wss []uuid.UUID) (map[int]map[uuid.UUID]map[uuid.UUID]string, error) {
	return func(ctx context.Context, wss []uuid.UUID) (map[int]map[uuid.UUID]map[uuid.UUID]string, error) {
		out := map[int]map[uuid.UUID]map[uuid.UUID]string{}
		for i, table := range modelTables {
			var rows []struct {
				WorkspaceID uuid.UUID `bun:"workspace_id"`
				ID          uuid.UUID `bun:"id"`
				Name        string    `bun:"name"`
			}
			if err := owner.NewRaw("SELECT workspace_id, id, name FROM ? WHERE workspace_id = ANY(?)", bun.Ident(table), pgdialect.Array(wss)).Scan(ctx, &rows); err != nil {
				return nil, err
			}
			out[i] = map[uuid.UUID]map[uuid.UUID]string{}
			for _, r := range rows {
				if out[i][r.WorkspaceID] == nil {
					out[i][r.WorkspaceID] = map[uuid.UUID]string{}
				}
				out[i][r.WorkspaceID][r.ID] = r.Name
			}
		}
		return out, nil
	}
}

// modelRowCount counts every row of the host tables, whatever its workspace.
func modelRowCount(owner *bun.DB) func(ctx context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		var n int
		err := owner.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM mt_agents) + (SELECT count(*) FROM mt_contacts) + (SELECT count(*) FROM mt_conversations)").Scan(&n)
		return n, err
	}
}

// guardedModelTarget: guard mode, the library's store and the host's
// Repos on one guarded pool (reg.OpenDB), as a host without strict mode
// runs.
func guardedModelTarget(t testing.TB) *modeltest.Target {
	t.Helper()
	owner, reg := modelDB(t)
	db, err := reg.OpenDB(pgDSN(t.(*testing.T), owner))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return &modeltest.Target{
		Store:      bunstore.New(db),
		Tables:     modelTablesOn(db),
		Snapshot:   ownerSnapshot(owner),
		Rows:       modelRowCount(owner),
		KitOptions: []kit.Option{kit.WithWorkspaces(workspace.WithPurge("host tables", reg.Purge(db)))},
		Faults:     &pgFaults{owner: owner, lib: db, host: db},
		InUse:      func() int { return db.Stats().InUse },
	}
}

// strictModelTarget: strict mode as PRODUCTION.md recommends, the key
// locked: the library's store on the library role, the host's Repos and
// transactions on the app role, both through the guard.
func strictModelTarget(t testing.TB) *modeltest.Target {
	t.Helper()
	ctx := context.Background()
	owner, reg := modelDB(t)
	dsn := pgDSN(t.(*testing.T), owner)
	libRole, appRole := pg.NewRole(t, dsn), pg.NewRole(t, dsn)
	require.NoError(t, reg.EnableStrict(ctx, owner, libRole.Name))
	require.NoError(t, reg.GrantStrict(ctx, owner, appRole.Name, libRole.Name))
	require.NoError(t, bunstore.LockStrictKey(ctx, owner, libRole.Name))
	lib, err := reg.OpenDB(libRole.DSN, bunstore.WithStrictMode())
	require.NoError(t, err)
	t.Cleanup(func() { _ = lib.Close() })
	app, err := reg.OpenDB(appRole.DSN, bunstore.WithStrictMode())
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	require.NoError(t, reg.VerifyStrict(ctx, app, bunstore.LibraryTables()...))
	return &modeltest.Target{
		Store:      bunstore.New(lib),
		HostTx:     bunstore.New(app),
		Tables:     modelTablesOn(app),
		Snapshot:   ownerSnapshot(owner),
		Rows:       modelRowCount(owner),
		KitOptions: []kit.Option{kit.WithWorkspaces(workspace.WithPurge("host tables", reg.Purge(lib)))},
		Faults:     &pgFaults{owner: owner, lib: lib, host: app},
		InUse:      func() int { return lib.Stats().InUse + app.Stats().InUse },
	}
}

func TestModelGuarded(t *testing.T) {
	modeltest.Run(t, modeltest.Harness{New: guardedModelTarget}, modeltest.Config{Sequences: 4, FaultPercent: 15})
}

func TestModelStrict(t *testing.T) {
	modeltest.Run(t, modeltest.Harness{New: strictModelTarget}, modeltest.Config{Sequences: 4, FaultPercent: 15})
}

func TestModelGuardedConcurrent(t *testing.T) {
	modeltest.RunConcurrent(t, modeltest.Harness{New: guardedModelTarget}, modeltest.Load{Actors: 6, Ops: 30})
}

func TestModelStrictConcurrent(t *testing.T) {
	modeltest.RunConcurrent(t, modeltest.Harness{New: strictModelTarget}, modeltest.Load{Actors: 6, Ops: 30})
}

func TestModelGuardedContended(t *testing.T) {
	modeltest.RunContended(t, modeltest.Harness{New: guardedModelTarget}, modeltest.Contention{Rounds: 60, Actors: 6})
}

func TestModelStrictContended(t *testing.T) {
	modeltest.RunContended(t, modeltest.Harness{New: strictModelTarget}, modeltest.Contention{Rounds: 60, Actors: 6})
}

func TestModelStrictSoak(t *testing.T) {
	modeltest.Soak(t, modeltest.Harness{New: strictModelTarget}, modeltest.Load{Actors: 8, Duration: 8 * time.Second, Light: true}, 64<<20)
}

func TestModelGuardedSoak(t *testing.T) {
	modeltest.Soak(t, modeltest.Harness{New: guardedModelTarget}, modeltest.Load{Actors: 8, Duration: 8 * time.Second, Light: true}, 64<<20)
}
