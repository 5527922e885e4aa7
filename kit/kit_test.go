package kit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestOneBusOneClockForAllThree(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	bus := workspace.NewBus()
	var got []workspace.Event
	bus.Subscribe(func(_ context.Context, e workspace.Event) { got = append(got, e) })
	k, err := kit.New(memstore.New(), workspace.FixedPlans{"": {MaxWorkspaces: 2, MaxMembers: 5}},
		kit.WithEvents(bus), kit.WithClock(func() time.Time { return at }),
		kit.WithAuthorizer(rbac.WithResource("widgets", rbac.ActionRead)),
		kit.WithTeam(membership.WithInvitationTTL(time.Minute)))
	require.NoError(t, err)
	ctx := context.Background()

	_, sales, err := k.Workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	alice, _, err := k.Workspaces.Enter(ctx, "alice", sales.ID)
	require.NoError(t, err)
	inv, token, err := k.Team.Invite(alice, "bob@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	require.Equal(t, at.Add(time.Minute), inv.ExpiresAt, "the team's own option applies")
	_, err = k.Team.Accept(ctx, "bob", token)
	require.NoError(t, err)
	_, err = k.Authz.CreateRole(alice, "support", []rbac.Permission{{Resource: "widgets", Action: rbac.ActionRead}})
	require.NoError(t, err)
	require.NoError(t, k.Authz.Require(alice, "widgets", rbac.ActionRead), "the authorizer's own option applies")

	kinds := map[string]bool{}
	for _, e := range got {
		require.Equal(t, at, e.Meta().At, "%T on the shared clock", e)
		switch e.(type) {
		case workspace.Created, workspace.Switched:
			kinds["workspace"] = true
		case membership.Invited, membership.Joined:
			kinds["membership"] = true
		case rbac.RoleCreated:
			kinds["rbac"] = true
		}
	}
	require.Equal(t, map[string]bool{"workspace": true, "membership": true, "rbac": true}, kinds, "each service published on the one bus")
}

func TestNewNeedsAStoreAndPlans(t *testing.T) {
	_, err := kit.New(nil, workspace.FixedPlans{})
	require.Error(t, err)
	_, err = kit.New(memstore.New(), nil)
	require.Error(t, err)
}

// The key service hears of the other services' changes in this process: a
// deleted workspace's keys stop authenticating at once.
func TestKeysStopWithTheirWorkspace(t *testing.T) {
	k, err := kit.New(memstore.New(), workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 5, MaxAPIKeys: 2}})
	require.NoError(t, err)
	ctx := context.Background()
	_, sales, err := k.Workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	alice, _, err := k.Workspaces.Enter(ctx, "alice", sales.ID)
	require.NoError(t, err)
	support, err := k.Workspaces.Create(alice, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	inSupport, _, err := k.Workspaces.Enter(ctx, "alice", support.ID)
	require.NoError(t, err)
	_, secret, err := k.Keys.Create(inSupport, apikey.NewKey{Name: "bot", Role: workspace.RoleMember})
	require.NoError(t, err)
	sc, err := k.Keys.Authenticate(ctx, secret) // cached now
	require.NoError(t, err)
	require.Equal(t, support.ID, sc.WorkspaceID)

	require.NoError(t, k.Workspaces.Delete(alice, support.ID, "Support"))
	_, err = k.Keys.Authenticate(ctx, secret)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)
}
