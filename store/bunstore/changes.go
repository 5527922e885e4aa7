package bunstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// ChangesChannel is the PostgreSQL notification channel of the change log:
// every AppendChange sends pg_notify(ChangesChannel, id as text) in the
// appending transaction, so the notification is delivered when, and only
// if, that transaction commits, in commit order. A listener (LISTEN
// workspacekit_changes) learns that the log grew and reads it with
// ChangesAfter; a notification is a wake-up, not the change itself.
const ChangesChannel = "workspacekit_changes"

// ChangesTable and ChangeCounterTable are the change log's tables (see
// PRODUCTION.md, "Change log").
const (
	ChangesTable       = "workspacekit_changes"
	ChangeCounterTable = "workspacekit_change_counter"
)

var (
	// One round trip: the counter row's lock orders the appending
	// transactions by commit, the insert takes the id it returned, and the
	// notification is queued for the commit.
	appendChangeQuery = newPreparedQuery(`WITH n AS (
			UPDATE ` + ChangeCounterTable + ` SET last = last + 1 RETURNING last
		), c AS (
			INSERT INTO ` + ChangesTable + ` (id, at, account_id, workspace_id, kind, actor, payload)
			SELECT n.last, ?0::timestamptz, ?1::uuid, ?2::uuid, ?3::text, ?4::text, ?5::jsonb FROM n
			RETURNING id
		)
		SELECT c.id FROM c, pg_notify('` + ChangesChannel + `', c.id::text)`)

	changesAfterQuery = newPreparedQuery(`SELECT id, at, account_id, workspace_id, kind, actor, payload
		FROM ` + ChangesTable + ` WHERE id > ?0 ORDER BY id LIMIT ?1`)

	lastChangeQuery = newPreparedQuery(`SELECT last FROM ` + ChangeCounterTable)
)

// AppendChange writes c in the transaction of ctx and returns it with its
// id, in one statement that also queues the notification on
// ChangesChannel. Taking the id locks the counter row until the
// transaction ends, so every other appending transaction waits for this one
// to commit or roll back: call it as late as possible in the transaction.
// Under REPEATABLE READ or SERIALIZABLE (WithTxOptions) a transaction that
// waited fails with a serialization error and Atomic runs it again.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrInvalid
// (store.CheckChange), and the database's.
func (s *Store) AppendChange(ctx context.Context, c workspace.Change) (workspace.Change, error) {
	tx, err := s.lockDB(ctx, "AppendChange")
	if err != nil {
		return workspace.Change{}, err
	}
	if err := store.CheckChange(c); err != nil {
		return workspace.Change{}, err
	}
	var ws, payload any
	if c.WorkspaceID != uuid.Nil {
		ws = c.WorkspaceID
	}
	if len(c.Payload) > 0 {
		payload = string(c.Payload)
	}
	rows, err := appendChangeQuery.query(ctx, tx, c.At, c.AccountID, ws, string(c.Kind), string(c.Actor), payload)
	if err == nil {
		err = scanOne(rows, &c.ID)
	}
	if err != nil {
		return workspace.Change{}, mapErr(err, fmt.Sprintf("append change %s of workspace %s", c.Kind, c.WorkspaceID))
	}
	if len(c.Payload) == 0 {
		c.Payload = nil
	} else {
		c.Payload = append([]byte(nil), c.Payload...)
	}
	return c, nil
}

// ChangesAfter returns up to limit committed changes with id > after, in
// id order; inside a transaction it also sees the transaction's own.
//
// Errors: workspace.ErrInvalid (limit < 1 or > workspace.MaxChangesPage),
// and the database's.
func (s *Store) ChangesAfter(ctx context.Context, after int64, limit int) ([]workspace.Change, error) {
	if limit < 1 || limit > workspace.MaxChangesPage {
		return nil, fmt.Errorf("%w: a page of changes holds 1-%d, got %d", workspace.ErrInvalid, workspace.MaxChangesPage, limit)
	}
	rows, err := changesAfterQuery.query(ctx, s.DB(ctx), after, limit)
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("changes after %d", after))
	}
	defer rows.Close()
	out := make([]workspace.Change, 0, min(limit, 64))
	for rows.Next() {
		var (
			c       workspace.Change
			ws      uuid.NullUUID
			payload []byte
			kind    string
			actor   string
		)
		if err := rows.Scan(&c.ID, &c.At, &c.AccountID, &ws, &kind, &actor, &payload); err != nil {
			return nil, mapErr(err, fmt.Sprintf("changes after %d", after))
		}
		c.At, c.WorkspaceID, c.Kind, c.Actor = c.At.UTC(), ws.UUID, workspace.ChangeKind(kind), workspace.UserID(actor)
		if len(payload) > 0 {
			c.Payload = payload
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, fmt.Sprintf("changes after %d", after))
	}
	return out, nil
}

// LastChange returns the highest committed id (0 when none was ever
// appended), read from the counter, which pruning leaves alone.
//
// Errors: the database's.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var last int64
	rows, err := lastChangeQuery.query(ctx, s.DB(ctx))
	if err == nil {
		err = scanOne(rows, &last)
	}
	return last, mapErr(err, "last change")
}

// PruneChanges deletes the committed changes with id <= upTo and returns
// how many it deleted. A change still uncommitted when it runs is kept.
//
// Errors: the database's.
func (s *Store) PruneChanges(ctx context.Context, upTo int64) (int, error) {
	res, err := s.DB(ctx).NewDelete().TableExpr(ChangesTable).Where("id <= ?", upTo).Exec(ctx)
	if err != nil {
		return 0, mapErr(err, fmt.Sprintf("prune changes up to %d", upTo))
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, fmt.Sprintf("prune changes up to %d", upTo))
}

// scanOne scans the single row of rows into dest and closes rows;
// sql.ErrNoRows when there is none.
func scanOne(rows *sql.Rows, dest ...any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}
