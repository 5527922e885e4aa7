package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Item is one record of a Resource, as clients see it: the owning
// workspace is never part of it, since a record is only ever read inside
// its own workspace.
type Item struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Detail    string    `json:"detail"`
	CreatedAt time.Time `json:"created_at"`
}

// Bounds of an item's text, in characters.
const (
	MaxItemNameLen   = 100
	MaxItemDetailLen = 500
)

// Resource is one kind of workspace-owned data of the product doc (agents,
// channels, contacts...), kept in its own table and purged with its
// workspace. Every method acts in the active workspace of ctx and is
// authorized there first, with the rbac resource Kind.
type Resource struct {
	// Kind is the rbac resource and the table: "agents", "squads",
	// "channels", "conversations", "contacts", "llm_providers",
	// "integrations". (API keys are the library's: App.Kit.Keys.)
	Kind string
	// Title is how the UI names it ("Agents").
	Title string
	// Hint says what it holds, in the product doc's words.
	Hint string

	authz *rbac.Authorizer
	// tx runs each call in one host transaction: on PostgreSQL strict mode
	// sees rows only inside a transaction, whose BEGIN sets the workspace.
	tx    workspace.Transactor
	table table
	clock workspace.Clock
}

// List returns the active workspace's items, oldest first.
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no kind:read),
// the store's.
func (r *Resource) List(ctx context.Context) ([]Item, error) {
	if err := r.authz.Require(ctx, r.Kind, rbac.ActionRead); err != nil {
		return nil, err
	}
	var out []Item
	err := r.tx.Atomic(ctx, func(ctx context.Context) (err error) {
		out, err = r.table.list(ctx)
		return err
	})
	return out, err
}

// Get returns one item of the active workspace; another workspace's id is
// not found, like an id that never existed.
// Errors: workspace.ErrNoScope, workspace.ErrForbidden,
// workspace.ErrNotFound, the store's.
func (r *Resource) Get(ctx context.Context, id uuid.UUID) (Item, error) {
	if err := r.authz.Require(ctx, r.Kind, rbac.ActionRead); err != nil {
		return Item{}, err
	}
	var out Item
	err := r.tx.Atomic(ctx, func(ctx context.Context) (err error) {
		out, err = r.table.get(ctx, id)
		return err
	})
	return out, err
}

// Create adds an item to the active workspace. name is trimmed, 1-100
// characters; detail is trimmed, at most 500.
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no kind:create),
// workspace.ErrInvalid, workspace.ErrNotFound (the workspace was deleted
// meanwhile), the store's.
func (r *Resource) Create(ctx context.Context, name, detail string) (Item, error) {
	if err := r.authz.Require(ctx, r.Kind, rbac.ActionCreate); err != nil {
		return Item{}, err
	}
	name, detail, err := normalizeItem(name, detail)
	if err != nil {
		return Item{}, err
	}
	it := Item{ID: workspace.NewID(), Name: name, Detail: detail, CreatedAt: r.clock()}
	err = r.tx.Atomic(ctx, func(ctx context.Context) error { return r.table.insert(ctx, it) })
	if err != nil {
		return Item{}, err
	}
	return it, nil
}

// Delete removes an item of the active workspace; another workspace's id
// is not found and nothing changes.
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no kind:delete),
// workspace.ErrNotFound, the store's.
func (r *Resource) Delete(ctx context.Context, id uuid.UUID) error {
	if err := r.authz.Require(ctx, r.Kind, rbac.ActionDelete); err != nil {
		return err
	}
	return r.tx.Atomic(ctx, func(ctx context.Context) error { return r.table.delete(ctx, id) })
}

// Resource returns the resource of kind.
func (a *App) Resource(kind string) (*Resource, bool) {
	for _, r := range a.Resources {
		if r.Kind == kind {
			return r, true
		}
	}
	return nil, false
}

func normalizeItem(name, detail string) (string, string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxItemNameLen {
		return "", "", fmt.Errorf("%w: name must be 1-%d characters, got %d", workspace.ErrInvalid, MaxItemNameLen, n)
	}
	detail = strings.TrimSpace(detail)
	if n := utf8.RuneCountInString(detail); n > MaxItemDetailLen {
		return "", "", fmt.Errorf("%w: detail must be at most %d characters, got %d", workspace.ErrInvalid, MaxItemDetailLen, n)
	}
	// Control characters (NUL above all, which PostgreSQL cannot store)
	// are refused alike on both stores; a detail may hold line breaks.
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", "", fmt.Errorf("%w: name must be valid UTF-8 without control characters", workspace.ErrInvalid)
	}
	if !utf8.ValidString(detail) || strings.IndexFunc(detail, func(c rune) bool { return unicode.IsControl(c) && c != '\n' && c != '\t' && c != '\r' }) >= 0 {
		return "", "", fmt.Errorf("%w: detail must be valid UTF-8 without control characters", workspace.ErrInvalid)
	}
	return name, detail, nil
}
