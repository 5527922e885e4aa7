package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// accessRow is one workspace with what a user may use it as, derived in SQL:
// owner (with the account's version) when the user owns the account, else
// the membership; a NULL role means neither.
type accessRow struct {
	ID           uuid.UUID `bun:"id"`
	AccountID    uuid.UUID `bun:"account_id"`
	Name         string    `bun:"name"`
	Description  string    `bun:"description"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
	AccountOwner bool      `bun:"account_owner"`
	Role         *string   `bun:"role"`
	Version      *int64    `bun:"version"`
}

func (r *accessRow) access() workspace.Access {
	a := workspace.Access{
		Workspace: workspace.Workspace{
			ID: r.ID, AccountID: r.AccountID, Name: r.Name, Description: r.Description,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		},
		AccountOwner: r.AccountOwner,
	}
	if r.Role != nil {
		a.Role = workspace.Role(*r.Role)
	}
	if r.Version != nil {
		a.Version = *r.Version
	}
	return a
}

// accessColumns derives the role: the account owner's ownership wins over a
// stored membership, so it cannot be demoted by one.
const accessColumns = `w.id, w.account_id, w.name, w.description, w.created_at, w.updated_at,
	a.owner_id = ?0 AS account_owner,
	CASE WHEN a.owner_id = ?0 THEN 'owner' ELSE m.role END AS role,
	CASE WHEN a.owner_id = ?0 THEN a.version ELSE m.version END AS version`

var (
	getAccessQuery = newPreparedQuery(`SELECT ` + accessColumns + `
		FROM workspaces w
		JOIN accounts a ON a.id = w.account_id
		LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = ?0
		WHERE w.id = ?1`)

	// The page of ids is the union of the user's memberships (index on
	// user_id, workspace_id) and the workspaces of the accounts they own
	// (indexes on owner_id and account_id), each side already limited. A
	// NULL limit is no limit.
	listAccessQuery = newPreparedQuery(`WITH page AS (
			(SELECT workspace_id AS id FROM memberships
				WHERE user_id = ?0 AND workspace_id > ?1 ORDER BY workspace_id LIMIT ?2)
			UNION
			(SELECT ow.id FROM accounts oa JOIN workspaces ow ON ow.account_id = oa.id
				WHERE oa.owner_id = ?0 AND ow.id > ?1 ORDER BY ow.id LIMIT ?2)
			ORDER BY id LIMIT ?2)
		SELECT ` + accessColumns + `
		FROM page
		JOIN workspaces w ON w.id = page.id
		JOIN accounts a ON a.id = w.account_id
		LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = ?0
		ORDER BY w.id`)
)

func scanAccess(rows *sql.Rows) ([]accessRow, error) {
	defer rows.Close()
	var out []accessRow
	for rows.Next() {
		var r accessRow
		if err := rows.Scan(&r.ID, &r.AccountID, &r.Name, &r.Description, &r.CreatedAt, &r.UpdatedAt,
			&r.AccountOwner, &r.Role, &r.Version); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetAccess returns what user may use the workspace as, in one query: owner
// if the user owns the workspace's account (a stored membership of theirs is
// then ignored), else the stored membership.
//
// Errors: workspace.ErrNotFound (no such workspace, or no access; the
// caller cannot tell which).
func (s *Store) GetAccess(ctx context.Context, workspaceID uuid.UUID, user workspace.UserID) (workspace.Access, error) {
	if err := store.CheckText("GetAccess", user); err != nil {
		return workspace.Access{}, err
	}
	rs, err := getAccessQuery.query(ctx, s.DB(ctx), string(user), workspaceID)
	var rows []accessRow
	if err == nil {
		rows, err = scanAccess(rs)
	}
	if err != nil {
		return workspace.Access{}, mapErr(err, fmt.Sprintf("access of %q to workspace %s", user, workspaceID))
	}
	if len(rows) == 0 || rows[0].Role == nil {
		return workspace.Access{}, fmt.Errorf("%w: user %q has no access to workspace %s", workspace.ErrNotFound, user, workspaceID)
	}
	return rows[0].access(), nil
}

// ListAccess returns the workspaces user can access with the role there,
// ordered by workspace id, those after p.After, at most p.Limit of them
// (p.Limit <= 0: all), in one query whose cost is one page, however many
// workspaces the user is in.
func (s *Store) ListAccess(ctx context.Context, user workspace.UserID, p workspace.Page) ([]workspace.Access, error) {
	if err := store.CheckText("ListAccess", user); err != nil {
		return nil, err
	}
	var limit *int64
	if p.Limit > 0 {
		l := int64(p.Limit)
		limit = &l
	}
	rs, err := listAccessQuery.query(ctx, s.DB(ctx), string(user), p.After, limit)
	var rows []accessRow
	if err == nil {
		rows, err = scanAccess(rs)
	}
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list access of %q", user))
	}
	out := make([]workspace.Access, len(rows))
	for i := range rows {
		out[i] = rows[i].access()
	}
	return out, nil
}
