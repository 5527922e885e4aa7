package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/workspacekit/workspacekit/store/bunstore"
)

// hostSchema is this host's own migration. The two workspace-owned tables
// follow PRODUCTION.md: workspace_id leads the key and references
// workspaces ON DELETE CASCADE, so a deleted workspace's rows go with it and
// a write in its scope fails. job_refusals is deliberately not
// workspace-owned: it is the host's audit of refused jobs, and a refusal
// because the workspace was deleted must survive that deletion; it holds
// ids and a reason, no tenant content.
var hostSchema = []string{
	`CREATE TABLE IF NOT EXISTS conversations (
		workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
		id uuid NOT NULL,
		subject text NOT NULL,
		body text NOT NULL,
		created_at timestamptz NOT NULL,
		PRIMARY KEY (workspace_id, id)
	)`,
	`CREATE TABLE IF NOT EXISTS conversation_exports (
		workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
		id uuid NOT NULL,
		job_id bigint NOT NULL,
		requested_by text NOT NULL,
		conversations integer NOT NULL,
		content text NOT NULL,
		created_at timestamptz NOT NULL,
		PRIMARY KEY (workspace_id, id),
		UNIQUE (workspace_id, job_id)
	)`,
	`CREATE TABLE IF NOT EXISTS job_refusals (
		job_id bigint PRIMARY KEY,
		kind text NOT NULL,
		account_id uuid NOT NULL,
		workspace_id uuid NOT NULL,
		user_id text NOT NULL,
		reason text NOT NULL CHECK (reason IN ('access_gone', 'forbidden', 'invalid')),
		detail text NOT NULL,
		refused_at timestamptz NOT NULL
	)`,
}

// migrate brings the database of dsn up to date: the library's tables,
// then the host's (they reference workspaces), then River's. It runs as the
// tables' owner on a connection of its own, outside the guard, as
// migrations do (PRODUCTION.md, "Migrations and roles"). Every step is
// idempotent; run it once per deploy, before the instances start (River's
// migrator does not serialise concurrent runs).
func migrate(ctx context.Context, dsn string) error {
	db, err := bunstore.Open(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := bunstore.Migrate(ctx, db); err != nil {
		return fmt.Errorf("library migrations: %w", err)
	}
	for _, stmt := range hostSchema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("host migrations: %w", err)
		}
	}
	return migrateRiver(ctx, db.DB)
}

func migrateRiver(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}
