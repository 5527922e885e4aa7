package workspace_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// An account with two workspaces: switching, listing, the plan's limit and a
// confirmed deletion.
func Example() {
	ctx := context.Background()
	st := memstore.New()
	authz, err := rbac.New(st)
	if err != nil {
		panic(err)
	}
	svc := workspace.NewService(st, authz, workspace.FixedPlans{"": {MaxWorkspaces: 2, MaxMembers: 5}})

	_, sales, err := svc.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	if err != nil {
		panic(err)
	}
	sc, err := svc.Switch(ctx, "alice", sales.ID)
	if err != nil {
		panic(err)
	}
	active := workspace.WithScope(ctx, sc)
	if _, err := svc.Create(active, workspace.NewWorkspace{Name: "Support", Description: "Tickets"}); err != nil {
		panic(err)
	}
	_, err = svc.Create(active, workspace.NewWorkspace{Name: "Ops"})
	fmt.Println("third workspace refused by the plan:", errors.Is(err, workspace.ErrPlanLimit))

	list, err := svc.List(ctx, "alice", workspace.Page{})
	if err != nil {
		panic(err)
	}
	for _, a := range list {
		fmt.Printf("%s (%s)\n", a.Workspace.Name, a.Role)
	}
	fmt.Println(errors.Is(svc.Delete(active, list[1].Workspace.ID, "support"), workspace.ErrConfirmation))
	fmt.Println(svc.Delete(active, list[1].Workspace.ID, "Support"))
	// Output:
	// third workspace refused by the plan: true
	// Sales (owner)
	// Support (owner)
	// true
	// <nil>
}
