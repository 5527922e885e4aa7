package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// A member may edit agents but not delete the workspace; a demotion is
// seen by the very next check; a custom role grants only what it lists.
func Example() {
	ctx := context.Background()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s := memstore.New()
	acct := workspace.Account{ID: workspace.NewID(), Name: "Acme", OwnerID: "olivia", Version: 1, CreatedAt: now}
	ws := workspace.Workspace{ID: workspace.NewID(), AccountID: acct.ID, Name: "Sales", CreatedAt: now, UpdatedAt: now}
	must(s.CreateAccount(ctx, acct))
	must(s.CreateWorkspace(ctx, ws))
	max := workspace.Membership{WorkspaceID: ws.ID, UserID: "max", Role: workspace.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now}
	must(s.CreateMembership(ctx, max))

	authz, err := rbac.New(s)
	must(err)
	asMax := workspace.WithScope(ctx, workspace.Scope{AccountID: acct.ID, WorkspaceID: ws.ID, UserID: "max", Role: max.Role})
	asOlivia := workspace.WithScope(ctx, workspace.Scope{AccountID: acct.ID, WorkspaceID: ws.ID, UserID: "olivia", Role: workspace.RoleOwner})

	fmt.Println("max edits agents:", authz.Require(asMax, rbac.ResourceAgents, rbac.ActionUpdate) == nil)
	err = authz.Require(asMax, rbac.ResourceSettings, rbac.ActionDelete)
	fmt.Println("max deletes the workspace:", errors.Is(err, workspace.ErrForbidden))

	max.Role, max.Version = workspace.RoleViewer, 2
	must(s.UpdateMembership(ctx, max))
	authz.Invalidate(ws.ID) // what the membership service does after its commit
	fmt.Println("after the demotion, max edits agents:", authz.Require(asMax, rbac.ResourceAgents, rbac.ActionUpdate) == nil)

	_, err = authz.CreateRole(asOlivia, "analyst", []rbac.Permission{{Resource: "reports", Action: "export"}})
	must(err)
	max.Role, max.Version = "analyst", 3
	must(s.UpdateMembership(ctx, max))
	authz.Invalidate(ws.ID)
	ex, err := authz.Explain(asMax, rbac.ResourceReports, rbac.ActionExport)
	must(err)
	fmt.Println(ex.Allowed, ex.Role, ex.Rule[2:])
	fmt.Println("olivia may grant admin:", authz.CanGrant(asOlivia, workspace.RoleAdmin) == nil)
	fmt.Println("max may grant admin:", authz.CanGrant(asMax, workspace.RoleAdmin) == nil)
	// Output:
	// max edits agents: true
	// max deletes the workspace: true
	// after the demotion, max edits agents: false
	// true analyst [reports export]
	// olivia may grant admin: true
	// max may grant admin: false
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
