package rbac_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// A custom role stored with a permission the host no longer registers: every
// decision denies it (documented deviation from a plain Casbin enforcer, which
// would still allow it), and Explain agrees with Can.
func TestUnregisteredPermissionIsDeniedAndExplainedAlike(t *testing.T) {
	e := newEnv(t, rbac.WithResource("legacy", "read"))
	ws := e.workspace("w", map[workspace.UserID]workspace.Role{"ada": "admin"})
	_, err := e.authz.CreateRole(e.as(e.acct.OwnerID, ws), "old", []rbac.Permission{{Resource: "legacy", Action: "read"}, {Resource: "agents", Action: "read"}})
	require.NoError(t, err)
	e.setRole(ws, "ada", "old")

	withoutLegacy, err := rbac.New(e.store)
	require.NoError(t, err)
	ctx := e.as("ada", ws)
	for _, p := range []rbac.Permission{{Resource: "legacy", Action: "read"}, {Resource: "agents", Action: "read"}} {
		can, err := withoutLegacy.Can(ctx, p.Resource, p.Action)
		require.NoError(t, err)
		ex, err := withoutLegacy.Explain(ctx, p.Resource, p.Action)
		require.NoError(t, err)
		require.Equal(t, can, ex.Allowed, "Explain agrees with Can on %s", p)
		require.Equal(t, p.Resource == "agents", can, p.String())
	}
}
