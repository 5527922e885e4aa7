package bunstore

import (
	"database/sql"
	"fmt"

	"github.com/workspacekit/workspacekit/workspace"
)

// changedOne maps an UPDATE's or DELETE's outcome: no row touched means the
// row does not exist (or is not visible under the given keys).
func changedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return mapErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, what)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", workspace.ErrNotFound, what)
	}
	return nil
}
