package storetest

import (
	"testing"

	"github.com/workspacekit/workspacekit/store"
)

// Harness gives the suite the store under test.
type Harness struct {
	// New returns the store one test runs on. It may hand out the same store
	// every time (a PostgreSQL harness need not create a database per test):
	// every test makes fresh ids and user names and never assumes the store
	// is empty. Release resources with t.Cleanup.
	New func(t *testing.T) store.Store
}

// group is one named part of the suite.
type group struct {
	name string
	run  func(t *testing.T, h Harness)
}

// groups is the whole suite, in the order Run runs it. The service-level
// scenarios (storetest/services*.go) join by adding one line here:
// {"services", runServices}.
var groups = []group{
	{"contract", runContract},
	{"transactions", runTransactions},
	{"isolation", runIsolation},
	{"concurrency", runConcurrency},
	{"services", runServices},
	{"changelog", runChangeLog},
}

// Groups names the parts of the suite in the order Run runs them, as they
// appear in test names: go test -run 'TestConformance/isolation' runs one.
func Groups() []string {
	names := make([]string, 0, len(groups))
	for _, g := range groups {
		names = append(names, g.name)
	}
	return names
}

// Run runs the conformance suite against the stores h makes: every method of
// store.Store with its documented errors, ordering and paging, copies in and
// out, the derived account owner, cascades, transactions, isolation between
// workspaces and accounts, the row-lock races the services rely on, and the
// change log (order, paging, rollback, concurrent appends, pruning). A
// store implementation calls it from one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{New: func(*testing.T) store.Store { return memstore.New() }})
//	}
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, h) })
	}
}

// test is one case of a group.
type test struct {
	name string
	run  func(t *testing.T, e *env)
}

func runTests(t *testing.T, h Harness, tests []test) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newEnv(t, h.New(t))) })
	}
}
