package bunstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/workspace"
)

// Purge returns the workspace.PurgeFunc that removes a deleted workspace's
// rows from every registered table, for the lifecycle service:
//
//	svc.RegisterPurge("host tables", reg.Purge(db))
//
// It acts only inside the service's own deletion of that workspace
// (workspace.Purging) or under workspace.Unscoped: given any other
// context, for instance one scoped to another workspace, it refuses with
// workspace.ErrForbidden, so it is no way across workspaces.
//
// In the deletion, tables whose workspace_id has a foreign key to
// workspaces(id) with ON DELETE CASCADE (the recommended schema) need
// nothing: the deletion of the workspace row removes their rows, row-level
// security or not (a cascade bypasses it). Rows of the other tables (of
// every table, under Unscoped) are deleted in the deleting transaction
// (TxFrom(ctx) when it was begun on db's handle, else db, in a
// transaction of its own when db is not one), in reverse registration
// order (register parent tables first), with strict mode's key switched to
// the deleted workspace for the deletes and back afterwards: that needs
// EXECUTE on set_config, which LockStrictKey leaves only to the roles it
// names (the library role). Rows are deleted with plain row locks: other
// workspaces' reads and writes go on meanwhile.
// Errors: workspace.ErrForbidden, the database's.
func (r *Registry) Purge(db bun.IDB) workspace.PurgeFunc {
	return func(ctx context.Context, id uuid.UUID) error {
		if !workspace.MayPurge(ctx, id) {
			return fmt.Errorf("%w: bunstore: purge of workspace %s outside its deletion (system work: workspace.Unscoped)", workspace.ErrForbidden, id)
		}
		idb := db
		if tx, ok := txOn(ctx, homeOf(db)); ok {
			idb = tx
		}
		ctx = workspace.Unscoped(ctx, "bunstore: purge a deleted workspace's host tables")
		rest := r.registered()
		if p, ok := workspace.Purging(ctx); ok && p == id {
			// The workspace row goes in this transaction: cascades take
			// their tables' rows.
			cascading, err := cascadingTables(ctx, idb, rest)
			if err != nil {
				return fmt.Errorf("bunstore: purge %s: %w", id, err)
			}
			rest = rest[:0:0]
			for _, t := range r.registered() {
				if !cascading[t] {
					rest = append(rest, t)
				}
			}
		}
		if len(rest) == 0 {
			return nil
		}
		if _, inTx := idb.(bun.Tx); !inTx {
			// The key is transaction-local: outside a transaction it would
			// be gone before the deletes, which would then find nothing.
			return idb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return deleteRows(ctx, tx, rest, id) })
		}
		return deleteRows(ctx, idb, rest, id)
	}
}

// deleteRows deletes workspace id's rows of tables, last first, in the
// transaction db, with strict mode's key switched to id and back.
func deleteRows(ctx context.Context, db bun.IDB, tables []string, id uuid.UUID) error {
	var prev string
	if err := db.QueryRowContext(ctx, "SELECT coalesce(current_setting('"+SettingWorkspace+"', true), ''), set_config('"+SettingWorkspace+"', ?, true)", id.String()).Scan(&prev, new(string)); err != nil {
		return fmt.Errorf("bunstore: purge %s: %w", id, err)
	}
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := db.NewDelete().TableExpr(quoteQualified(tables[i])).Where(ColumnWorkspaceID+" = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("bunstore: purge %s of workspace %s: %w", tables[i], id, err)
		}
	}
	if _, err := db.ExecContext(ctx, "SELECT set_config('"+SettingWorkspace+"', ?, true)", prev); err != nil {
		return fmt.Errorf("bunstore: purge %s: %w", id, err)
	}
	return nil
}

// cascadingTables returns which of tables have a foreign key on
// workspace_id to workspaces(id) that deletes with the workspace.
func cascadingTables(ctx context.Context, db bun.IDB, tables []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range tables {
		var ok bool
		err := db.QueryRowContext(ctx, `SELECT EXISTS (
			SELECT 1 FROM pg_catalog.pg_constraint c
			JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			WHERE c.conrelid = to_regclass(?) AND c.contype = 'f' AND c.confdeltype = 'c'
			  AND c.confrelid = to_regclass('workspaces') AND array_length(c.conkey, 1) = 1
			  AND a.attname = ?)`, quoteQualified(t), ColumnWorkspaceID).Scan(&ok)
		if err != nil {
			return nil, err
		}
		out[t] = ok
	}
	return out, nil
}
