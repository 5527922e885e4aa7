package store_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Agent is a host record kept per workspace.
type Agent struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	Name        string
}

func (a *Agent) RecordID() uuid.UUID               { return a.ID }
func (a *Agent) RecordWorkspaceID() uuid.UUID      { return a.WorkspaceID }
func (a *Agent) SetRecordWorkspaceID(id uuid.UUID) { a.WorkspaceID = id }

// A host repository sees only the active workspace, refuses to work without
// one or in a deleted one, and takes part in the store's transactions.
func Example() {
	st := memstore.New()
	var agents store.Repo[Agent] = memstore.NewRepo[Agent](st)

	// Records belong to the store's workspaces (the lifecycle service
	// creates them; here the store does, to keep the example short).
	ctx := context.Background()
	acct := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		panic(err)
	}
	scope := func(name string) (context.Context, uuid.UUID) {
		w := workspace.Workspace{ID: uuid.New(), AccountID: acct.ID, Name: name}
		if err := st.CreateWorkspace(ctx, w); err != nil {
			panic(err)
		}
		return workspace.WithScope(ctx, workspace.Scope{AccountID: acct.ID, WorkspaceID: w.ID, UserID: "alice"}), w.ID
	}
	sales, _ := scope("Sales")
	support, supportID := scope("Support")

	bot := &Agent{ID: uuid.New(), Name: "lead qualifier"}
	if err := agents.Insert(sales, bot); err != nil {
		panic(err)
	}
	_, err := agents.Get(support, bot.ID)
	fmt.Println("visible from another workspace:", !errors.Is(err, workspace.ErrNotFound))
	_, err = agents.Count(context.Background())
	fmt.Println("no scope:", errors.Is(err, workspace.ErrNoScope))

	// A failed transaction leaves nothing behind.
	err = st.Atomic(sales, func(ctx context.Context) error {
		if err := agents.Insert(ctx, &Agent{ID: uuid.New(), Name: "draft"}); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	n, _ := agents.Count(sales)
	fmt.Println(err, "- agents in sales:", n)

	// A scope of a deleted workspace writes nothing.
	if err := st.DeleteWorkspace(ctx, supportID); err != nil {
		panic(err)
	}
	err = agents.Insert(support, &Agent{ID: uuid.New(), Name: "late"})
	fmt.Println("insert after delete:", errors.Is(err, workspace.ErrNotFound))
	// Output:
	// visible from another workspace: false
	// no scope: true
	// changed my mind - agents in sales: 1
	// insert after delete: true
}
