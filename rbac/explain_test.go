package rbac_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// A custom role stored with a permission the host no longer registers:
// asking for that permission is ErrUnknownPermission from Can, Require and
// Explain alike (a typo in a permission is not a silent denial), and the
// role's other permissions still decide as before.
func TestUnregisteredPermissionIsAnErrorAndExplainedAlike(t *testing.T) {
	e := newEnv(t, rbac.WithResource("legacy", "read"))
	ws := e.workspace("w", map[workspace.UserID]workspace.Role{"ada": "admin"})
	_, err := e.authz.CreateRole(e.as(e.acct.OwnerID, ws), "old", []rbac.Permission{{Resource: "legacy", Action: "read"}, {Resource: "agents", Action: "read"}})
	require.NoError(t, err)
	e.setRole(ws, "ada", "old")

	withoutLegacy, err := rbac.New(e.store)
	require.NoError(t, err)
	ctx := e.as("ada", ws)
	for _, p := range []rbac.Permission{{Resource: "legacy", Action: "read"}, {Resource: "agentz", Action: "read"}} {
		_, err := withoutLegacy.Can(ctx, p.Resource, p.Action)
		require.ErrorIs(t, err, rbac.ErrUnknownPermission, p.String())
		require.ErrorIs(t, err, workspace.ErrInvalid)
		require.ErrorIs(t, withoutLegacy.Require(ctx, p.Resource, p.Action), rbac.ErrUnknownPermission)
		_, err = withoutLegacy.Explain(ctx, p.Resource, p.Action)
		require.ErrorIs(t, err, rbac.ErrUnknownPermission)
	}
	can, err := withoutLegacy.Can(ctx, "agents", "read")
	require.NoError(t, err)
	ex, err := withoutLegacy.Explain(ctx, "agents", "read")
	require.NoError(t, err)
	require.True(t, can)
	require.Equal(t, can, ex.Allowed)
}
