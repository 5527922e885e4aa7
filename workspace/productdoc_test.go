package workspace_test

// One test per sentence of the product doc (shared/seed/workspaces-product-doc.txt),
// on the in-memory store, with host resources kept in scoped repositories the
// way a host app keeps them.

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// resource is a host record: an agent, a channel, an API key...
type resource struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	Name        string
}

func (r *resource) RecordID() uuid.UUID               { return r.ID }
func (r *resource) RecordWorkspaceID() uuid.UUID      { return r.WorkspaceID }
func (r *resource) SetRecordWorkspaceID(id uuid.UUID) { r.WorkspaceID = id }
func newResource(name string) *resource               { return &resource{ID: uuid.New(), Name: name} }
func names(rs []resource) (out []string) {
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// isolatedKinds are the resources the doc lists as separated per workspace.
var isolatedKinds = []string{"agents", "squads", "channels", "conversations", "contacts", "llm_providers", "api_keys", "integrations"}

type docEnv struct {
	*testenv.Env
	repos map[string]store.Repo[resource]
}

func newDocEnv(t *testing.T, plans workspace.Plans) *docEnv {
	st := memstore.New()
	e := &docEnv{Env: testenv.NewOn(t, st, plans), repos: map[string]store.Repo[resource]{}}
	for _, k := range isolatedKinds {
		e.repos[k] = memstore.NewRepo[resource](st)
	}
	return e
}

// "Each workspace has complete separation of the following resources: agents
// and squads, connected channels, conversations and contacts, configured LLM
// providers, API keys, integrations."
func TestProductDoc_EachWorkspaceSeparatesItsResources(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, _ := e.Account(t, "alice", "A")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "B"})
	require.NoError(t, err)
	b := e.SwitchTo(t, "alice", wb)

	for _, kind := range isolatedKinds {
		t.Run(kind, func(t *testing.T) {
			repo := e.repos[kind]
			inA, inB := newResource("a-"+kind), newResource("b-"+kind)
			require.NoError(t, repo.Insert(a, inA))
			require.NoError(t, repo.Insert(b, inB))

			listA, err := repo.List(a, workspace.Page{})
			require.NoError(t, err)
			require.Equal(t, []string{"a-" + kind}, names(listA))
			_, err = repo.Get(a, inB.ID)
			require.ErrorIs(t, err, workspace.ErrNotFound, "another workspace's id is as good as missing")
			require.ErrorIs(t, repo.Delete(a, inB.ID), workspace.ErrNotFound)
			hijack := *inB
			hijack.Name = "changed from A"
			require.Error(t, repo.Update(a, &hijack))
			got, err := repo.Get(b, inB.ID)
			require.NoError(t, err)
			require.Equal(t, "b-"+kind, got.Name, "B's record is untouched")
			n, err := repo.Count(b)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		})
	}
}

// "The active workspace is the context you are currently operating in. Every
// action performed on the platform — creating an agent, viewing
// conversations, exporting a report — happens within the active workspace."
func TestProductDoc_EveryActionHappensInTheActiveWorkspace(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, wa := e.Account(t, "alice", "A")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "B"})
	require.NoError(t, err)
	bobA := e.Join(t, a, "bob", workspace.RoleMember)
	bobB := e.Join(t, e.SwitchTo(t, "alice", wb), "bob", workspace.RoleViewer)

	agent := newResource("support bot") // creating an agent
	require.NoError(t, e.Authz.Require(bobA, "agents", "create"))
	require.NoError(t, e.repos["agents"].Insert(bobA, agent))
	require.Equal(t, wa.ID, agent.WorkspaceID, "stamped with the active workspace")
	convs, err := e.repos["conversations"].List(bobB, workspace.Page{}) // viewing conversations
	require.NoError(t, err)
	require.Empty(t, convs)
	require.NoError(t, e.Authz.Require(bobA, "reports", "export")) // exporting a report
	require.ErrorIs(t, e.Authz.Require(bobB, "reports", "export"), workspace.ErrForbidden, "bob is only a viewer in B")

	// No active workspace, no action.
	none := context.Background()
	require.ErrorIs(t, e.repos["agents"].Insert(none, newResource("x")), workspace.ErrNoScope)
	_, err = e.repos["conversations"].List(none, workspace.Page{})
	require.ErrorIs(t, err, workspace.ErrNoScope)
	require.ErrorIs(t, e.Authz.Require(none, "reports", "export"), workspace.ErrNoScope)
}

// "The name of the active workspace appears at the top of the sidebar. A
// visual indicator (badge or icon) signals which workspace is selected."
// "The list displays all workspaces you have access to."
func TestProductDoc_SelectorShowsActiveAndAccessibleWorkspaces(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, wa := e.Account(t, "alice", "Sales")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	_, err = e.WS.Create(a, workspace.NewWorkspace{Name: "Finance"}) // bob is not in it
	require.NoError(t, err)
	e.Join(t, a, "bob", workspace.RoleMember)
	bob := e.Join(t, e.SwitchTo(t, "alice", wb), "bob", workspace.RoleAdmin)

	sc, _ := workspace.ScopeFrom(bob)
	active, err := e.WS.Get(bob, sc.UserID, sc.WorkspaceID)
	require.NoError(t, err)
	require.Equal(t, "Support", active.Name, "the sidebar shows the active workspace's name")

	list, err := e.WS.List(bob, sc.UserID, workspace.Page{})
	require.NoError(t, err)
	var shown []string
	selected := 0
	for _, acc := range list {
		shown = append(shown, acc.Workspace.Name+"/"+string(acc.Role))
		if acc.Workspace.ID == sc.WorkspaceID {
			selected++
		}
	}
	require.Equal(t, []string{"Sales/member", "Support/admin"}, shown, "all and only the workspaces bob can access")
	require.Equal(t, 1, selected, "exactly one entry is the selected one")
	require.NotEqual(t, wa.ID, sc.WorkspaceID)
}

// "Switching workspaces does not end your session or require a new login. The
// system validates your role in the target workspace automatically."
func TestProductDoc_SwitchingValidatesTheRoleWithoutLogin(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, wa := e.Account(t, "alice", "A")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "B"})
	require.NoError(t, err)
	e.Join(t, a, "bob", workspace.RoleAdmin)
	e.Join(t, e.SwitchTo(t, "alice", wb), "bob", workspace.RoleViewer)

	// Only the user id is needed: no credentials, no new session.
	sc, err := e.WS.Switch(context.Background(), "bob", wb.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleViewer, sc.Role)
	sc, err = e.WS.Switch(context.Background(), "bob", wa.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleAdmin, sc.Role)

	require.NoError(t, e.Team.Remove(e.SwitchTo(t, "alice", wb), "bob"))
	_, err = e.WS.Switch(context.Background(), "bob", wb.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound, "the role is validated at every switch")
}

// "Creating additional workspaces is available depending on the account plan."
func TestProductDoc_CreatingDependsOnThePlan(t *testing.T) {
	plans := workspace.FixedPlans{"free": {MaxWorkspaces: 1, MaxMembers: 3}, "pro": {MaxWorkspaces: 3, MaxMembers: 10}}
	e := newDocEnv(t, plans)
	for plan, allowed := range map[string]int{"free": 1, "pro": 3} {
		_, first, err := e.WS.CreateAccount(context.Background(), workspace.NewAccount{Name: plan, Owner: workspace.UserID("owner-" + plan), Plan: plan, Workspace: workspace.NewWorkspace{Name: "First"}})
		require.NoError(t, err)
		ctx := e.SwitchTo(t, workspace.UserID("owner-"+plan), first)
		created := 1
		for i := 0; i < 5; i++ {
			if _, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: uuid.NewString()}); err == nil {
				created++
			} else {
				require.ErrorIs(t, err, workspace.ErrPlanLimit)
			}
		}
		require.Equal(t, allowed, created, plan)
	}
}

// "Enter the workspace name. Optionally, add a description to identify the
// purpose of the environment."
func TestProductDoc_NameRequiredDescriptionOptional(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, _ := e.Account(t, "alice", "A")
	w, err := e.WS.Create(a, workspace.NewWorkspace{Name: "No description"})
	require.NoError(t, err)
	require.Empty(t, w.Description)
	w, err = e.WS.Create(a, workspace.NewWorkspace{Name: "Staging", Description: "Pre-production tests"})
	require.NoError(t, err)
	require.Equal(t, "Pre-production tests", w.Description)
	_, err = e.WS.Create(a, workspace.NewWorkspace{Description: "no name"})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

// "The same member can have different roles in each workspace."
// "Invited members have the role assigned at the time of the invitation for
// that specific workspace."
func TestProductDoc_RolesPerWorkspaceFromTheInvitation(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, wa := e.Account(t, "alice", "A")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "B"})
	require.NoError(t, err)
	b := e.SwitchTo(t, "alice", wb)
	_, tokA, err := e.Team.Invite(a, "bob@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
	_, tokB, err := e.Team.Invite(b, "bob@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	scB, err := e.Team.Accept(context.Background(), "bob", tokB)
	require.NoError(t, err)
	scA, err := e.Team.Accept(context.Background(), "bob", tokA)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleAdmin, scA.Role)
	require.Equal(t, wa.ID, scA.WorkspaceID)
	require.Equal(t, workspace.RoleViewer, scB.Role)
	require.NoError(t, e.Authz.Require(workspace.WithScope(context.Background(), scA), "agents", "delete"))
	require.ErrorIs(t, e.Authz.Require(workspace.WithScope(context.Background(), scB), "agents", "delete"), workspace.ErrForbidden)
}

// "The account owner is owner in all workspaces by default."
func TestProductDoc_AccountOwnerOwnsEveryWorkspace(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, wa := e.Account(t, "alice", "A")
	bob := e.Join(t, a, "bob", workspace.RoleAdmin)
	wb, err := e.WS.Create(bob, workspace.NewWorkspace{Name: "Made by bob"}) // created later, by someone else
	require.NoError(t, err)
	for _, w := range []workspace.Workspace{wa, wb} {
		sc, err := e.WS.Switch(context.Background(), "alice", w.ID)
		require.NoError(t, err)
		require.Equal(t, workspace.RoleOwner, sc.Role, w.Name)
		require.NoError(t, e.Authz.Require(workspace.WithScope(context.Background(), sc), "settings", "delete"))
	}
	_, err = e.Team.ChangeRole(e.SwitchTo(t, "bob", wb), "alice", workspace.RoleViewer)
	require.ErrorIs(t, err, membership.ErrAccountOwner)
}

// "To manage a member's role in a specific workspace: make sure you are in the
// correct workspace, go to Settings > Team, adjust the member's role."
func TestProductDoc_ManageARoleInTheActiveWorkspace(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, _ := e.Account(t, "alice", "A")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "B"})
	require.NoError(t, err)
	b := e.SwitchTo(t, "alice", wb)
	e.Join(t, a, "bob", workspace.RoleMember)
	e.Join(t, b, "bob", workspace.RoleMember)

	members, err := e.Team.Team(b, membership.TeamPage{}) // Settings > Team of B
	require.NoError(t, err)
	require.Len(t, members, 2)
	_, err = e.Team.ChangeRole(b, "bob", workspace.RoleAdmin)
	require.NoError(t, err)

	roleIn := func(ctx context.Context) workspace.Role {
		ms, err := e.Team.Team(ctx, membership.TeamPage{})
		require.NoError(t, err)
		for _, m := range ms {
			if m.UserID == "bob" {
				return m.Role
			}
		}
		return ""
	}
	require.Equal(t, workspace.RoleAdmin, roleIn(b))
	require.Equal(t, workspace.RoleMember, roleIn(a), "only the active workspace changed")
}

// "Deleting a workspace ... Confirm by typing the workspace name in the
// confirmation field." (and it removes everything the workspace owns)
func TestProductDoc_DeleteByTypingTheName(t *testing.T) {
	e := newDocEnv(t, testenv.Unlimited)
	a, wa := e.Account(t, "alice", "Production")
	wb, err := e.WS.Create(a, workspace.NewWorkspace{Name: "Staging"})
	require.NoError(t, err)
	b := e.SwitchTo(t, "alice", wb)
	for _, kind := range isolatedKinds {
		require.NoError(t, e.repos[kind].Insert(a, newResource(kind)))
		require.NoError(t, e.repos[kind].Insert(b, newResource(kind)))
	}

	require.ErrorIs(t, e.WS.Delete(a, wb.ID, "staging"), workspace.ErrConfirmation)
	require.NoError(t, e.WS.Delete(a, wb.ID, "Staging"))
	for _, kind := range isolatedKinds {
		n, err := e.repos[kind].Count(b)
		require.NoError(t, err)
		require.Zero(t, n, "the deleted workspace's %s are gone", kind)
		n, err = e.repos[kind].Count(a)
		require.NoError(t, err)
		require.Equal(t, 1, n, "the other workspace keeps its %s", kind)
	}
	_, err = e.WS.Get(context.Background(), "alice", wa.ID)
	require.NoError(t, err)
}
