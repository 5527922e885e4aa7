package bunstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Host models as a host app would declare them.

type Agent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	Name      string    `bun:"name,notnull"`
	ContactID uuid.UUID `bun:"contact_id,type:uuid,nullzero"`
	// Joined on the id alone: the guard refuses it.
	Contact *Contact `bun:"rel:belongs-to,join:contact_id=id"`
}

func (a *Agent) RecordID() uuid.UUID { return a.ID }

// AgentWithContact joins its contact on workspace and id: filtered.
type AgentWithContact struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	Name      string    `bun:"name,notnull"`
	ContactID uuid.UUID `bun:"contact_id,type:uuid,nullzero"`
	Contact   *Contact  `bun:"rel:belongs-to,join:workspace_id=workspace_id,join:contact_id=id"`
}

type Contact struct {
	bun.BaseModel `bun:"table:contacts,alias:contact"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name,notnull"`
}

// AgentRow is a second struct on the agents table without the embed.
type AgentRow struct {
	bun.BaseModel `bun:"table:agents,alias:ar"`
	ID            uuid.UUID `bun:"id,pk,type:uuid"`
	WorkspaceID   uuid.UUID `bun:"workspace_id,type:uuid"`
	Name          string    `bun:"name"`
}

const hostSchema = `
CREATE TABLE contacts (
	workspace_id uuid NOT NULL,
	id uuid NOT NULL UNIQUE,
	name text NOT NULL,
	PRIMARY KEY (workspace_id, id)
);
CREATE TABLE agents (
	workspace_id uuid NOT NULL,
	id uuid NOT NULL UNIQUE,
	name text NOT NULL,
	contact_id uuid,
	PRIMARY KEY (workspace_id, id)
);`

func scopeCtx(ws uuid.UUID) context.Context {
	return workspace.WithScope(context.Background(), workspace.Scope{AccountID: ws, WorkspaceID: ws, UserID: workspace.UserID("u-" + ws.String()[:8])})
}

func unscoped() context.Context {
	return workspace.Unscoped(context.Background(), "test fixture")
}

// world is two workspaces with two agents and a contact each; agent A2
// points at B's contact (a dangling cross-workspace reference that a join
// on the id alone would follow).
type world struct {
	db       *bun.DB
	reg      *bunstore.Registry
	wsA, wsB uuid.UUID
	a1, a2   uuid.UUID
	b1, b2   uuid.UUID
	cA, cB   uuid.UUID
}

func newWorld(t *testing.T, opts ...bunstore.ConnectorOption) *world {
	t.Helper()
	dsn := pg.NewDatabase(t)
	reg := bunstore.NewRegistry()
	db, err := reg.OpenDB(dsn, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, reg.Register(db, (*Agent)(nil), (*Contact)(nil), (*AgentWithContact)(nil)))
	_, err = db.ExecContext(unscoped(), hostSchema)
	require.NoError(t, err)
	w := &world{db: db, reg: reg, wsA: workspace.NewID(), wsB: workspace.NewID()}
	w.seed(t)
	return w
}

func (w *world) seed(t *testing.T) {
	t.Helper()
	ctx := unscoped()
	_, err := w.db.ExecContext(ctx, "TRUNCATE agents, contacts")
	require.NoError(t, err)
	w.a1, w.a2, w.b1, w.b2, w.cA, w.cB = workspace.NewID(), workspace.NewID(), workspace.NewID(), workspace.NewID(), workspace.NewID(), workspace.NewID()
	contacts := []Contact{
		{Scoped: bunstore.Scoped{WorkspaceID: w.wsA}, ID: w.cA, Name: "contact-a"},
		{Scoped: bunstore.Scoped{WorkspaceID: w.wsB}, ID: w.cB, Name: "contact-b"},
	}
	_, err = w.db.NewInsert().Model(&contacts).Exec(ctx)
	require.NoError(t, err)
	agents := []Agent{
		{Scoped: bunstore.Scoped{WorkspaceID: w.wsA}, ID: w.a1, Name: "a1", ContactID: w.cA},
		{Scoped: bunstore.Scoped{WorkspaceID: w.wsA}, ID: w.a2, Name: "a2", ContactID: w.cB},
		{Scoped: bunstore.Scoped{WorkspaceID: w.wsB}, ID: w.b1, Name: "b1", ContactID: w.cB},
		{Scoped: bunstore.Scoped{WorkspaceID: w.wsB}, ID: w.b2, Name: "b2"},
	}
	_, err = w.db.NewInsert().Model(&agents).Exec(ctx)
	require.NoError(t, err)
}

// snapshot returns every row of both tables, read unscoped.
func (w *world) snapshot(t *testing.T) []string {
	t.Helper()
	var rows []string
	err := w.db.NewRaw(`SELECT 'agent ' || workspace_id || ' ' || id || ' ' || name || ' ' || coalesce(contact_id::text, '-') FROM agents
		UNION ALL SELECT 'contact ' || workspace_id || ' ' || id || ' ' || name FROM contacts ORDER BY 1`).Scan(unscoped(), &rows)
	require.NoError(t, err)
	return rows
}
