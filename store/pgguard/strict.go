package pgguard

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SettingWorkspace is the transaction-local setting that strict mode's
// policies compare workspace_id with. Strict mode's begin sets it; the
// guard refuses every statement that would set it.
const SettingWorkspace = "app.workspace_id"

// ErrStrictSession means a new strict-mode connection already had the key
// set (a role or database default: ALTER ROLE ... SET app.workspace_id):
// statements outside a transaction would see that workspace's rows.
var ErrStrictSession = errors.New("pgguard: strict mode: the connection starts with the workspace key set")

// checkStrictSession refuses a connection whose session starts with the
// key set.
func checkStrictSession(ctx context.Context, conn *pgx.Conn) error {
	var v *string
	err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('"+SettingWorkspace+"', true)", pgx.QueryExecModeSimpleProtocol).Scan(&v)
	if err != nil {
		return fmt.Errorf("pgguard: strict mode: read the key: %w", err)
	}
	if v != nil && *v != "" {
		return fmt.Errorf("%w: %s = %q", ErrStrictSession, SettingWorkspace, *v)
	}
	return nil
}
