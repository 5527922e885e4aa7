package bunstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/workspace"
)

type txKey struct{}

// ctxTx is what Atomic carries in ctx: the transaction, the handle it
// was begun on (homeOf), what AfterCommit deferred to its commit, and the
// transaction of another handle that was open around it (a library
// transaction around a host's, or the reverse): a Store finds its own
// handle's transaction however many other handles' are nested inside it.
type ctxTx struct {
	tx    bun.Tx
	home  any
	after *afterCommit
	outer *ctxTx
}

// innermost returns the transaction Atomic last began in ctx, or nil.
func innermost(ctx context.Context) *ctxTx {
	c, _ := ctx.Value(txKey{}).(*ctxTx)
	return c
}

// find returns ctx's transaction begun on the handle home, or nil.
func find(ctx context.Context, home any) *ctxTx {
	for c := innermost(ctx); c != nil; c = c.outer {
		if c.home == home {
			return c
		}
	}
	return nil
}

// TxFrom returns the transaction that Atomic carries in ctx, whichever
// handle it was begun on. A Store and a Repo join it only when it was
// begun on the handle they were built on: strict mode's library and host
// stores are two handles, two roles, and a library read made inside the
// host's transaction (an Authorizer loading a key's grants for a host
// handler) must run as the library role, on the library's handle.
func TxFrom(ctx context.Context) (bun.Tx, bool) {
	if c := innermost(ctx); c != nil {
		return c.tx, true
	}
	return bun.Tx{}, false
}

// txOn returns ctx's transaction if it was begun on the handle home.
func txOn(ctx context.Context, home any) (bun.Tx, bool) {
	if c := find(ctx, home); c != nil {
		return c.tx, true
	}
	return bun.Tx{}, false
}

// homeOf names the database handle db: the *sql.DB pool of a *bun.DB (a
// clone of it, WithNamedArg, or a second bun.NewDB on the same pool, is the
// same handle: one role, one pool), or the *sql.Tx of a host's bun.Tx (and
// of its savepoints), or the *sql.Conn of a bun.Conn, by value or pointer.
// Two Stores built on one handle share their transactions.
func homeOf(db bun.IDB) any {
	if u := underlying(db); u != nil {
		return u
	}
	if reflect.TypeOf(db).Comparable() {
		return db
	}
	return new(byte) // an unknown handle that cannot be compared shares nothing
}

// Atomic runs fn in a transaction carried by the context it passes to fn;
// every method of the store (and of any Store on the same database) called
// with that context takes part in it. If fn returns an error or panics, the
// transaction is rolled back (and the panic continues). A nested call joins
// the transaction already in ctx. A transaction that PostgreSQL aborts with a
// serialization failure or deadlock is run again, up to WithRetries times.
//
// Errors: fn's error as it is; ErrSerialization when the retries ran out;
// ErrCommit (wrapping the cause) when COMMIT failed.
func (s *Store) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := txOn(ctx, s.home); ok {
		return fn(ctx)
	}
	for attempt := 0; ; attempt++ {
		err := s.runTx(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= s.maxRetries {
			return fmt.Errorf("%w: gave up after %d attempts: %w", ErrSerialization, attempt+1, err)
		}
		// Jitter so that the transactions that collided do not collide again.
		t := time.NewTimer(time.Duration(1+rand.IntN(5<<attempt)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

func (s *Store) runTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	tx, err := s.db.BeginTx(ctx, s.txOptions)
	if err != nil {
		return mapErr(err, "begin transaction")
	}
	done := false
	// No recover: a panic runs this rollback on its way up, unchanged.
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	after := &afterCommit{}
	txCtx := context.WithValue(ctx, txKey{}, &ctxTx{tx: tx, home: s.home, after: after, outer: innermost(ctx)})
	for _, h := range s.beginHooks {
		if err := h(txCtx, tx); err != nil {
			return err
		}
	}
	if err := fn(txCtx); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		if errors.Is(err, pgx.ErrTxCommitRollback) {
			return fmt.Errorf("%w: the transaction had failed and was rolled back: %w", ErrCommit, err)
		}
		return fmt.Errorf("%w: %w", ErrCommit, mapErr(err, "commit"))
	}
	after.run()
	return nil
}

// afterCommit collects what AfterCommit deferred during one attempt of a
// transaction; a retried attempt starts a new list, so a function registered
// by a rolled-back attempt never runs.
type afterCommit struct{ fns []func() }

func (a *afterCommit) run() {
	for _, fn := range a.fns {
		fn()
	}
}

// InTransaction implements workspace.TxObserver.
func (s *Store) InTransaction(ctx context.Context) bool {
	_, ok := txOn(ctx, s.home)
	return ok
}

// AfterCommit implements workspace.TxObserver: fn runs after the transaction
// that Atomic began in ctx commits, with ctx minus that transaction, or at
// once outside one. When the Store was built on a host's bun.Tx, Atomic's
// transactions are savepoints and fn runs when the outermost Atomic releases
// its savepoint: the host owns the real commit, which the store cannot see.
func (s *Store) AfterCommit(ctx context.Context, fn func(ctx context.Context)) {
	// Only this store's own transaction defers fn: another handle's (the
	// host's, in strict mode) commits nothing of this store.
	if c := find(ctx, s.home); c != nil {
		c.after.fns = append(c.after.fns, func() { fn(detach(ctx)) })
		return
	}
	fn(detach(ctx))
}

// detach hides the transaction that Atomic carries in ctx.
func detach(ctx context.Context) context.Context {
	if innermost(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, txKey{}, (*ctxTx)(nil))
}

// write runs fn as one unit of writes that may fail in an expected way
// (a conflict, a missing parent row). Inside ctx's transaction it runs under
// a savepoint: PostgreSQL aborts a transaction at its first error, and the
// contract lets a caller go on after ErrConflict or ErrNotFound, with
// nothing of the failed unit written. Outside a transaction, a unit of
// several statements (multi) gets its own transaction; a single statement
// is atomic by itself.
func (s *Store) write(ctx context.Context, multi bool, fn func(ctx context.Context, db bun.IDB) error) error {
	tx, ok := txOn(ctx, s.home)
	if !ok {
		if !multi {
			return fn(ctx, s.db)
		}
		return s.Atomic(ctx, func(ctx context.Context) error {
			tx, _ := txOn(ctx, s.home)
			return fn(ctx, tx)
		})
	}
	sp, err := tx.BeginTx(ctx, nil) // SAVEPOINT
	if err != nil {
		return mapErr(err, "savepoint")
	}
	done := false
	defer func() {
		if !done {
			_ = sp.Rollback() // ROLLBACK TO SAVEPOINT, also on panic
		}
	}()
	if err := fn(ctx, sp); err != nil {
		return err
	}
	done = true
	return mapErr(sp.Commit(), "release savepoint") // RELEASE SAVEPOINT
}

// lockDB returns ctx's transaction for a Lock* method.
func (s *Store) lockDB(ctx context.Context, method string) (bun.Tx, error) {
	tx, ok := txOn(ctx, s.home)
	if !ok {
		return tx, fmt.Errorf("%w: bunstore: %s locks a row until the transaction ends; call it inside Atomic", workspace.ErrNoTransaction, method)
	}
	return tx, nil
}
