package changewatch_test

import (
	"context"
	"fmt"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Two app servers on one store: server 1 demotes bob; server 2, which had
// already decided about bob, follows once its watcher has read the log.
// On PostgreSQL, bunstore.Listen makes the watcher read on every commit.
func Example() {
	ctx := context.Background()
	st := memstore.New()
	plans := workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 10}}

	authz1, _ := rbac.New(st)
	workspaces := workspace.NewService(st, authz1, plans)
	team := membership.New(st, authz1, plans)

	w := changewatch.New(st, nil)
	authz2, _ := rbac.New(st, rbac.WithFreshness(w))
	w.Add(authz2)
	_ = w.CatchUp(ctx) // what Run does on every notification and poll

	_, sales, _ := workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	alice, _ := workspaces.Switch(ctx, "alice", sales.ID)
	_, token, _ := team.Invite(workspace.WithScope(ctx, alice), "bob@example.com", workspace.RoleAdmin)
	bob, _ := team.Accept(ctx, "bob", token)
	bobCtx := workspace.WithScope(ctx, bob)

	ok, _ := authz2.Can(bobCtx, rbac.ResourceTeam, rbac.ActionManage)
	fmt.Println("server 2, bob manages the team:", ok)

	_, _ = team.ChangeRole(workspace.WithScope(ctx, alice), "bob", workspace.RoleViewer) // on server 1
	_ = w.CatchUp(ctx)
	ok, _ = authz2.Can(bobCtx, rbac.ResourceTeam, rbac.ActionManage)
	fmt.Println("after the watcher read the log:", ok)
	// Output:
	// server 2, bob manages the team: true
	// after the watcher read the log: false
}
