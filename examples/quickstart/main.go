// Command quickstart walks the workspaces product doc end to end on the
// in-memory store and prints what happens: an account with two workspaces,
// an invitation accepted, different roles per workspace, switching without a
// new login, a refused action, the plan's limit, and a refused then a
// confirmed deletion.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// Wiring: one store; kit wires the authorizer and the two services.
	st := memstore.New()
	k, err := kit.New(st, workspace.FixedPlans{"team": {MaxWorkspaces: 3, MaxMembers: 5}})
	if err != nil {
		return err
	}
	workspaces, team, authz := k.Workspaces, k.Team, k.Authz
	// The host's own workspace-owned data: agents, kept per workspace and
	// purged with it.
	agents := memstore.NewRepo[agent](st)
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }

	// Alice signs up; her account's first workspace is Sales.
	acc, sales, err := workspaces.CreateAccount(ctx, workspace.NewAccount{
		Name: "Acme", Owner: "alice", Plan: "team",
		Workspace: workspace.NewWorkspace{Name: "Sales", Description: "Inbound leads"},
	})
	if err != nil {
		return err
	}
	say("alice owns account %q; first workspace %q", acc.Name, sales.Name)

	// Every action happens inside the active workspace: alice switches in.
	aliceSales, _, err := workspaces.Enter(ctx, "alice", sales.ID)
	if err != nil {
		return err
	}
	support, err := workspaces.Create(aliceSales, workspace.NewWorkspace{Name: "Support"})
	if err != nil {
		return err
	}
	say("alice creates workspace %q", support.Name)
	aliceSupport, _, err := workspaces.Enter(ctx, "alice", support.ID)
	if err != nil {
		return err
	}

	// Bob is invited to each workspace with a different role.
	_, salesToken, err := team.Invite(aliceSales, "bob@example.com", workspace.RoleAdmin)
	if err != nil {
		return err
	}
	_, supportToken, err := team.Invite(aliceSupport, "bob@example.com", workspace.RoleViewer)
	if err != nil {
		return err
	}
	say("alice invites bob@example.com: admin in Sales, viewer in Support")
	for _, token := range []string{salesToken, supportToken} {
		if _, err := team.Accept(ctx, "bob", token); err != nil {
			return err
		}
	}
	list, err := workspaces.List(ctx, "bob", workspace.Page{})
	if err != nil {
		return err
	}
	for _, a := range list {
		say("bob can access %q as %s", a.Workspace.Name, a.Role)
	}

	// Switching needs no new login; the role is read in the target.
	bob, sc, err := workspaces.Enter(ctx, "bob", support.ID)
	if err != nil {
		return err
	}
	say("bob switches to %q: role %s", support.Name, sc.Role)
	say("bob creates an agent in %q: %v", support.Name, outcome(authz.Require(bob, "agents", "create")))
	bob, sc, err = workspaces.Enter(ctx, "bob", sales.ID)
	if err != nil {
		return err
	}
	say("bob switches to %q: role %s", sales.Name, sc.Role)
	err = authz.Require(bob, "agents", "create")
	if err == nil {
		err = agents.Insert(bob, &agent{Record: memstore.Record{ID: workspace.NewID()}, Name: "Lead qualifier"})
	}
	say("bob creates an agent in %q: %v", sales.Name, outcome(err))
	for _, ws := range []workspace.Workspace{sales, support} {
		in, _, err := workspaces.Enter(ctx, "bob", ws.ID)
		if err != nil {
			return err
		}
		n, err := agents.Count(in)
		if err != nil {
			return err
		}
		say("agents bob sees in %q: %d", ws.Name, n)
	}
	say("bob deletes %q: %v", sales.Name, outcome(workspaces.Delete(bob, sales.ID, "Sales")))

	// The plan allows three workspaces.
	_, err = workspaces.Create(aliceSales, workspace.NewWorkspace{Name: "Marketing"})
	say("alice creates workspace %q: %v", "Marketing", outcome(err))
	_, err = workspaces.Create(aliceSales, workspace.NewWorkspace{Name: "Ops"})
	say("alice creates workspace %q: %v", "Ops", outcome(err))

	// Deleting needs the name typed exactly.
	say("alice deletes %q typing %q: %v", support.Name, "support", outcome(workspaces.Delete(aliceSales, support.ID, "support")))
	say("alice deletes %q typing %q: %v", support.Name, "Support", outcome(workspaces.Delete(aliceSales, support.ID, "Support")))
	_, err = workspaces.Switch(ctx, "bob", support.ID)
	say("bob switches to %q: %v", support.Name, outcome(err))
	return nil
}

// agent is a host record: every workspace has its own.
type agent struct {
	memstore.Record // its id and owning workspace
	Name            string
}

func outcome(err error) string {
	if err != nil {
		return "refused (" + err.Error() + ")"
	}
	return "ok"
}
