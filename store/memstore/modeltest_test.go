package memstore_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/store/modeltest"
)

// Three host tables, as a host declares them on memstore.
type (
	mtAgent struct {
		memstore.Record
		Name string
	}
	mtContact struct {
		memstore.Record
		Name string
	}
	mtConversation struct {
		memstore.Record
		Title string
	}
)

func modelTarget(testing.TB) *modeltest.Target {
	st := memstore.New()
	return &modeltest.Target{Store: st, Tables: []modeltest.Table{
		modeltest.TableOf("agents", "agents", memstore.NewRepo[mtAgent](st),
			func(id uuid.UUID, v string) mtAgent { return mtAgent{Record: memstore.Record{ID: id}, Name: v} },
			func(a *mtAgent) string { return a.Name }),
		modeltest.TableOf("contacts", "contacts", memstore.NewRepo[mtContact](st),
			func(id uuid.UUID, v string) mtContact { return mtContact{Record: memstore.Record{ID: id}, Name: v} },
			func(c *mtContact) string { return c.Name }),
		modeltest.TableOf("conversations", "conversations", memstore.NewRepo[mtConversation](st),
			func(id uuid.UUID, v string) mtConversation {
				return mtConversation{Record: memstore.Record{ID: id}, Title: v}
			},
			func(c *mtConversation) string { return c.Title }),
	}}
}

func TestModel(t *testing.T) {
	modeltest.Run(t, modeltest.Harness{New: modelTarget}, modeltest.Config{FreshTarget: true})
}

func TestModelConcurrent(t *testing.T) {
	modeltest.RunConcurrent(t, modeltest.Harness{New: modelTarget}, modeltest.Load{Actors: 6, Ops: 150})
}

func TestModelSoak(t *testing.T) {
	// memstore keeps every row in the heap (~130 B per operation
	// measured): the soak allows 256 B per operation on top.
	modeltest.Soak(t, modeltest.Harness{New: modelTarget}, modeltest.Load{Actors: 8, Duration: 15 * time.Second, Light: true, HeapPerOp: 256}, 256<<20)
}

func TestModelContended(t *testing.T) {
	modeltest.RunContended(t, modeltest.Harness{New: modelTarget}, modeltest.Contention{Rounds: 200, Actors: 6})
}
