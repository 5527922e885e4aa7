package storetest_test

import (
	"fmt"
	"testing"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/store/storetest"
)

// A store implementation runs the whole suite from one test function; its
// parts show up as subtests, so one of them can be run alone with -run.
func Example() {
	// In the implementation's _test.go file:
	conformance := func(t *testing.T) {
		storetest.Run(t, storetest.Harness{New: func(*testing.T) store.Store { return memstore.New() }})
	}
	_ = conformance

	for _, g := range storetest.Groups() {
		fmt.Printf("go test -run 'TestConformance/%s'\n", g)
	}
	// Output:
	// go test -run 'TestConformance/contract'
	// go test -run 'TestConformance/transactions'
	// go test -run 'TestConformance/isolation'
	// go test -run 'TestConformance/concurrency'
	// go test -run 'TestConformance/services'
	// go test -run 'TestConformance/changelog'
}
