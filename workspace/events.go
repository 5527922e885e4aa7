package workspace

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Event is a state change that happened (it is published after its
// transaction commits). Hosts subscribe to build audit logs; switch on the
// concrete type.
type Event interface {
	// Meta returns the fields every event has.
	Meta() EventMeta
}

// EventMeta says when, where and by whom.
type EventMeta struct {
	At          time.Time
	AccountID   uuid.UUID
	WorkspaceID uuid.UUID
	Actor       UserID
}

// Meta implements Event for every type that embeds EventMeta.
func (m EventMeta) Meta() EventMeta { return m }

// Created: a workspace was created (also the first one of a new account).
type Created struct {
	EventMeta
	Workspace Workspace
}

// Updated: a workspace's name or description changed.
type Updated struct {
	EventMeta
	Before, After Workspace
}

// Deleted: a workspace and everything it owned were removed.
type Deleted struct {
	EventMeta
	Workspace Workspace
}

// Switched: a user made a workspace their active one.
type Switched struct {
	EventMeta
	Role Role
}

// SwitchRefused: a switch was refused. Reason is for the audit log only; the
// caller was told ErrNotFound whatever the reason, so that nobody can probe
// which workspaces exist.
type SwitchRefused struct {
	EventMeta
	Reason string
}

// Publisher receives events. Publish must not block for long: it runs on the
// caller's goroutine, after the change committed.
type Publisher interface {
	Publish(ctx context.Context, e Event)
}

// Bus is an in-process Publisher that fans events out to subscribers in
// subscription order.
type Bus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(context.Context, Event)
}

// NewBus returns an empty Bus.
func NewBus() *Bus { return &Bus{subs: map[int]func(context.Context, Event){}} }

// Subscribe adds fn and returns a function that removes it.
func (b *Bus) Subscribe(fn func(context.Context, Event)) (unsubscribe func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Publish implements Publisher.
func (b *Bus) Publish(ctx context.Context, e Event) {
	b.mu.RLock()
	ids := make([]int, 0, len(b.subs))
	for id := range b.subs {
		ids = append(ids, id)
	}
	fns := make([]func(context.Context, Event), 0, len(ids))
	slices.Sort(ids)
	for _, id := range ids {
		fns = append(fns, b.subs[id])
	}
	b.mu.RUnlock()
	for _, fn := range fns {
		fn(ctx, e)
	}
}

type discard struct{}

func (discard) Publish(context.Context, Event) {}
