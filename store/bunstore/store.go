package bunstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/store"
)

var _ store.Store = (*Store)(nil)

// Store is the PostgreSQL implementation of store.Store on bun. It is safe
// for concurrent use; its transactions travel in the context (see Atomic).
type Store struct {
	db         bun.IDB
	home       any // homeOf(db)
	maxRetries int
	txOptions  *sql.TxOptions
	beginHooks []BeginHook
	purges     []PurgeFunc
}

// BeginHook runs first in every transaction Atomic begins, before fn; an
// error aborts the transaction. Strict (RLS) mode uses it to set the
// transaction-local workspace.
type BeginHook func(ctx context.Context, tx bun.Tx) error

// PurgeFunc deletes what a host keeps for a workspace; DeleteWorkspace runs
// every registered one in its transaction before deleting the workspace
// (tables whose foreign key to workspaces cascades need none).
type PurgeFunc func(ctx context.Context, db bun.IDB, workspaceID [16]byte) error

// Option configures a Store.
type Option func(*Store)

// WithRetries sets how many times Atomic re-runs a transaction that
// PostgreSQL aborted with a serialization failure or a deadlock (SQLSTATE
// 40001, 40P01); default 3. fn must then be safe to run again (it is, if it
// only talks to the database through ctx).
func WithRetries(n int) Option {
	return func(s *Store) {
		if n >= 0 {
			s.maxRetries = n
		}
	}
}

// WithTxOptions sets the isolation level and read-only flag of the
// transactions Atomic begins; default: the server's (READ COMMITTED), with
// row locks making the library's rules race-safe.
func WithTxOptions(o *sql.TxOptions) Option { return func(s *Store) { s.txOptions = o } }

// WithBeginHook adds a hook run at the start of every transaction.
func WithBeginHook(h BeginHook) Option {
	return func(s *Store) { s.beginHooks = append(s.beginHooks, h) }
}

// WithPurge adds a function that DeleteWorkspace runs in its transaction.
func WithPurge(p PurgeFunc) Option { return func(s *Store) { s.purges = append(s.purges, p) } }

// New returns a store on db: a *bun.DB with the pgdialect (see Open), or a
// bun.Tx or bun.Conn of the host, in which case Atomic nests a savepoint in
// it. Run Migrate once before use.
func New(db bun.IDB, opts ...Option) *Store {
	s := &Store{db: db, home: homeOf(db), maxRetries: 3}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Open opens a *bun.DB with the pgdialect on the pgx driver for dsn (a URL
// or keyword/value string). The caller closes it.
//
// bun writes argument values into the SQL text, so every query is a new
// text: pgx's default mode would prepare each one (an extra round trip and
// a churning statement cache). Open sets pgx.QueryExecModeExec, which sends
// a query in one round trip without preparing it; hosts that open their
// own *bun.DB should do the same (default_query_exec_mode=exec in the DSN).
//
// Errors: a DSN that pgx cannot parse.
func Open(dsn string) (*bun.DB, error) {
	cfg, err := pgxParse(dsn)
	if err != nil {
		return nil, fmt.Errorf("bunstore: open: %w", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	return bun.NewDB(stdlib.OpenDB(*cfg), pgdialect.New()), nil
}

// DB returns what a query in ctx must run on: the transaction Atomic put in
// ctx when it was begun on this store's handle, else the store's database.
// Code that adds its own tables to the store's transactions uses it.
func (s *Store) DB(ctx context.Context) bun.IDB {
	if tx, ok := txOn(ctx, s.home); ok {
		return tx
	}
	return s.db
}

func pgxParse(dsn string) (*pgx.ConnConfig, error) { return pgx.ParseConfig(dsn) }
