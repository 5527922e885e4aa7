package memstore_test

import (
	"testing"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(*testing.T) store.Store { return memstore.New() }})
	storetest.RunKeys(t, storetest.Harness{New: func(*testing.T) store.Store { return memstore.New() }})
}

// One store shared by every test proves the suite needs no empty store, as
// a PostgreSQL harness sharing one database relies on.
func TestConformanceSharedStore(t *testing.T) {
	s := memstore.New()
	storetest.Run(t, storetest.Harness{New: func(*testing.T) store.Store { return s }})
	storetest.RunKeys(t, storetest.Harness{New: func(*testing.T) store.Store { return s }})
}
