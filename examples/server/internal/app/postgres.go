package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// openPostgres sets the database up as store/bunstore/PRODUCTION.md
// recommends and returns the backend on it. dsn is the owner's (the
// migration role's) connection, used only here:
//
//   - the library's migrations and the host tables (workspace_id leading
//     the key, cascading with the workspace), all idempotent; the host
//     table of older versions' display-only API keys is dropped;
//   - strict mode with three roles: the owner, a library role and an app
//     role (LOGIN NOSUPERUSER NOBYPASSRLS, made here if missing, with a
//     fresh password at every start since only this process uses them);
//   - the key locked when the owner is a superuser (LockStrictKey), else a
//     warning: strict mode then stops mistakes, not injection;
//   - the library's store on the library role, the host's repositories
//     and transactions on the app role, both through the guard in strict
//     mode, and VerifyStrict on the app role's connection.
//
// Running it again on the same database changes nothing but the roles'
// passwords, so one process per database (a second one would change the
// password under the first's pool).
func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (_ *backend, err error) {
	owner, err := bunstore.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("app: postgres: %w", err)
	}
	// The owner's connection is for set-up only.
	defer func() { err = errors.Join(err, owner.Close()) }()
	if err := bunstore.Migrate(ctx, owner); err != nil {
		return nil, fmt.Errorf("app: postgres: migrate: %w", err)
	}
	// Older versions of this example kept display-only API key records in
	// a host table, api_keys. Keys are the library's now
	// (workspacekit_api_keys); the old rows were never credentials and are
	// not migrated, so the table is dropped rather than left behind with
	// its policies and grants. IF EXISTS keeps start-up idempotent.
	if _, err := owner.ExecContext(ctx, "DROP TABLE IF EXISTS "+legacyKeysTable); err != nil {
		return nil, fmt.Errorf("app: postgres: drop %s: %w", legacyKeysTable, err)
	}
	reg := bunstore.NewRegistry()
	for _, k := range kinds {
		if _, err := owner.ExecContext(ctx, createTableSQL(k.name)); err != nil {
			return nil, fmt.Errorf("app: postgres: create table %s: %w", k.name, err)
		}
		if err := reg.Register(owner, k.model); err != nil {
			return nil, fmt.Errorf("app: postgres: %w", err)
		}
	}
	if err := reg.VerifyTables(ctx, owner); err != nil {
		return nil, fmt.Errorf("app: postgres: %w", err)
	}
	var dbName string
	var super bool
	if err := owner.QueryRowContext(ctx, "SELECT current_database(), rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&dbName, &super); err != nil {
		return nil, fmt.Errorf("app: postgres: %w", err)
	}
	libRole, appRole := roleNames(dbName)
	libDSN, err := ensureRole(ctx, owner, dsn, dbName, libRole)
	if err != nil {
		return nil, err
	}
	appDSN, err := ensureRole(ctx, owner, dsn, dbName, appRole)
	if err != nil {
		return nil, err
	}
	if err := reg.EnableStrict(ctx, owner, libRole); err != nil {
		return nil, fmt.Errorf("app: postgres: %w", err)
	}
	if err := reg.GrantStrict(ctx, owner, appRole, libRole); err != nil {
		return nil, fmt.Errorf("app: postgres: %w", err)
	}
	if super {
		if err := bunstore.LockStrictKey(ctx, owner, libRole); err != nil {
			return nil, fmt.Errorf("app: postgres: %w", err)
		}
	} else {
		log.WarnContext(ctx, "app: the DSN's role is not a superuser, so strict mode's key is not locked (bunstore.LockStrictKey): row-level security stops mistakes, not injected SQL")
	}
	var empty bool
	if err := owner.QueryRowContext(ctx, "SELECT NOT EXISTS (SELECT 1 FROM accounts)").Scan(&empty); err != nil {
		return nil, fmt.Errorf("app: postgres: %w", err)
	}

	libDB, err := reg.OpenDB(libDSN, bunstore.WithStrictMode())
	if err != nil {
		return nil, fmt.Errorf("app: postgres: library role: %w", err)
	}
	appDB, err := reg.OpenDB(appDSN, bunstore.WithStrictMode())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("app: postgres: app role: %w", err), libDB.Close())
	}
	closeBoth := func() error { return errors.Join(appDB.Close(), libDB.Close()) }
	if err := verify(ctx, reg, libDB, appDB, super, log); err != nil {
		return nil, errors.Join(err, closeBoth())
	}
	b := &backend{store: bunstore.New(libDB), tx: bunstore.New(appDB), tables: map[string]table{},
		empty: empty, locked: super, close: closeBoth}
	for _, k := range kinds {
		b.tables[k.name] = k.postgres(appDB)
	}
	// Every host table cascades with its workspace; Purge finds that out
	// and deletes only from tables that do not, through the library role
	// (the one LockStrictKey lets switch the key).
	b.purges = append(b.purges, workspace.WithPurge("host tables", reg.Purge(libDB)))
	return b, nil
}

// legacyKeysTable is the host table older versions of the example kept
// display-only API key records in; openPostgres drops it.
const legacyKeysTable = "api_keys"

// verify checks both roles' connections and that strict mode holds on the
// app role's: without the locked key VerifyStrict reports the app role's
// set_config, which is then expected and logged, not fatal.
func verify(ctx context.Context, reg *bunstore.Registry, libDB, appDB *bun.DB, locked bool, log *slog.Logger) error {
	if err := libDB.PingContext(ctx); err != nil {
		return fmt.Errorf("app: postgres: library role: %w", err)
	}
	if err := appDB.PingContext(ctx); err != nil {
		return fmt.Errorf("app: postgres: app role: %w", err)
	}
	err := reg.VerifyStrict(ctx, appDB, bunstore.LibraryTables()...)
	switch {
	case err == nil:
		return nil
	case !locked && errors.Is(err, bunstore.ErrNotStrict):
		log.WarnContext(ctx, "app: strict mode without the locked key", slog.Any("verify", err))
		return nil
	default:
		return fmt.Errorf("app: postgres: %w", err)
	}
}
