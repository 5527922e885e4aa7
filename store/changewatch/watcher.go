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
// one. InvalidateAll is for when changes may have been missed: the log was
// pruned past the watcher, or went back (a restore, a failover that lost
// commits).
type Invalidator interface {
	Invalidate(workspaceID uuid.UUID)
	InvalidateAccount(accountID uuid.UUID)
	InvalidateAll()
}

// ErrMissedChanges reports (through WithErrorLog) that the log no longer
// holds changes the watcher had not read; it invalidated everything.
var ErrMissedChanges = errors.New("changewatch: changes were missed (the log was pruned past the watcher, or went back): every cache was invalidated")

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
	onErr   func(error)
	onApply func(workspace.Change)

	wake     chan struct{}
	last     atomic.Int64 // the last change applied
	started  bool         // a Run has set the start; under mu
	syncedAt time.Time    // when the last complete read began (monotonic); under fmu
	// fresh is what Fresh reports: a flag, so that checks pay one atomic
	// load (a clock read per check doubled the cost of a cached
	// decision); expiry clears it when the bound passes without a read.
	fresh   atomic.Bool
	expiry  *time.Timer
	fmu     sync.Mutex // orders synced and expire
	running atomic.Bool
	mu      sync.Mutex // serializes catch-ups
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

// WithErrorLog receives the errors of reads that failed (the watcher goes
// on; Fresh turns false once the bound passes).
func WithErrorLog(fn func(error)) Option { return func(w *Watcher) { w.onErr = fn } }

// WithOnChange calls fn with every change applied, in order, after the
// Invalidators: how a host feeds events of every instance to its own
// subscribers, or counts propagation.
func WithOnChange(fn func(workspace.Change)) Option { return func(w *Watcher) { w.onApply = fn } }

// New returns a watcher of log applying changes to targets.
func New(log Reader, targets []Invalidator, opts ...Option) *Watcher {
	w := &Watcher{log: log, targets: targets, bound: DefaultBound, onErr: func(error) {}, onApply: func(workspace.Change) {},
		wake: make(chan struct{}, 1)}
	for _, o := range opts {
		o(w)
	}
	if w.poll <= 0 {
		w.poll = w.bound / 4
	}
	w.poll = min(w.poll, w.bound/2)
	w.expiry = time.AfterFunc(time.Hour, w.expire)
	w.expiry.Stop()
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
// been applied: the last complete read of the log began within the bound
// (give or take a timer's latency, a millisecond or so). It implements
// rbac.Freshness and costs one atomic load.
func (w *Watcher) Fresh() bool { return w.fresh.Load() }

// synced records a complete read that began at start.
func (w *Watcher) synced(start time.Time) {
	w.fmu.Lock()
	defer w.fmu.Unlock()
	w.syncedAt = start
	if left := time.Until(start.Add(w.bound)); left > 0 {
		w.fresh.Store(true)
		w.expiry.Reset(left)
	}
}

// expire clears fresh once the bound has passed since the last complete
// read began; a read since then re-armed the timer or leaves time.
func (w *Watcher) expire() {
	w.fmu.Lock()
	defer w.fmu.Unlock()
	if left := time.Until(w.syncedAt.Add(w.bound)); left > 0 {
		w.expiry.Reset(left)
		return
	}
	w.fresh.Store(false)
}

// Last returns the id of the last change applied.
func (w *Watcher) Last() int64 { return w.last.Load() }

// ErrRunning means Run was called on a watcher that is already running.
var ErrRunning = errors.New("changewatch: the watcher is already running")

// Run applies changes until ctx ends. The first Run of a watcher starts
// after the log's last change (caches built before hold nothing older than
// that only if they were empty: start the watcher before serving); a later
// Run goes on from where the previous one stopped. It reads the log on
// every Notify and at least every poll interval.
// Errors: ctx's error when it ends, ErrRunning, and the store's error when
// the start cannot be read.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer w.running.Store(false)
	if err := w.begin(ctx); err != nil {
		return err
	}
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

// begin sets the first Run's start, or catches up a later Run.
func (w *Watcher) begin(ctx context.Context) error {
	w.mu.Lock()
	started := w.started
	w.mu.Unlock()
	if started {
		if err := w.CatchUp(ctx); err != nil {
			w.onErr(err)
		}
		return nil
	}
	start := time.Now()
	last, err := w.log.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("changewatch: read the log's end: %w", err)
	}
	w.mu.Lock()
	w.started = true
	w.last.Store(last)
	w.mu.Unlock()
	w.synced(start)
	return nil
}

// CatchUp reads and applies every change after the last one applied, now.
// Run calls it; a transport may call it after reconnecting. Ids have no
// gaps, so a first id past the next one, or a log whose end is behind the
// watcher, means changes were missed: every cache is invalidated
// (ErrMissedChanges goes to WithErrorLog) before the watcher counts itself
// fresh.
// Errors: the store's.
func (w *Watcher) CatchUp(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	start := time.Now()
	end, err := w.log.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("changewatch: read the log's end: %w", err)
	}
	if end < w.last.Load() {
		w.missed(end)
	}
	for {
		last := w.last.Load()
		cs, err := w.log.ChangesAfter(ctx, last, page)
		if err != nil {
			return fmt.Errorf("changewatch: read changes after %d: %w", last, err)
		}
		if (len(cs) > 0 && cs[0].ID != last+1) || (len(cs) == 0 && end > last) {
			w.missed(last)
		}
		for _, c := range cs {
			w.apply(c)
			w.last.Store(c.ID)
		}
		if len(cs) < page {
			if len(cs) == 0 && end > w.last.Load() {
				w.last.Store(end) // pruned up to the end: nothing left to read
			}
			break
		}
	}
	w.started = true
	w.synced(start)
	return nil
}

// missed invalidates everything after a gap and goes on from last.
func (w *Watcher) missed(last int64) {
	for _, t := range w.targets {
		t.InvalidateAll()
	}
	w.last.Store(last)
	w.onErr(ErrMissedChanges)
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
