package workspace_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func TestDeleteNeedsOwnerAndExactName(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	admin := e.Join(t, ctx, "adam", workspace.RoleAdmin)
	require.ErrorIs(t, e.WS.Delete(ctx, sales.ID, "Sales"), workspace.ErrLastWorkspace, "an account keeps one workspace")
	_, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)

	require.ErrorIs(t, e.WS.Delete(context.Background(), sales.ID, "Sales"), workspace.ErrNoScope)
	require.ErrorIs(t, e.WS.Delete(admin, sales.ID, "Sales"), workspace.ErrForbidden, "only owners delete")
	for _, typed := range []string{"sales", "Sales ", "", "Sale"} {
		require.ErrorIs(t, e.WS.Delete(ctx, sales.ID, typed), workspace.ErrConfirmation, typed)
	}
	require.ErrorIs(t, e.WS.Delete(ctx, uuid.New(), "Sales"), workspace.ErrNotFound)

	_, err = e.WS.Get(context.Background(), "alice", sales.ID)
	require.NoError(t, err, "refused deletes change nothing")
	_, err = e.WS.Switch(context.Background(), "adam", sales.ID)
	require.NoError(t, err)
}

func TestDeleteRemovesEverythingAndStopsScopes(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	support, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	bob := e.Join(t, ctx, "bob", workspace.RoleAdmin)
	pending, _, err := e.Team.Invite(ctx, "carol@example.com", workspace.RoleMember)
	require.NoError(t, err)

	var purged []uuid.UUID
	e.WS.RegisterPurge("agents", func(_ context.Context, id uuid.UUID) error {
		purged = append(purged, id)
		return nil
	})

	require.NoError(t, e.WS.Delete(ctx, sales.ID, "Sales"))
	require.Equal(t, []uuid.UUID{sales.ID}, purged)

	_, err = e.Store.GetWorkspace(context.Background(), sales.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = e.Store.GetMembership(context.Background(), sales.ID, "bob")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = e.Store.GetInvitation(context.Background(), sales.ID, pending.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)

	// Scopes that still point at the deleted workspace stop working at once.
	require.ErrorIs(t, e.Authz.Require(bob, "agents", "read"), workspace.ErrForbidden)
	require.ErrorIs(t, e.Authz.Require(ctx, "agents", "read"), workspace.ErrForbidden)
	_, err = e.WS.Update(ctx, sales.ID, workspace.Changes{Name: ptr("Back")})
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, _, err = e.Team.Invite(ctx, "dan@example.com", workspace.RoleMember)
	require.Error(t, err)

	// The other workspace is untouched.
	got, err := e.WS.Get(context.Background(), "alice", support.ID)
	require.NoError(t, err)
	require.Equal(t, support, got)
	ev := last[workspace.Deleted](t, e.Events)
	require.Equal(t, sales.ID, ev.Workspace.ID)
}

func TestDeleteIsAllOrNothing(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	_, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	e.Join(t, ctx, "bob", workspace.RoleMember)
	boom := errors.New("disk on fire")
	// The first purge writes (a membership removal) before the second fails:
	// the failure must roll back the first purge's write too.
	e.WS.RegisterPurge("first", func(ctx context.Context, id uuid.UUID) error {
		return e.Store.DeleteMembership(ctx, id, "bob")
	})
	e.WS.RegisterPurge("failing", func(context.Context, uuid.UUID) error { return boom })

	err = e.WS.Delete(ctx, sales.ID, "Sales")
	require.ErrorIs(t, err, boom)
	_, err = e.Store.GetWorkspace(context.Background(), sales.ID)
	require.NoError(t, err)
	m, err := e.Store.GetMembership(context.Background(), sales.ID, "bob")
	require.NoError(t, err, "the first purge's write was rolled back")
	require.Equal(t, workspace.RoleMember, m.Role)
	for _, ev := range e.Events.All() {
		_, isDeleted := ev.(workspace.Deleted)
		require.False(t, isDeleted, "no event for a deletion that did not happen")
	}
}
