package memstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/workspacekit/workspacekit/workspace"
)

// Errors of the transaction engine itself; the contract's sentinels come from
// packages workspace and membership.
var (
	// ErrTxDone: a context of a transaction that already committed or rolled
	// back was used (a goroutine or a closure outlived its Atomic call).
	ErrTxDone = errors.New("memstore: transaction has already ended")
	// ErrLockTimeout: a call waited longer than WithLockTimeout for the store
	// lock. The usual cause is a call made inside Atomic with a context other
	// than the one fn received, which waits for the very transaction it is in.
	ErrLockTimeout = errors.New("memstore: timed out waiting for the store lock")
)

// tx is one transaction: the undo log of what it wrote. Every method runs in
// a tx, its caller's (inside Atomic) or one of its own, so rolling back is the
// same code everywhere.
type tx struct {
	s    *Store
	undo []func()
	// busy is set while a method or the end of the transaction uses it, so
	// that two goroutines sharing one transaction's context are caught
	// instead of corrupting the tables. It stays set once the tx has ended.
	busy  atomic.Bool
	ended atomic.Bool
	// afterCommit runs once the transaction committed (AfterCommit).
	afterCommit []func()
}

// onRollback records how to undo a write that was just made. Undo functions
// run newest first, so each sees the state its write left behind.
func (t *tx) onRollback(undo func()) { t.undo = append(t.undo, undo) }

// rollbackTo undoes every write recorded after mark.
func (t *tx) rollbackTo(mark int) {
	for i := len(t.undo) - 1; i >= mark; i-- {
		t.undo[i]()
	}
	clear(t.undo[mark:])
	t.undo = t.undo[:mark]
}

// enter claims the transaction for one method call.
func (t *tx) enter() error {
	if t.busy.CompareAndSwap(false, true) {
		return nil
	}
	if t.ended.Load() {
		return ErrTxDone
	}
	panic("memstore: a transaction's context was used from several goroutines at once (like sql.Tx, it must not be)")
}

func (t *tx) leave() { t.busy.Store(false) }

// txKey is keyed by store, so that a context holding another Store's
// transaction neither joins it nor hides this store's one.
type txKey struct{ s *Store }

func (s *Store) txOf(ctx context.Context) *tx {
	t, _ := ctx.Value(txKey{s}).(*tx)
	return t
}

// lock takes the store-wide lock that serializes transactions.
func (s *Store) lock(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	default:
	}
	var timeout <-chan time.Time
	if s.lockTimeout > 0 {
		tm := time.NewTimer(s.lockTimeout)
		defer tm.Stop()
		timeout = tm.C
	}
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return fmt.Errorf("%w after %v (inside Atomic, use only the context fn receives)", ErrLockTimeout, s.lockTimeout)
	}
}

func (s *Store) unlock() { <-s.sem }

// do runs fn in the transaction of ctx, or else in a transaction of its own
// that holds the store lock for the call. Like a SQL statement, a call that
// fails leaves nothing behind, and the surrounding transaction stays usable.
func (s *Store) do(ctx context.Context, fn func(t *tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t := s.txOf(ctx); t != nil {
		if err := t.enter(); err != nil {
			return err
		}
		defer t.leave()
		mark := len(t.undo)
		err := fn(t)
		if err != nil {
			t.rollbackTo(mark)
		}
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	t := &tx{s: s}
	done := false
	defer func() {
		if !done {
			t.rollbackTo(0)
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	done = true
	return nil
}

// inTx is do for the Lock methods: they exist to hold a row until the
// caller's transaction ends, so outside one they refuse, as the PostgreSQL
// store's SELECT ... FOR UPDATE would be pointless there.
func (s *Store) inTx(ctx context.Context, what string, fn func(t *tx) error) error {
	if s.txOf(ctx) == nil {
		return fmt.Errorf("%w: %s", workspace.ErrNoTransaction, what)
	}
	return s.do(ctx, fn)
}

// Atomic runs fn in one transaction carried by the context fn receives:
// every method of s called with that context takes part in it. If fn returns
// an error or panics, everything written through that context is undone, and
// the error is returned or the panic goes on. A nested Atomic on a context
// that already holds a transaction of s joins it (an error it returns rolls
// back nothing until the outermost Atomic sees it). If ctx is cancelled while
// fn runs, the transaction rolls back, as database/sql does.
//
// Transactions are serializable: one at a time holds the store lock, and
// calls without a transaction wait for it. Therefore, inside fn, use only the
// context fn received: a call with another context waits for the very
// transaction it is made from (WithLockTimeout turns that hang into
// ErrLockTimeout). Like sql.Tx, the context must not be used from several
// goroutines at once; overlapping calls panic.
//
// Errors: fn's error, ctx.Err(), ErrTxDone (ctx holds a finished
// transaction), ErrLockTimeout.
func (s *Store) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if t := s.txOf(ctx); t != nil {
		if t.ended.Load() {
			return ErrTxDone
		}
		return fn(ctx)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	t := &tx{s: s}
	committed := false
	defer func() {
		// Runs on error, panic and runtime.Goexit alike (t.FailNow in fn).
		if !t.busy.CompareAndSwap(false, true) {
			s.unlock()
			panic("memstore: transaction ended while another goroutine was using its context")
		}
		if !committed {
			t.rollbackTo(0)
		}
		t.undo = nil
		t.ended.Store(true)
		s.unlock()
		if committed {
			t.runAfterCommit()
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{s}, t)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: transaction rolled back: %w", err)
	}
	committed = true
	return nil
}

// runAfterCommit runs what AfterCommit deferred, once the lock is released.
func (t *tx) runAfterCommit() {
	fns := t.afterCommit
	t.afterCommit = nil
	for _, fn := range fns {
		fn()
	}
}

// InTransaction implements workspace.TxObserver.
func (s *Store) InTransaction(ctx context.Context) bool {
	t := s.txOf(ctx)
	return t != nil && !t.ended.Load()
}

// AfterCommit implements workspace.TxObserver: fn runs after the outermost
// Atomic of ctx commits and has released the store lock, with ctx minus the
// finished transaction (so fn may use the store), or at once outside a
// transaction; never after a rollback.
func (s *Store) AfterCommit(ctx context.Context, fn func(ctx context.Context)) {
	t := s.txOf(ctx)
	if t == nil || t.ended.Load() {
		fn(s.detach(ctx))
		return
	}
	t.afterCommit = append(t.afterCommit, func() { fn(s.detach(ctx)) })
}

// detach hides this store's transaction in ctx (a nil *tx means none).
func (s *Store) detach(ctx context.Context) context.Context {
	if s.txOf(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, txKey{s}, (*tx)(nil))
}
