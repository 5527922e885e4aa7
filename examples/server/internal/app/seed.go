package app

import (
	"context"
	"fmt"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/workspace"
)

// The seeded accounts and workspaces, by name.
const (
	SeedAcme     = "Acme"
	SeedSales    = "Sales"
	SeedSupport  = "Support"
	SeedGlobex   = "Globex"
	SeedGlobexHQ = "Globex HQ"
)

// The seeded API keys, by name: one in Sales (role member) and one in
// Globex HQ (role viewer), made through apikey.Service like any other.
// Their secrets were shown once, to the seed, which dropped them: these
// keys are there to be listed and revoked, not used.
const (
	SeedKeySales  = "CRM sync"
	SeedKeyGlobex = "Nightly export"
)

// samples are two items per kind; seeded names are prefixed with their
// workspace's name, so that an item seen in the wrong workspace shows it.
var samples = map[string][2][2]string{
	"agents":        {{"Lead qualifier", "Scores inbound leads"}, {"FAQ bot", "Answers the common questions"}},
	"squads":        {{"Day shift", "Agents on duty 8-18"}, {"Escalations", "Hands hard cases to people"}},
	"channels":      {{"WhatsApp", "+1 555 0100"}, {"Website widget", "Chat bubble on the homepage"}},
	"conversations": {{"Pricing question", "Asked about the team plan"}, {"Order status", "Where is my parcel?"}},
	"contacts":      {{"Jordan Lee", "jordan@example.net"}, {"Sam Rivera", "sam@example.net"}},
	"llm_providers": {{"OpenAI", "gpt-4o-mini"}, {"Anthropic", "claude-sonnet"}},
	"integrations":  {{"Composio: HubSpot", "Creates deals"}, {"Composio: Slack", "Posts escalations"}},
}

// seed loads the demo: Acme (alice, plan team) with Sales and Support,
// bob admin in Sales and viewer in Support, carol member in Sales; Globex
// (dave, plan free) with Globex HQ; two items of each kind in every
// workspace; the API keys SeedKeySales and SeedKeyGlobex. It goes through
// the services, as a user would, so the data is exactly what the
// product's own flows make (events and change log included).
func (a *App) seed(ctx context.Context) error {
	ws, team := a.Kit.Workspaces, a.Kit.Team
	_, sales, err := ws.CreateAccount(ctx, workspace.NewAccount{Name: SeedAcme, Owner: "alice", Plan: PlanTeam,
		Workspace: workspace.NewWorkspace{Name: SeedSales, Description: "Inbound leads and deals"}})
	if err != nil {
		return err
	}
	aliceSales, _, err := ws.Enter(ctx, "alice", sales.ID)
	if err != nil {
		return err
	}
	support, err := ws.Create(aliceSales, workspace.NewWorkspace{Name: SeedSupport, Description: "Customer support"})
	if err != nil {
		return err
	}
	aliceSupport, _, err := ws.Enter(ctx, "alice", support.ID)
	if err != nil {
		return err
	}
	for _, j := range []struct {
		in   context.Context
		user workspace.UserID
		role workspace.Role
	}{
		{aliceSales, "bob", workspace.RoleAdmin},
		{aliceSales, "carol", workspace.RoleMember},
		{aliceSupport, "bob", workspace.RoleViewer},
	} {
		u, _ := a.User(j.user)
		_, token, err := team.Invite(j.in, u.Email, j.role)
		if err != nil {
			return fmt.Errorf("invite %s: %w", j.user, err)
		}
		if _, err := team.Accept(ctx, j.user, token); err != nil {
			return fmt.Errorf("%s accepts: %w", j.user, err)
		}
	}
	_, hq, err := ws.CreateAccount(ctx, workspace.NewAccount{Name: SeedGlobex, Owner: "dave", Plan: PlanFree,
		Workspace: workspace.NewWorkspace{Name: SeedGlobexHQ, Description: "Everything Globex"}})
	if err != nil {
		return err
	}
	daveHQ, _, err := ws.Enter(ctx, "dave", hq.ID)
	if err != nil {
		return err
	}
	for _, w := range []struct {
		in   context.Context
		name string
	}{{aliceSales, sales.Name}, {aliceSupport, support.Name}, {daveHQ, hq.Name}} {
		for _, r := range a.Resources {
			for _, s := range samples[r.Kind] {
				if _, err := r.Create(w.in, w.name+": "+s[0], s[1]); err != nil {
					return fmt.Errorf("%s in %s: %w", r.Kind, w.name, err)
				}
			}
		}
	}
	for _, k := range []struct {
		in  context.Context
		key apikey.NewKey
	}{
		{aliceSales, apikey.NewKey{Name: SeedKeySales, Role: workspace.RoleMember}},
		{daveHQ, apikey.NewKey{Name: SeedKeyGlobex, Role: workspace.RoleViewer}},
	} {
		// The secret is shown once, here, and nobody keeps it.
		if _, _, err := a.Kit.Keys.Create(k.in, k.key); err != nil {
			return fmt.Errorf("API key %s: %w", k.key.Name, err)
		}
	}
	return nil
}
