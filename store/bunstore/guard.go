package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/store/pgguard"
)

// The guard itself lives in store/pgguard, which needs nothing of bun; the
// Registry feeds it the registered tables and wires it under bun.

// ErrUnscopedQuery is the guard's refusal (pgguard.ErrUnscopedQuery): a
// statement touches a registered workspace-scoped table without proving,
// in its own SQL, that it stays in the active workspace, or it would change
// what the guard or strict mode relies on. The statement was not sent.
// PRODUCTION.md lists the query shapes and how to write each one so that
// it passes.
var ErrUnscopedQuery = pgguard.ErrUnscopedQuery

// ErrStrictDriver means strict mode was asked of a connector whose
// connections are not pgx's (pgx/v5/stdlib).
var ErrStrictDriver = pgguard.ErrStrictDriver

// ConnectorOption configures Registry.Connector and OpenDB.
type ConnectorOption = pgguard.ConnectorOption

// WithStrictMode makes every transaction begun through the connector set
// the active workspace for row-level security (pgguard.WithStrictMode).
func WithStrictMode() ConnectorOption { return pgguard.WithStrictMode() }

// Check reports whether query (with its driver arguments, if any) may run
// in ctx, by pgguard's rule over the registered tables.
// Errors: ErrUnscopedQuery (also wrapping workspace.ErrNoScope when ctx has
// no scope).
func (r *Registry) Check(ctx context.Context, query string, args []driver.NamedValue) error {
	return r.guard.Check(ctx, query, args)
}

// Connector wraps a database/sql connector (pgx/v5/stdlib's) so that every
// statement on its connections passes the guard (pgguard.Guard.Connector).
// Use it for the *sql.DB under bun:
//
//	cfg, _ := pgx.ParseConfig(dsn)
//	sqldb := sql.OpenDB(reg.Connector(stdlib.GetConnector(*cfg)))
//	db := bun.NewDB(sqldb, pgdialect.New())
//
// OpenDB does exactly this.
func (r *Registry) Connector(c driver.Connector, opts ...ConnectorOption) driver.Connector {
	return r.guard.Connector(c, opts...)
}

// OpenDB opens a guarded bun.DB on dsn with the pgx driver: its connections
// pass every statement through the guard (and, WithStrictMode, set the
// workspace in every transaction). Close it when done.
// Errors: pgx's DSN parse errors.
func (r *Registry) OpenDB(dsn string, opts ...ConnectorOption) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("bunstore: parse dsn: %w", err)
	}
	return bun.NewDB(sql.OpenDB(r.Connector(stdlib.GetConnector(*cfg), opts...)), pgdialect.New()), nil
}

// VerifyTables checks, through db, what the guard assumes of the
// registered tables (pgguard.Guard.VerifyTables): each has its uuid
// workspace_id column, and no inheritance parent or child, partition or
// view reaches their rows without being registered too. Run it at
// start-up, after migrations.
// Errors: pgguard.ErrUnguardedTable, the database's.
func (r *Registry) VerifyTables(ctx context.Context, db bun.IDB) error {
	return r.guard.VerifyTables(ctx, db)
}
