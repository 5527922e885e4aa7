package pgtest_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

var pg *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, &pg)) }

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestNewDatabaseIsFreshAndDropped(t *testing.T) {
	ctx := context.Background()
	var name string
	t.Run("use", func(t *testing.T) {
		db := open(t, pg.NewDatabase(t))
		require.NoError(t, db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name))
		var tables int
		require.NoError(t, db.QueryRowContext(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables))
		require.Zero(t, tables, "a new database must be empty")
		_, err := db.ExecContext(ctx, "CREATE TABLE t (id int PRIMARY KEY)")
		require.NoError(t, err)
		require.NoError(t, db.Close())
	})
	require.NotEmpty(t, name)
	admin := open(t, pg.SuperuserDSN())
	var n int
	require.NoError(t, admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n))
	require.Zero(t, n, "database %s must be dropped when its test ends", name)
}

func TestDatabasesAreIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, pg.NewDatabase(t)), open(t, pg.NewDatabase(t))
	_, err := a.ExecContext(ctx, "CREATE TABLE only_in_a (id int)")
	require.NoError(t, err)
	_, err = b.ExecContext(ctx, "SELECT 1 FROM only_in_a")
	require.Error(t, err)
}

func TestTemplateIsCopied(t *testing.T) {
	ctx := context.Background()
	const tpl = "pgtest_tpl_copied"
	require.NoError(t, pg.CreateTemplate(ctx, tpl, func(ctx context.Context, dsn string) error {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, "CREATE TABLE seeded (v text); INSERT INTO seeded VALUES ('x')")
		return err
	}))
	t.Cleanup(func() { require.NoError(t, pg.DropDatabase(tpl)) })
	db := open(t, pg.NewDatabaseFrom(t, tpl))
	var v string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT v FROM seeded").Scan(&v))
	require.Equal(t, "x", v)
}

func TestNewRoleIsRestricted(t *testing.T) {
	ctx := context.Background()
	dsn := pg.NewDatabase(t)
	admin := open(t, dsn)
	_, err := admin.ExecContext(ctx, "CREATE TABLE secret (v int); INSERT INTO secret VALUES (1)")
	require.NoError(t, err)

	role := pg.NewRole(t, dsn)
	db := open(t, role.DSN)
	var user string
	var super, bypass bool
	require.NoError(t, db.QueryRowContext(ctx,
		"SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&user, &super, &bypass))
	require.Equal(t, role.Name, user)
	require.False(t, super)
	require.False(t, bypass)
	_, err = db.ExecContext(ctx, "SELECT * FROM secret")
	require.Error(t, err, "a new role has no table privileges until granted")
	_, err = admin.ExecContext(ctx, "GRANT SELECT ON secret TO "+role.Name)
	require.NoError(t, err)
	var v int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT v FROM secret").Scan(&v))
	require.Equal(t, 1, v)
}

func TestServerSettings(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) != "" {
		t.Skip("settings of an existing server are its own")
	}
	pg.Require(t)
	db := open(t, pg.SuperuserDSN())
	var fsync, maxConn string
	require.NoError(t, db.QueryRow("SHOW fsync").Scan(&fsync))
	require.NoError(t, db.QueryRow("SHOW max_connections").Scan(&maxConn))
	require.Equal(t, "off", fsync)
	require.Equal(t, "200", maxConn)
}
