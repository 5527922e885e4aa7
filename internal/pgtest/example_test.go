package pgtest_test

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

// A test package starts one cluster in TestMain with pgtest.Run (see the
// package doc); here the package's cluster pg is used directly.
func Example() {
	db, err := sql.Open("pgx", pg.SuperuserDSN())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	var version string
	if err := db.QueryRow("SHOW server_version").Scan(&version); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(version, ".") >= 1)
	_ = pgtest.EnvDSN
	// Output: true
}
