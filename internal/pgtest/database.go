package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// CI reports whether the tests run under CI (CI=true), where PostgreSQL
// tests must fail rather than skip when there is no server.
func CI() bool { return os.Getenv("CI") == "true" }

// Require skips tb when the cluster is unavailable (fails it under CI) and
// returns otherwise.
func (c *Cluster) Require(tb testing.TB) {
	tb.Helper()
	if c != nil && c.superDSN != "" {
		return
	}
	why := "pgtest: no PostgreSQL cluster (TestMain did not call pgtest.Run?)"
	if c != nil && c.unavailable != "" {
		why = c.unavailable
	}
	if CI() {
		tb.Fatalf("%s; CI=true forbids skipping PostgreSQL tests", why)
	}
	tb.Skip(why)
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// newName returns a unique identifier (at most 63 bytes) that reads like
// the test it belongs to, so a leftover database says who left it.
func (c *Cluster) newName(prefix, test string) string {
	c.mu.Lock()
	c.seq++
	n := c.seq
	c.mu.Unlock()
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	suffix := fmt.Sprintf("_%d_%d_%s", os.Getpid(), n, hex.EncodeToString(rnd[:]))
	slug := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(test), "_"), "_")
	if max := 63 - len(prefix) - len(suffix); len(slug) > max {
		slug = slug[:max]
	}
	return prefix + slug + suffix
}

// NewDatabase creates an empty database for tb, dropped when tb ends, and
// returns a superuser DSN for it. It skips tb when the cluster is
// unavailable (fails it under CI).
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	return c.NewDatabaseFrom(tb, "template1")
}

// NewDatabaseFrom is NewDatabase with the new database copied from
// template, e.g. one prepared once with CreateTemplate: copying a migrated
// template is much faster than migrating every test's database.
func (c *Cluster) NewDatabaseFrom(tb testing.TB, template string) string {
	tb.Helper()
	c.Require(tb)
	name := c.newName("t_", tb.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize()+c.strategy()); err != nil {
		tb.Fatalf("pgtest: create database %s from %s: %v", name, template, err)
	}
	tb.Cleanup(func() {
		if err := c.dropDatabase(name); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return c.DSN(name)
}

// CreateTemplate creates database name, runs setup against a superuser DSN
// for it, and marks it as a template for NewDatabaseFrom. The database is
// dropped by DropDatabase or with the cluster.
func (c *Cluster) CreateTemplate(ctx context.Context, name string, setup func(ctx context.Context, dsn string) error) error {
	if c == nil || c.superDSN == "" {
		return ErrUnavailable
	}
	id := pgx.Identifier{name}.Sanitize()
	if err := c.exec(ctx, "CREATE DATABASE "+id); err != nil {
		return fmt.Errorf("pgtest: create template %s: %w", name, err)
	}
	if err := setup(ctx, c.DSN(name)); err != nil {
		_ = c.dropDatabase(name)
		return fmt.Errorf("pgtest: set up template %s: %w", name, err)
	}
	if err := c.exec(ctx, "ALTER DATABASE "+id+" IS_TEMPLATE true"); err != nil {
		_ = c.dropDatabase(name)
		return fmt.Errorf("pgtest: mark template %s: %w", name, err)
	}
	return nil
}

// CreateDatabase creates an empty database name and returns a superuser
// DSN for it, for code without a testing.TB (examples, benchmarks' setup);
// drop it with DropDatabase.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) (string, error) {
	if c == nil || c.superDSN == "" {
		return "", ErrUnavailable
	}
	if err := c.exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return c.DSN(name), nil
}

// DropDatabase drops database name (also a template), closing its
// connections first; a missing database is not an error.
func (c *Cluster) DropDatabase(name string) error {
	if c == nil || c.superDSN == "" {
		return ErrUnavailable
	}
	return c.dropDatabase(name)
}

func (c *Cluster) dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := pgx.Identifier{name}.Sanitize()
	// A template cannot be dropped; clearing the flag first is harmless
	// for ordinary databases.
	_ = c.exec(ctx, "ALTER DATABASE "+id+" IS_TEMPLATE false")
	if err := c.exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// DSN returns a superuser DSN for database name.
func (c *Cluster) DSN(name string) string {
	return withSettings(c.superDSN, map[string]string{"dbname": name})
}

// Role is a login role made by NewRole.
type Role struct {
	Name string
	// DSN connects to the database given to NewRole as this role.
	DSN string
}

// NewRole creates a LOGIN role that is NOSUPERUSER NOBYPASSRLS (and cannot
// create databases or roles) - what an application should connect as for
// row-level security to apply - with CONNECT on the database of dbDSN and
// USAGE on its public schema; grant it table privileges yourself. It is
// dropped, with everything granted to it there, when tb ends.
func (c *Cluster) NewRole(tb testing.TB, dbDSN string) Role {
	tb.Helper()
	c.Require(tb)
	cfg, err := pgx.ParseConfig(dbDSN)
	if err != nil {
		tb.Fatalf("pgtest: parse DSN: %v", err)
	}
	name := c.newName("r_", tb.Name())
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	password := hex.EncodeToString(pw[:])
	id := pgx.Identifier{name}.Sanitize()
	dbID := pgx.Identifier{cfg.Database}.Sanitize()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stmts := []string{
		"CREATE ROLE " + id + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '" + password + "'",
		"GRANT CONNECT ON DATABASE " + dbID + " TO " + id,
	}
	for _, s := range stmts {
		if err := c.exec(ctx, s); err != nil {
			tb.Fatalf("pgtest: create role %s: %v", name, err)
		}
	}
	if err := execOn(ctx, dbDSN, "GRANT USAGE ON SCHEMA public TO "+id); err != nil {
		tb.Fatalf("pgtest: grant schema usage to %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// DROP OWNED revokes the role's privileges in that database; it
		// may already be gone if the test dropped it.
		_ = execOn(ctx, dbDSN, "DROP OWNED BY "+id)
		_ = c.exec(ctx, "REVOKE ALL ON DATABASE "+dbID+" FROM "+id)
		if err := c.exec(ctx, "DROP ROLE IF EXISTS "+id); err != nil {
			tb.Errorf("pgtest: drop role %s: %v", name, err)
		}
	})
	return Role{Name: name, DSN: withSettings(dbDSN, map[string]string{"user": name, "password": password})}
}

func (c *Cluster) exec(ctx context.Context, sql string) error {
	db, err := c.adminDB()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, sql)
	return err
}

func execOn(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// strategy picks FILE_COPY on servers that have a choice (15+): the default
// there, WAL_LOG, writes the whole template through the WAL, which for the
// small databases of tests is several times slower than copying files.
func (c *Cluster) strategy() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serverVersion == 0 {
		db := c.admin
		if db == nil {
			return ""
		}
		if err := db.QueryRow("SELECT current_setting('server_version_num')::int").Scan(&c.serverVersion); err != nil {
			return ""
		}
	}
	if c.serverVersion >= 150000 {
		return " STRATEGY FILE_COPY"
	}
	return ""
}
