// Command readme is the README's quickstart, kept compiling and in sync by
// its test.
package main

import (
	"context"
	"fmt"

	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

func main() {
	// Errors are dropped for brevity; examples/quickstart checks every one.
	ctx := context.Background()
	st := memstore.New() // bunstore.New(db) in production
	k, _ := kit.New(st, workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 10}})
	workspaces, team, authz := k.Workspaces, k.Team, k.Authz

	_, sales, _ := workspaces.CreateAccount(ctx, workspace.NewAccount{
		Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	alice, _, _ := workspaces.Enter(ctx, "alice", sales.ID) // the active workspace

	_, token, _ := team.Invite(alice, "bob@example.com", workspace.RoleViewer)
	bob, _, _ := team.AcceptAndEnter(ctx, "bob", token)

	fmt.Println(authz.Require(bob, "conversations", "read")) // <nil>
	fmt.Println(authz.Require(bob, "agents", "create"))      // workspace: forbidden ...
	staging, _ := workspaces.Create(alice, workspace.NewWorkspace{Name: "Staging"})
	fmt.Println(workspaces.Delete(alice, staging.ID, "staging"))        // confirmation does not match
	fmt.Println(workspaces.Delete(alice, staging.ID, "Staging") == nil) // true
}
