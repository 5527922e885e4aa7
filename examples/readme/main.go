// Command readme is the README's quickstart, kept compiling and in sync by
// its test.
package main

import (
	"context"
	"fmt"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

func main() {
	// Errors are dropped for brevity; examples/quickstart checks every one.
	ctx := context.Background()
	st := memstore.New() // bunstore.New(db) in production
	authz, _ := rbac.New(st)
	plans := workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 10}}
	workspaces := workspace.NewService(st, authz, plans)
	team := membership.New(st, authz, plans)

	_, sales, _ := workspaces.CreateAccount(ctx, workspace.NewAccount{
		Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	sc, _ := workspaces.Switch(ctx, "alice", sales.ID) // the active workspace
	alice := workspace.WithScope(ctx, sc)

	_, token, _ := team.Invite(alice, "bob@example.com", workspace.RoleViewer)
	bobScope, _ := team.Accept(ctx, "bob", token)
	bob := workspace.WithScope(ctx, bobScope)

	fmt.Println(authz.Require(bob, "conversations", "read")) // <nil>
	fmt.Println(authz.Require(bob, "agents", "create"))      // workspace: forbidden ...
	staging, _ := workspaces.Create(alice, workspace.NewWorkspace{Name: "Staging"})
	fmt.Println(workspaces.Delete(alice, staging.ID, "staging"))        // confirmation does not match
	fmt.Println(workspaces.Delete(alice, staging.ID, "Staging") == nil) // true
}
