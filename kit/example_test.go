package kit_test

import (
	"context"
	"fmt"

	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

func Example() {
	ctx := context.Background()
	bus := workspace.NewBus()
	bus.Subscribe(func(_ context.Context, e workspace.Event) { fmt.Printf("event %T\n", e) })
	k, err := kit.New(memstore.New(), workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 10}}, kit.WithEvents(bus))
	if err != nil {
		panic(err)
	}
	_, sales, _ := k.Workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	alice, sc, _ := k.Workspaces.Enter(ctx, "alice", sales.ID)
	fmt.Println("alice is", sc.Role, "in", sales.Name)
	_, token, _ := k.Team.Invite(alice, "bob@example.com", workspace.RoleViewer)
	bob, _, _ := k.Team.AcceptAndEnter(ctx, "bob", token)
	ok, _ := k.Authz.Can(bob, "agents", "create")
	fmt.Println("bob may create agents:", ok)
	// Output:
	// event workspace.Created
	// event workspace.Switched
	// alice is owner in Sales
	// event membership.Invited
	// event membership.Joined
	// bob may create agents: false
}
