package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

var (
	_ apikey.Store   = (*Store)(nil)
	_ rbac.KeyGrants = (*Store)(nil)
)

// KeysTable and KeyIDsTable are the API keys' tables: the keys, keyed by
// (workspace_id, id), and the lookup table that keeps key ids unique
// across workspaces and finds a key by its id alone (see the migration).
const (
	KeysTable   = "workspacekit_api_keys"
	KeyIDsTable = "workspacekit_api_key_ids"
)

// keyColumns are what every read of a key returns, in scanKeys' order;
// the account is the workspace's.
const keyColumns = `k.workspace_id, w.account_id, k.id, k.name, k.role, k.created_by,
	k.created_at, k.expires_at, k.revoked_at, k.last_used_at, k.hash`

var (
	// One statement writes the key and its id's lookup row: a duplicate id
	// in the workspace fails on the key's primary key, in another one on
	// the lookup's; a missing workspace on the key's foreign key.
	createKeyQuery = newPreparedQuery(`WITH k AS (
			INSERT INTO ` + KeysTable + ` (workspace_id, id, name, role, created_by, created_at,
				expires_at, revoked_at, last_used_at, hash)
			VALUES (?0::uuid, ?1::uuid, ?2::text, ?3::text, ?4::text, ?5::timestamptz,
				?6::timestamptz, ?7::timestamptz, ?8::timestamptz, ?9::bytea)
			RETURNING workspace_id, id
		)
		INSERT INTO ` + KeyIDsTable + ` (id, workspace_id) SELECT id, workspace_id FROM k`)

	// What Authenticate reads on a cache miss: the id's lookup row by its
	// primary key, the key by its primary key, its workspace by id.
	getKeyQuery = newPreparedQuery(`SELECT ` + keyColumns + `
		FROM ` + KeyIDsTable + ` l
		JOIN ` + KeysTable + ` k ON k.workspace_id = l.workspace_id AND k.id = l.id
		JOIN workspaces w ON w.id = k.workspace_id
		WHERE l.id = ?0`)

	lockKeyQuery = newPreparedQuery(`SELECT ` + keyColumns + `
		FROM ` + KeysTable + ` k
		JOIN workspaces w ON w.id = k.workspace_id
		WHERE k.workspace_id = ?0 AND k.id = ?1
		FOR UPDATE OF k`)

	updateKeyQuery = newPreparedQuery(`UPDATE ` + KeysTable + `
		SET name = ?2::text, role = ?3::text, revoked_at = ?4::timestamptz
		WHERE workspace_id = ?0 AND id = ?1
		RETURNING 1`)

	// A NULL limit is no limit.
	listKeysQuery = newPreparedQuery(`SELECT ` + keyColumns + `
		FROM ` + KeysTable + ` k
		JOIN workspaces w ON w.id = k.workspace_id
		WHERE k.workspace_id = ?0 AND k.id > ?1
		ORDER BY k.id
		LIMIT ?2`)

	countActiveKeysQuery = newPreparedQuery(`SELECT count(*) FROM ` + KeysTable + `
		WHERE workspace_id = ?0 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)`)

	// Every key used since the last flush, whatever its workspace, in one
	// statement: the lookup table finds each id, and a row whose stored
	// time is already as late is not rewritten. The rows are locked in key
	// order first, whatever plan the join gets, so that two instances
	// flushing the same keys at once queue instead of deadlocking.
	touchKeysQuery = newPreparedQuery(`WITH locked AS (
			SELECT k.workspace_id, k.id, u.at
			FROM unnest(?0::uuid[], ?1::timestamptz[]) AS u(id, at)
			JOIN ` + KeyIDsTable + ` l ON l.id = u.id
			JOIN ` + KeysTable + ` k ON k.workspace_id = l.workspace_id AND k.id = l.id
			WHERE k.last_used_at IS NULL OR k.last_used_at < u.at
			ORDER BY k.workspace_id, k.id
			FOR UPDATE OF k
		)
		UPDATE ` + KeysTable + ` k SET last_used_at = GREATEST(k.last_used_at, locked.at)
		FROM locked
		WHERE k.workspace_id = locked.workspace_id AND k.id = locked.id`)

	keyGrantsQuery = newPreparedQuery(`SELECT id, role, expires_at FROM ` + KeysTable + `
		WHERE workspace_id = ?0 AND revoked_at IS NULL
		ORDER BY id`)
)

// nullTime is a nullable timestamptz argument: NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func scanKeys(rows *sql.Rows) ([]apikey.Key, error) {
	defer rows.Close()
	var out []apikey.Key
	for rows.Next() {
		var (
			k                      apikey.Key
			role, createdBy        string
			expires, revoked, used sql.NullTime
		)
		if err := rows.Scan(&k.WorkspaceID, &k.AccountID, &k.ID, &k.Name, &role, &createdBy,
			&k.CreatedAt, &expires, &revoked, &used, &k.Hash); err != nil {
			return nil, err
		}
		k.Role, k.CreatedBy = workspace.Role(role), workspace.UserID(createdBy)
		k.CreatedAt = k.CreatedAt.UTC()
		if expires.Valid {
			k.ExpiresAt = expires.Time.UTC()
		}
		if revoked.Valid {
			k.RevokedAt = revoked.Time.UTC()
		}
		if used.Valid {
			k.LastUsedAt = used.Time.UTC()
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// oneKey is the single key of a read by primary key.
func oneKey(rows *sql.Rows, err error, what string) (apikey.Key, error) {
	var keys []apikey.Key
	if err == nil {
		keys, err = scanKeys(rows)
	}
	if err == nil && len(keys) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return apikey.Key{}, mapErr(err, what)
	}
	return keys[0], nil
}

// drain reads a statement's rows to the end and reports how many there
// were, with the statement's error.
func drain(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, rows.Close()
}

// CreateKey inserts k (its AccountID is ignored) and its id's row in the
// lookup table that keeps key ids unique across workspaces, in one
// statement.
//
// Errors: workspace.ErrConflict (the id exists, in any workspace),
// workspace.ErrNotFound (no such workspace), workspace.ErrInvalid (a NUL
// byte in a string, an empty hash).
func (s *Store) CreateKey(ctx context.Context, k apikey.Key) error {
	if err := store.CheckText("CreateKey", k); err != nil {
		return err
	}
	if len(k.Hash) == 0 {
		return fmt.Errorf("%w: API key %s has no hash", workspace.ErrInvalid, k.ID)
	}
	return s.write(ctx, false, func(ctx context.Context, db bun.IDB) error {
		_, err := drain(createKeyQuery.query(ctx, db, k.WorkspaceID, k.ID, k.Name, string(k.Role), string(k.CreatedBy),
			k.CreatedAt, nullTime(k.ExpiresAt), nullTime(k.RevokedAt), nullTime(k.LastUsedAt), k.Hash))
		return mapErr(err, fmt.Sprintf("create API key %s in workspace %s", k.ID, k.WorkspaceID))
	})
}

// GetKey returns the key with id, whatever its workspace, with its hash
// and its workspace's account, in one statement by primary keys.
//
// Errors: workspace.ErrNotFound.
func (s *Store) GetKey(ctx context.Context, id uuid.UUID) (apikey.Key, error) {
	rows, err := getKeyQuery.query(ctx, s.DB(ctx), id)
	return oneKey(rows, err, fmt.Sprintf("API key %s", id))
}

// LockKey returns the workspace's key, locked (SELECT ... FOR UPDATE) until
// the transaction ends: of two concurrent changes the second waits and
// then reads the first one's outcome.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrNotFound
// (also for another workspace's key).
func (s *Store) LockKey(ctx context.Context, workspaceID, id uuid.UUID) (apikey.Key, error) {
	tx, err := s.lockDB(ctx, "LockKey")
	if err != nil {
		return apikey.Key{}, err
	}
	rows, err := lockKeyQuery.query(ctx, tx, workspaceID, id)
	return oneKey(rows, err, fmt.Sprintf("lock API key %s in workspace %s", id, workspaceID))
}

// UpdateKey replaces the name, role and revoked time of the workspace's key
// k.ID; everything else stays.
//
// Errors: workspace.ErrNotFound (also for another workspace's key),
// workspace.ErrInvalid (a NUL byte in a string).
func (s *Store) UpdateKey(ctx context.Context, k apikey.Key) error {
	if err := store.CheckText("UpdateKey", k); err != nil {
		return err
	}
	what := fmt.Sprintf("update API key %s in workspace %s", k.ID, k.WorkspaceID)
	n, err := drain(updateKeyQuery.query(ctx, s.DB(ctx), k.WorkspaceID, k.ID, k.Name, string(k.Role), nullTime(k.RevokedAt)))
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return mapErr(err, what)
}

// ListKeys returns the workspace's keys, revoked ones included, in id
// order: those after the id after (uuid.Nil: from the start), at most
// limit of them (limit <= 0: all).
func (s *Store) ListKeys(ctx context.Context, workspaceID, after uuid.UUID, limit int) ([]apikey.Key, error) {
	var lim *int64
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := listKeysQuery.query(ctx, s.DB(ctx), workspaceID, after, lim)
	var keys []apikey.Key
	if err == nil {
		keys, err = scanKeys(rows)
	}
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list API keys of workspace %s", workspaceID))
	}
	return keys, nil
}

// CountActiveKeys counts the workspace's keys that are neither revoked nor
// expired at now (expires_at after now).
func (s *Store) CountActiveKeys(ctx context.Context, workspaceID uuid.UUID, now time.Time) (int, error) {
	var n int64
	rows, err := countActiveKeysQuery.query(ctx, s.DB(ctx), workspaceID, now)
	if err == nil {
		err = scanOne(rows, &n)
	}
	return int(n), mapErr(err, fmt.Sprintf("count active API keys of workspace %s", workspaceID))
}

// TouchKeys sets each key's last use to the later of the stored one and
// the given time, in one statement across workspaces; ids of no key (and
// zero times) are skipped, and nothing else is written.
func (s *Store) TouchKeys(ctx context.Context, used map[uuid.UUID]time.Time) error {
	ids := make([]uuid.UUID, 0, len(used))
	ats := make([]time.Time, 0, len(used))
	for id, at := range used {
		if !at.IsZero() {
			ids = append(ids, id)
			ats = append(ats, at)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	db := s.DB(ctx)
	args := []any{ids, ats}
	if underlying(db) == nil {
		// bun writes the arguments into the text: slices need its array
		// form (it would write JSON).
		args = []any{pgdialect.Array(ids), pgdialect.Array(ats)}
	}
	_, err := drain(touchKeysQuery.query(ctx, db, args...))
	return mapErr(err, fmt.Sprintf("record the last use of %d API keys", len(ids)))
}

// ListKeyGrants implements rbac.KeyGrants: the workspace's keys that are
// not revoked, expired ones included, in id order.
func (s *Store) ListKeyGrants(ctx context.Context, workspaceID uuid.UUID) ([]rbac.KeyGrant, error) {
	rows, err := keyGrantsQuery.query(ctx, s.DB(ctx), workspaceID)
	var out []rbac.KeyGrant
	if err == nil {
		out, err = scanGrants(rows)
	}
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list API key grants of workspace %s", workspaceID))
	}
	return out, nil
}

func scanGrants(rows *sql.Rows) ([]rbac.KeyGrant, error) {
	defer rows.Close()
	var out []rbac.KeyGrant
	for rows.Next() {
		var (
			g       rbac.KeyGrant
			role    string
			expires sql.NullTime
		)
		if err := rows.Scan(&g.KeyID, &role, &expires); err != nil {
			return nil, err
		}
		g.Role = workspace.Role(role)
		if expires.Valid {
			g.ExpiresAt = expires.Time.UTC()
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
