package app

import (
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// openMemory is the in-memory backend: one memstore for the library and
// the host tables, so a workspace's deletion and its tables' purge are one
// transaction.
func openMemory() *backend {
	st := memstore.New()
	b := &backend{store: st, tx: st, tables: map[string]table{}, empty: true}
	for _, k := range kinds {
		t, purge := k.memory(st)
		b.tables[k.name] = t
		// memstore empties its repositories with the workspace anyway;
		// registering the purge is what a host does for tables the store
		// does not know, and keeps the two stores' wiring alike.
		b.purges = append(b.purges, workspace.WithPurge(k.name, purge))
	}
	return b
}
