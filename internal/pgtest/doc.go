// Package pgtest gives a test package a throwaway PostgreSQL cluster and a
// fresh database per test, with nothing to install but the PostgreSQL server
// binaries (no Docker, no running service).
//
// One cluster serves a whole test package; start it from TestMain:
//
//	var pg *pgtest.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, &pg)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pg.NewDatabase(t) // dropped when the test ends
//		...
//	}
//
// Run initdb's a cluster in a temporary directory, starts postgres on a unix
// socket inside it (no TCP port, so clusters of concurrent test packages never
// collide) with durability switched off, and stops it with an immediate
// shutdown when the tests end, on SIGINT/SIGTERM, and - through the kernel's
// parent-death signal - when the test binary dies for any other reason
// (panic, timeout, kill), so no postgres outlives its tests. PostgreSQL
// refuses to run as root: under root the server binaries run as the
// "postgres" user and the directory is handed to that user.
//
// Where the binaries come from: $WORKSPACEKIT_PG_BIN if set, else the newest
// /usr/lib/postgresql/*/bin, else initdb/postgres found in $PATH.
//
// Set WORKSPACEKIT_TEST_DSN to a superuser DSN to use an existing server
// instead: databases and roles are then created and dropped on it.
//
// Without PostgreSQL the package's tests that need it skip with a clear
// message (and its examples are skipped through -test.skip), except under
// CI=true, where a missing server is a failure: CI must never pass by
// skipping.
package pgtest
