package workspace_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

// A scope stored for a job is re-checked without a login: the fresh role
// and version come back, and a removed member or deleted workspace is
// ErrNotFound.
func TestRevalidateStoredScopes(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	e.Join(t, ctx, "bob", workspace.RoleAdmin)
	stored, err := e.WS.Switch(context.Background(), "bob", sales.ID)
	require.NoError(t, err)

	fresh, changed, err := e.WS.Revalidate(context.Background(), stored)
	require.NoError(t, err)
	require.False(t, changed)
	require.Equal(t, stored, fresh)

	_, err = e.Team.ChangeRole(ctx, "bob", workspace.RoleViewer)
	require.NoError(t, err)
	fresh, changed, err = e.WS.Revalidate(context.Background(), stored)
	require.NoError(t, err)
	require.True(t, changed, "demoted")
	require.Equal(t, workspace.RoleViewer, fresh.Role)
	require.Greater(t, fresh.MembershipVersion, stored.MembershipVersion)

	require.NoError(t, e.Team.Remove(ctx, "bob"))
	_, _, err = e.WS.Revalidate(context.Background(), fresh)
	require.ErrorIs(t, err, workspace.ErrNotFound, "removed")

	other, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Other"})
	require.NoError(t, err)
	owner, err := e.WS.Switch(context.Background(), "alice", other.ID)
	require.NoError(t, err)
	require.NoError(t, e.WS.Delete(ctx, other.ID, "Other"))
	_, _, err = e.WS.Revalidate(context.Background(), owner)
	require.ErrorIs(t, err, workspace.ErrNotFound, "deleted")

	forged := stored
	forged.AccountID = other.AccountID
	forged.AccountID[0] ^= 1
	_, _, err = e.WS.Revalidate(context.Background(), forged)
	require.ErrorIs(t, err, workspace.ErrNotFound, "a scope of another account")

	_, _, err = e.WS.Revalidate(context.Background(), workspace.Scope{})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}
