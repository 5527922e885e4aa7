package changewatch_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// The change log is the durable source of the events: every event the
// services published (but the switches, which change nothing) comes back,
// equal and in order, from the log through the packages' EventOf.
func TestTheLogGivesBackThePublishedEvents(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	var published []workspace.Event
	bus := workspace.NewBus()
	bus.Subscribe(func(_ context.Context, e workspace.Event) {
		switch e.(type) {
		case workspace.Switched, workspace.SwitchRefused:
		default:
			published = append(published, e)
		}
	})
	plans := workspace.FixedPlans{"": {MaxWorkspaces: 5, MaxMembers: 10}}
	authz, err := rbac.New(st, rbac.WithEvents(bus))
	require.NoError(t, err)
	ws := workspace.NewService(st, authz, plans, workspace.WithEvents(bus))
	team := membership.New(st, authz, plans, membership.WithEvents(bus))

	_, sales, err := ws.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	alice, err := ws.Switch(ctx, "alice", sales.ID)
	require.NoError(t, err)
	actx := workspace.WithScope(ctx, alice)
	other, err := ws.Create(actx, workspace.NewWorkspace{Name: "Other"})
	require.NoError(t, err)
	name := "Sales EU"
	_, err = ws.Update(actx, sales.ID, workspace.Changes{Name: &name})
	require.NoError(t, err)
	inv, _, err := team.Invite(actx, "bob@example.com", workspace.RoleMember)
	require.NoError(t, err)
	_, token, err := team.Resend(actx, inv.ID)
	require.NoError(t, err)
	bob, err := team.Accept(ctx, "bob", token)
	require.NoError(t, err)
	_, err = team.ChangeRole(actx, "bob", workspace.RoleAdmin)
	require.NoError(t, err)
	_, err = authz.CreateRole(actx, "support", []rbac.Permission{{Resource: rbac.ResourceContacts, Action: rbac.ActionRead}})
	require.NoError(t, err)
	_, err = authz.UpdateRole(actx, "support", []rbac.Permission{{Resource: rbac.ResourceContacts, Action: rbac.ActionUpdate}})
	require.NoError(t, err)
	_, err = authz.RenameRole(actx, "support", "helpdesk")
	require.NoError(t, err)
	require.NoError(t, authz.DeleteRole(actx, "helpdesk", ""))
	carolInv, _, err := team.Invite(actx, "carol@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	require.NoError(t, team.Revoke(actx, carolInv.ID))
	require.NoError(t, team.Leave(workspace.WithScope(ctx, bob)))
	_, token, err = team.Invite(actx, "dave@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
	_, err = team.Accept(ctx, "dave", token)
	require.NoError(t, err)
	require.NoError(t, team.Remove(actx, "dave"))
	_, token, err = team.Invite(actx, "erin@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
	_, err = team.Accept(ctx, "erin", token)
	require.NoError(t, err)
	require.NoError(t, team.TransferOwnership(actx, "erin", ""))
	erin, err := ws.Switch(ctx, "erin", sales.ID)
	require.NoError(t, err)
	require.NoError(t, ws.Delete(workspace.WithScope(ctx, erin), other.ID, "Other"))

	changes, err := st.ChangesAfter(ctx, 0, workspace.MaxChangesPage)
	require.NoError(t, err)
	var logged []workspace.Event
	for _, c := range changes {
		if c.Kind == workspace.ChangeInvitationAccepted {
			continue // Accept writes member.joined with the same Joined
		}
		var e workspace.Event
		var ok bool
		for _, of := range []func(workspace.Change) (workspace.Event, bool, error){workspace.EventOf, membership.EventOf, rbac.EventOf} {
			if e, ok, err = of(c); ok {
				break
			}
		}
		require.True(t, ok, "no package decodes %s", c.Kind)
		require.NoError(t, err)
		logged = append(logged, e)
	}
	require.Equal(t, published, logged)

	_, _, err = membership.EventOf(workspace.Change{ID: 1, Kind: workspace.ChangeMemberJoined, Payload: []byte(`{"Role": 7}`)})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}
