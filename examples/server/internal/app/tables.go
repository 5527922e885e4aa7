package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// row is the columns every resource table has. Each kind gets its own Go
// type embedding it, because bun names a model's table in a struct tag,
// which a type parameter cannot vary: one type per table is what lets
// each kind be its own table (registered with the guard, under strict
// mode, cascading with its workspace).
type row struct {
	bunstore.Scoped           // workspace_id, leading the key; the hooks filter on it
	ID              uuid.UUID `bun:"id,pk,type:uuid"`
	Name            string    `bun:"name,notnull"`
	Detail          string    `bun:"detail,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
}

// RecordID completes store.Record (Scoped gives the workspace half).
func (r row) RecordID() uuid.UUID { return r.ID }

func (r *row) base() *row { return r }

func (r *row) item() Item {
	return Item{ID: r.ID, Name: r.Name, Detail: r.Detail, CreatedAt: r.CreatedAt}
}

type agentRow struct {
	bun.BaseModel `bun:"table:agents,alias:agents"`
	row
}

type squadRow struct {
	bun.BaseModel `bun:"table:squads,alias:squads"`
	row
}

type channelRow struct {
	bun.BaseModel `bun:"table:channels,alias:channels"`
	row
}

type conversationRow struct {
	bun.BaseModel `bun:"table:conversations,alias:conversations"`
	row
}

type contactRow struct {
	bun.BaseModel `bun:"table:contacts,alias:contacts"`
	row
}

type llmProviderRow struct {
	bun.BaseModel `bun:"table:llm_providers,alias:llm_providers"`
	row
}

type integrationRow struct {
	bun.BaseModel `bun:"table:integrations,alias:integrations"`
	row
}

// rowPtr is what the generic table needs of a row type's pointer: a
// store.Record (for the repositories) that holds a row.
type rowPtr[T any] interface {
	*T
	store.Record
	base() *row
}

// table is one resource's repository with the row type erased, so that
// Resource is one type for all kinds.
type table interface {
	list(ctx context.Context) ([]Item, error)
	get(ctx context.Context, id uuid.UUID) (Item, error)
	insert(ctx context.Context, it Item) error
	delete(ctx context.Context, id uuid.UUID) error
}

type repoTable[T any, PT rowPtr[T]] struct{ repo store.Repo[T] }

func (t repoTable[T, PT]) list(ctx context.Context) ([]Item, error) {
	rows, err := t.repo.List(ctx, workspace.Page{})
	if err != nil {
		return nil, err
	}
	out := make([]Item, len(rows))
	for i := range rows {
		out[i] = PT(&rows[i]).base().item()
	}
	return out, nil
}

func (t repoTable[T, PT]) get(ctx context.Context, id uuid.UUID) (Item, error) {
	r, err := t.repo.Get(ctx, id)
	if err != nil {
		return Item{}, err
	}
	return PT(&r).base().item(), nil
}

func (t repoTable[T, PT]) insert(ctx context.Context, it Item) error {
	var r T
	*PT(&r).base() = row{ID: it.ID, Name: it.Name, Detail: it.Detail, CreatedAt: it.CreatedAt}
	return t.repo.Insert(ctx, &r)
}

func (t repoTable[T, PT]) delete(ctx context.Context, id uuid.UUID) error {
	return t.repo.Delete(ctx, id)
}

// kind describes one resource and how to make its table on either store.
type kind struct {
	name, title, hint string
	// model is the bun model, for Registry.Register.
	model any
	// memory makes the in-memory table, its own repository in s, and the
	// purge that empties it with its workspace.
	memory func(s *memstore.Store) (table, workspace.PurgeFunc)
	// postgres makes the table's repository on the app role's database.
	postgres func(db bun.IDB) table
}

func newKind[T any, PT rowPtr[T]](name, title, hint string) kind {
	return kind{
		name: name, title: title, hint: hint, model: PT(nil),
		memory: func(s *memstore.Store) (table, workspace.PurgeFunc) {
			r := memstore.NewRepo[T, PT](s)
			return repoTable[T, PT]{r}, r.Purge
		},
		postgres: func(db bun.IDB) table { return repoTable[T, PT]{bunstore.NewRepo[T, PT](db)} },
	}
}

// kinds are the product doc's isolated resources, in its order. API keys
// are not among them: they are the library's (apikey, App.Kit.Keys), kept
// in its own tables, and work as credentials for the API.
var kinds = []kind{
	newKind[agentRow](rbac.ResourceAgents, "Agents", "AI agents that answer your customers"),
	newKind[squadRow](rbac.ResourceSquads, "Squads", "Groups of agents working together"),
	newKind[channelRow](rbac.ResourceChannels, "Channels", "Connected channels (WhatsApp, Instagram, widget)"),
	newKind[conversationRow](rbac.ResourceConversations, "Conversations", "Conversations with your contacts"),
	newKind[contactRow](rbac.ResourceContacts, "Contacts", "The people your agents talk to"),
	newKind[llmProviderRow](rbac.ResourceLLMProviders, "LLM providers", "Configured LLM providers"),
	newKind[integrationRow](rbac.ResourceIntegrations, "Integrations", "Integrations (Composio)"),
}

// createTableSQL is a kind's host table: workspace_id leads the key and
// cascades with its workspace, as PRODUCTION.md asks of every host table.
func createTableSQL(table string) string {
	return `CREATE TABLE IF NOT EXISTS ` + table + ` (
	workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	id uuid NOT NULL,
	name text NOT NULL,
	detail text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	PRIMARY KEY (workspace_id, id)
)`
}
