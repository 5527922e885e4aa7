package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/workspace"
)

// app is one process of the host, wired as production wires it: the
// library's services, the host's repositories and River all on one
// guarded *sql.DB. A web tier and a worker are both apps; only a worker
// works jobs. Each has its own Authorizer, as separate processes do.
type app struct {
	db            *bun.DB
	store         *bunstore.Store
	watcher       *changewatch.Watcher
	authz         *rbac.Authorizer
	workspaces    *workspace.Service
	team          *membership.Service
	conversations *bunstore.Repo[conversation, *conversation]
	exports       *bunstore.Repo[conversationExport, *conversationExport]
	queue         *river.Client[*sql.Tx]
	listener      *pgxpool.Pool // LISTEN for River; nil unless the app works jobs
	started       bool
	clock         workspace.Clock
}

// appConfig chooses what an app does.
type appConfig struct {
	// work makes the app a worker: it runs export jobs once started. An
	// app that does not work only enqueues (a web tier).
	work bool
	// logger receives River's logs; nil: warnings and errors to stderr.
	logger *slog.Logger
	// watcher configures the change watcher (changewatch.WithBound...).
	watcher []changewatch.Option
}

// plans has no limits: the example is about jobs, not plans.
var plans = workspace.FixedPlans{"": {MaxWorkspaces: workspace.Unlimited, MaxMembers: workspace.Unlimited}}

// open wires an app on dsn (a migrated database, see migrate). Close it.
func open(ctx context.Context, dsn string, cfg appConfig) (_ *app, err error) {
	a := &app{clock: workspace.UTCClock}
	defer func() {
		if err != nil {
			err = errors.Join(err, a.close(context.WithoutCancel(ctx)))
		}
	}()
	reg := bunstore.NewRegistry()
	if a.db, err = openGuarded(reg, dsn); err != nil {
		return nil, err
	}
	// Register before serving: the registry proves the models' hooks
	// work, and the guard then knows which tables need a workspace.
	if err := reg.Register(a.db, (*conversation)(nil), (*conversationExport)(nil)); err != nil {
		return nil, err
	}
	if err := reg.VerifyTables(ctx, a.db); err != nil {
		return nil, err
	}
	a.store = bunstore.New(a.db)
	// The watcher keeps this process's Authorizer in step with changes
	// other processes commit. A long-running web process would also run
	// w.Run and bunstore.Listen (README, "Several instances"); the worker
	// calls CatchUp before every job instead, which is exact, not bounded.
	a.watcher = changewatch.New(a.store, nil, cfg.watcher...)
	if a.authz, err = rbac.New(a.store, append(permissions(), rbac.WithFreshness(a.watcher))...); err != nil {
		return nil, err
	}
	a.watcher.Add(a.authz)
	a.workspaces = workspace.NewService(a.store, a.authz, plans)
	// The host tables cascade from workspaces, so Purge finds nothing to
	// delete itself; registering it keeps a later table without the
	// cascade from being forgotten at deletion.
	a.workspaces.RegisterPurge("host tables", reg.Purge(a.db))
	a.team = membership.New(a.store, a.authz, plans)
	a.conversations = bunstore.NewRepo[conversation](a.db)
	a.exports = bunstore.NewRepo[conversationExport](a.db)
	if err := a.openQueue(ctx, dsn, cfg); err != nil {
		return nil, err
	}
	return a, nil
}

// openGuarded opens the app's pool through the guard, in pgx's exec mode
// (bun writes values into the SQL text, so preparing every statement would
// only churn pgx's cache; bunstore.Open does the same).
func openGuarded(reg *bunstore.Registry, dsn string) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	return bun.NewDB(sql.OpenDB(reg.Connector(stdlib.GetConnector(*cfg))), pgdialect.New()), nil
}

func (a *app) openQueue(ctx context.Context, dsn string, cfg appConfig) error {
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	workers := river.NewWorkers()
	// Both kinds of app register the worker: River then refuses, at
	// insert, a job kind nobody works.
	if err := river.AddWorkerSafely(workers, &exportWorker{app: a}); err != nil {
		return err
	}
	rc := &river.Config{Workers: workers, Logger: logger}
	driver := riverdatabasesql.New(a.db.DB)
	if cfg.work {
		// LISTEN holds a connection of its own, so River takes it from a
		// pgx pool beside the guarded one: it only listens (new jobs,
		// leadership), it runs no query on anyone's data.
		pc, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return fmt.Errorf("parse dsn: %w", err)
		}
		pc.MaxConns = 1
		if a.listener, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			return err
		}
		driver = riverdatabasesql.NewWithPgxListener(a.db.DB, a.listener)
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
	}
	var err error
	a.queue, err = river.NewClient(driver, rc)
	return err
}

// start makes a worker work jobs until close.
func (a *app) start(ctx context.Context) error {
	if a.listener == nil {
		return errors.New("worker: start: this app only enqueues")
	}
	if err := a.queue.Start(ctx); err != nil {
		return err
	}
	a.started = true
	return nil
}

// close stops the queue (running jobs finish first: River's soft stop, as
// long as ctx allows) and then closes the pools it used.
func (a *app) close(ctx context.Context) error {
	var err error
	if a.started {
		err = a.queue.Stop(ctx)
	}
	if a.listener != nil {
		a.listener.Close()
	}
	if a.db != nil {
		err = errors.Join(err, a.db.Close())
	}
	return err
}
