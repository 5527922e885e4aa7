package changewatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Reader is the part of workspace.ChangeLog a Watcher reads.
type Reader interface {
	ChangesAfter(ctx context.Context, after int64, limit int) ([]workspace.Change, error)
	LastChange(ctx context.Context) (int64, error)
}

// Invalidator is what a Watcher applies changes to; rbac.Authorizer is
// one.
type Invalidator interface {
	Invalidate(workspaceID uuid.UUID)
	InvalidateAccount(accountID uuid.UUID)
}

// DefaultBound is how old the watcher's last complete read of the log may
// be before it stops counting itself fresh.
const DefaultBound = time.Second

// page is how many changes one read asks for.
const page = 500

// Watcher applies a store's committed changes to Invalidators, in order.
// Run it once per process; it is safe for concurrent use.
type Watcher struct {
	log     Reader
	targets []Invalidator
	bound   time.Duration
	poll    time.Duration
	clock   func() time.Time
	onErr   func(error)
	onApply func(workspace.Change)

	wake     chan struct{}
	last     atomic.Int64 // the last change applied
	syncedAt atomic.Int64 // when the last complete read began, unix ns; 0: never
	running  atomic.Bool
	mu       sync.Mutex // serializes catch-ups
}

// Option configures a Watcher.
type Option func(*Watcher)

// WithBound sets the staleness bound (default DefaultBound): Fresh is true
// only while the last complete read of the log began at most this long
// ago. Values below 10 ms are raised to 10 ms.
func WithBound(d time.Duration) Option {
	return func(w *Watcher) { w.bound = max(d, 10*time.Millisecond) }
}

// WithPollInterval sets how often the log is read without a notification
// (default a quarter of the bound, so that three missed reads in a row
// still leave it fresh). It is capped at half the bound.
func WithPollInterval(d time.Duration) Option { return func(w *Watcher) { w.poll = d } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(w *Watcher) { w.clock = now } }

// WithErrorLog receives the errors of reads that failed (the watcher goes
// on; Fresh turns false once the bound passes).
func WithErrorLog(fn func(error)) Option { return func(w *Watcher) { w.onErr = fn } }

// WithOnChange calls fn with every change applied, in order, after the
// Invalidators: how a host feeds events of every instance to its own
// subscribers, or counts propagation.
func WithOnChange(fn func(workspace.Change)) Option { return func(w *Watcher) { w.onApply = fn } }

// New returns a watcher of log applying changes to targets.
func New(log Reader, targets []Invalidator, opts ...Option) *Watcher {
	w := &Watcher{log: log, targets: targets, bound: DefaultBound, clock: time.Now, onErr: func(error) {}, onApply: func(workspace.Change) {},
		wake: make(chan struct{}, 1)}
	for _, o := range opts {
		o(w)
	}
	if w.poll <= 0 {
		w.poll = w.bound / 4
	}
	w.poll = min(w.poll, w.bound/2)
	return w
}

// Add makes the watcher apply changes to targets too, from its next read
// on: an Authorizer built WithFreshness(w) exists only after w, so it is
// added once built.
func (w *Watcher) Add(targets ...Invalidator) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.targets = append(w.targets, targets...)
}

// Notify tells the watcher that the log may have grown: a transport calls
// it on every notification. It never blocks.
func (w *Watcher) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Fresh reports whether every change committed before the bound ago has
// been applied: the last complete read of the log began within the bound.
// It implements rbac.Freshness.
func (w *Watcher) Fresh() bool {
	at := w.syncedAt.Load()
	return at != 0 && w.clock().UnixNano()-at <= int64(w.bound)
}

// Last returns the id of the last change applied.
func (w *Watcher) Last() int64 { return w.last.Load() }

// ErrRunning means Run was called on a watcher that is already running.
var ErrRunning = errors.New("changewatch: the watcher is already running")

// Run applies changes until ctx ends: it starts after the log's last
// change (caches built before hold nothing older than that only if they
// were empty: start the watcher before serving), then reads the log on
// every Notify and at least every poll interval.
// Errors: ctx's error when it ends, ErrRunning, and the store's error when
// the start cannot be read.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer w.running.Store(false)
	start := w.clock()
	last, err := w.log.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("changewatch: read the log's end: %w", err)
	}
	w.last.Store(last)
	w.syncedAt.Store(start.UnixNano())
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.wake:
		case <-t.C:
		}
		if err := w.CatchUp(ctx); err != nil && ctx.Err() == nil {
			w.onErr(err)
		}
	}
}

// CatchUp reads and applies every change after the last one applied, now.
// Run calls it; a transport may call it after reconnecting.
// Errors: the store's.
func (w *Watcher) CatchUp(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	start := w.clock()
	for {
		cs, err := w.log.ChangesAfter(ctx, w.last.Load(), page)
		if err != nil {
			return fmt.Errorf("changewatch: read changes after %d: %w", w.last.Load(), err)
		}
		for _, c := range cs {
			w.apply(c)
			w.last.Store(c.ID)
		}
		if len(cs) < page {
			break
		}
	}
	w.syncedAt.Store(start.UnixNano())
	return nil
}

func (w *Watcher) apply(c workspace.Change) {
	for _, t := range w.targets {
		if c.WorkspaceID == uuid.Nil {
			t.InvalidateAccount(c.AccountID)
		} else {
			t.Invalidate(c.WorkspaceID)
		}
	}
	w.onApply(c)
}
