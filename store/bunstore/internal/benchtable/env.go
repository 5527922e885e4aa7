package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// env is the benchmark's database: agents (100 workspaces x 100 rows)
// under row-level security, read through a bare bun.DB (no guard), a
// guarded one and a guarded strict-mode one connected as an app role.
type env struct {
	where                 string
	owner                 string // superuser DSN of the database
	app                   string // the app role's DSN
	reg                   *bunstore.Registry
	bare, guarded, strict *bun.DB
	// setOnly sends strict mode's SET LOCAL as the superuser, whom the
	// policy does not bind: the setting's cost without the policy's.
	setOnly *bun.DB
	// hostRole is a guarded connection as a plain login role (neither
	// superuser nor bound by the policies: BYPASSRLS), as a host without
	// strict mode would connect.
	hostRole          *bun.DB
	guardedW, strictW *counter
	ws, id            uuid.UUID
	sctx              context.Context
	closers           []func()
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// counter counts the client's writes on its connections: pgx flushes once
// per message batch and then waits for the answer, so writes are round
// trips.
type counter struct{ writes atomic.Int64 }

type countingConn struct {
	net.Conn
	c *counter
}

func (c countingConn) Write(b []byte) (int, error) {
	c.c.writes.Add(1)
	return c.Conn.Write(b)
}

func openDB(dsn string, reg *bunstore.Registry, cnt *counter, opts ...bunstore.ConnectorOption) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cnt != nil {
		dial := cfg.DialFunc
		cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, cnt}, nil
		}
	}
	var conn driver.Connector = stdlib.GetConnector(*cfg)
	if reg != nil {
		conn = reg.Connector(conn, opts...)
	}
	sqldb := sql.OpenDB(conn)
	sqldb.SetMaxOpenConns(4)
	sqldb.SetMaxIdleConns(4)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

func newEnv(ctx context.Context, superDSN string) (*env, error) {
	e := &env{}
	admin, err := sql.Open("pgx", superDSN)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("benchtable_%d", uuid.New().ID())
	e.closers = append(e.closers, func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_, _ = admin.ExecContext(context.Background(), "DROP ROLE IF EXISTS "+name+"_app")
		_, _ = admin.ExecContext(context.Background(), "DROP ROLE IF EXISTS "+name+"_host")
		_ = admin.Close()
	})
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return e, err
	}
	cfg, err := pgx.ParseConfig(superDSN)
	if err != nil {
		return nil, err
	}
	e.where = fmt.Sprintf("PostgreSQL at %s:%d", cfg.Host, cfg.Port)
	if strings.HasPrefix(cfg.Host, "/") {
		e.where += " (a unix socket, not TCP: $WORKSPACEKIT_TEST_DSN points there)"
	}
	e.owner = strings.Replace(superDSN, "/postgres?", "/"+name+"?", 1)
	if e.owner == superDSN {
		e.owner = superDSN + " dbname=" + name
	}
	e.reg = bunstore.NewRegistry()
	if e.bare, err = openDB(e.owner, nil, nil); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.bare.Close() })
	if err := e.reg.Register(e.bare, (*agent)(nil)); err != nil {
		return nil, err
	}
	app := name + "_app"
	if _, err := e.bare.ExecContext(ctx, `CREATE TABLE agents (workspace_id uuid NOT NULL, id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (workspace_id, id));
		INSERT INTO agents SELECT w, gen_random_uuid(), 'agent' FROM (SELECT gen_random_uuid() w FROM generate_series(1, 100)) ws, generate_series(1, 100);
		ANALYZE agents;
		CREATE ROLE `+app+` LOGIN NOSUPERUSER NOBYPASSRLS;
		CREATE ROLE `+name+`_host LOGIN NOSUPERUSER BYPASSRLS`); err != nil {
		return nil, err
	}
	un := workspace.Unscoped(ctx, "benchtable setup")
	if err := e.reg.EnableRLS(un, e.bare); err != nil {
		return nil, err
	}
	if err := e.reg.GrantApp(un, e.bare, app); err != nil {
		return nil, err
	}
	if err := bunstore.LockStrictKey(un, e.bare); err != nil {
		return nil, err
	}
	if err := e.reg.GrantApp(un, e.bare, name+"_host"); err != nil {
		return nil, err
	}
	if err := e.bare.QueryRowContext(ctx, "SELECT workspace_id, id FROM agents LIMIT 1").Scan(&e.ws, &e.id); err != nil {
		return nil, err
	}
	e.sctx = workspace.WithScope(ctx, workspace.Scope{AccountID: e.ws, WorkspaceID: e.ws, UserID: "bench"})
	e.guardedW, e.strictW = &counter{}, &counter{}
	// The superuser bypasses the policies: the guarded baseline pays
	// neither the policy nor the setting.
	if e.guarded, err = openDB(e.owner, e.reg, e.guardedW); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.guarded.Close() })
	if e.setOnly, err = openDB(e.owner, e.reg, nil, bunstore.WithStrictMode()); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.setOnly.Close() })
	appDSN := strings.Replace(e.owner, "postgres@", app+"@", 1)
	if appDSN == e.owner {
		appDSN = e.owner + " user=" + app
	}
	e.app = appDSN
	hostDSN := strings.Replace(e.owner, "postgres@", name+"_host@", 1)
	if hostDSN == e.owner {
		hostDSN = e.owner + " user=" + name + "_host"
	}
	if e.hostRole, err = openDB(hostDSN, e.reg, nil); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.hostRole.Close() })
	// The same rows without row-level security, for the policy probe.
	if _, err := e.bare.ExecContext(ctx, `CREATE TABLE agents_norls (LIKE agents INCLUDING ALL);
		INSERT INTO agents_norls SELECT * FROM agents; ANALYZE agents_norls;
		GRANT SELECT ON agents_norls TO `+app); err != nil {
		return nil, err
	}
	// And under other forms of the policy, for the policy probe.
	for table, cond := range policyVariants {
		if _, err := e.bare.ExecContext(ctx, `CREATE TABLE `+table+` (LIKE agents INCLUDING ALL);
			INSERT INTO `+table+` SELECT * FROM agents; ANALYZE `+table+`;
			ALTER TABLE `+table+` ENABLE ROW LEVEL SECURITY; ALTER TABLE `+table+` FORCE ROW LEVEL SECURITY;
			CREATE POLICY p ON `+table+` USING (`+cond+`);
			GRANT SELECT ON `+table+` TO `+app); err != nil {
			return nil, err
		}
	}
	if e.strict, err = openDB(appDSN, e.reg, e.strictW, bunstore.WithStrictMode()); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.strict.Close() })
	if err := e.reg.VerifyStrict(ctx, e.strict); err != nil {
		return nil, err
	}
	return e, nil
}

// roundTrips returns the client writes per PK-select transaction, plain
// and strict, after warming both pools.
func (e *env) roundTrips(ctx context.Context) (plain, strict float64, err error) {
	const n = 200
	for _, side := range []struct {
		db  *bun.DB
		cnt *counter
		out *float64
	}{{e.guarded, e.guardedW, &plain}, {e.strict, e.strictW, &strict}} {
		one := func() error {
			return side.db.RunInTx(e.sctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var a agent
				return tx.NewSelect().Model(&a).Where("?TableAlias.id = ?", e.id).Scan(ctx)
			})
		}
		if err := one(); err != nil {
			return 0, 0, err
		}
		side.db.DB.SetMaxOpenConns(1) // no dialing during the count
		start := side.cnt.writes.Load()
		for i := 0; i < n; i++ {
			if err := one(); err != nil {
				return 0, 0, err
			}
		}
		*side.out = float64(side.cnt.writes.Load()-start) / n
		side.db.DB.SetMaxOpenConns(4)
	}
	return plain, strict, nil
}
