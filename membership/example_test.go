package membership_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Inviting a member with a role chosen at invitation, accepting once, and the
// team list with the account owner shown as owner.
func Example() {
	ctx := context.Background()
	st := memstore.New()
	authz, err := rbac.New(st)
	if err != nil {
		panic(err)
	}
	plans := workspace.FixedPlans{"": {MaxWorkspaces: 1, MaxMembers: 5}}
	workspaces := workspace.NewService(st, authz, plans)
	team := membership.New(st, authz, plans)

	_, sales, err := workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	if err != nil {
		panic(err)
	}
	sc, err := workspaces.Switch(ctx, "alice", sales.ID)
	if err != nil {
		panic(err)
	}
	alice := workspace.WithScope(ctx, sc)

	_, token, err := team.Invite(alice, "bob@example.com", workspace.RoleMember)
	if err != nil {
		panic(err)
	}
	bob, err := team.Accept(ctx, "bob", token)
	if err != nil {
		panic(err)
	}
	fmt.Println("bob joined as", bob.Role)
	_, err = team.Accept(ctx, "carol", token)
	fmt.Println("token reused:", errors.Is(err, membership.ErrTokenUsed))

	members, err := team.Team(alice, membership.TeamPage{})
	if err != nil {
		panic(err)
	}
	for _, m := range members {
		fmt.Println(m.UserID, m.Role, m.AccountOwner)
	}
	// Output:
	// bob joined as member
	// token reused: true
	// alice owner true
	// bob member false
}
