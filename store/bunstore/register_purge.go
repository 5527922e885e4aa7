package bunstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/workspace"
)

// Purge returns the workspace.PurgeFunc that deletes a workspace's rows from
// every registered table, for the lifecycle service:
//
//	svc.RegisterPurge("host tables", reg.Purge(db))
//
// It runs in the deleting transaction (TxFrom(ctx), else db), in reverse
// registration order (register parent tables before the tables whose
// foreign keys point at them), and in strict mode it switches the
// transaction's workspace setting to the deleted workspace for its deletes
// and back afterwards. Rows are deleted with plain row locks: other
// workspaces' reads and writes go on meanwhile.
// Errors: the database's.
func (r *Registry) Purge(db bun.IDB) workspace.PurgeFunc {
	return func(ctx context.Context, id uuid.UUID) error {
		idb := db
		if tx, ok := TxFrom(ctx); ok {
			idb = tx
		}
		ctx = workspace.Unscoped(ctx, "bunstore: purge a deleted workspace's host tables")
		var prev string
		if err := idb.QueryRowContext(ctx, "SELECT coalesce(current_setting('"+SettingWorkspace+"', true), ''), set_config('"+SettingWorkspace+"', ?, true)", id.String()).Scan(&prev, new(string)); err != nil {
			return fmt.Errorf("bunstore: purge %s: %w", id, err)
		}
		tables := r.registered()
		for i := len(tables) - 1; i >= 0; i-- {
			if _, err := idb.NewDelete().TableExpr(quoteQualified(tables[i])).Where(ColumnWorkspaceID+" = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("bunstore: purge %s of workspace %s: %w", tables[i], id, err)
			}
		}
		if _, err := idb.ExecContext(ctx, "SELECT set_config('"+SettingWorkspace+"', ?, true)", prev); err != nil {
			return fmt.Errorf("bunstore: purge %s: %w", id, err)
		}
		return nil
	}
}
