package bunstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Names of bun's bookkeeping tables, prefixed so they never collide with a
// host's own bun migrations in the same database.
const (
	MigrationsTable      = "workspacekit_migrations"
	MigrationsLocksTable = "workspacekit_migration_locks"
)

// migrationLockKey is the pg_advisory_lock key that serialises Migrate
// across processes; an arbitrary constant that only this library uses.
const migrationLockKey int64 = 0x5f1c8f2a6b0e4d31

// ErrMigrate wraps every failure of Migrate.
var ErrMigrate = errors.New("bunstore: migration failed")

// Migrations returns the library's migrations, for hosts that run them with
// their own bun migrator (they must then serialise concurrent runs
// themselves; Migrate does).
func Migrations() (*migrate.Migrations, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, err
	}
	return ms, nil
}

// Migrate brings db's schema up to date with the library's embedded
// migrations. It is idempotent and safe to call from several instances at
// once: a session-level advisory lock serialises the runs, so the second
// instance waits and then finds nothing to do. A migration is recorded only
// once it succeeded and each runs in its own transaction, so a failed run
// leaves no half-applied migration behind.
//
// Errors: ErrMigrate wrapping the cause.
func Migrate(ctx context.Context, db *bun.DB) (err error) {
	ms, err := Migrations()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMigrate, err)
	}
	// The lock belongs to one session, so take and release it on one
	// connection; the migrations themselves may use others.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMigrate, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("%w: advisory lock: %w", ErrMigrate, err)
	}
	defer func() {
		// A cancelled ctx must not keep the lock: closing the connection
		// would release it too, but the pool may keep the connection.
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey); uerr != nil && err == nil {
			err = fmt.Errorf("%w: advisory unlock: %w", ErrMigrate, uerr)
		}
	}()

	m := migrate.NewMigrator(db, ms,
		migrate.WithTableName(MigrationsTable),
		migrate.WithLocksTableName(MigrationsLocksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	)
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("%w: init: %w", ErrMigrate, err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrMigrate, err)
	}
	return nil
}

// Migrate runs the package's Migrate on the store's database.
//
// Errors: ErrMigrate, also when the store was built on a transaction or a
// connection rather than a *bun.DB (migrations need their own transactions).
func (s *Store) Migrate(ctx context.Context) error {
	db, ok := s.db.(*bun.DB)
	if !ok {
		return fmt.Errorf("%w: the store was built on a %T, Migrate needs a *bun.DB", ErrMigrate, s.db)
	}
	return Migrate(ctx, db)
}
