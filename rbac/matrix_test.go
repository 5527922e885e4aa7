package rbac_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// TestMatrix checks the rules the services rely on, cell by cell, for
// every built-in role.
func TestMatrix(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "max": "member", "vic": "viewer"})
	users := map[workspace.Role]workspace.UserID{"owner": "olivia", "admin": "ada", "member": "max", "viewer": "vic"}
	cases := []struct {
		perm  string
		roles string // the roles allowed, first letters: o a m v
	}{
		{"settings:create", "oa"},
		{"settings:update", "oa"},
		{"settings:delete", "o"},
		{"settings:manage", "oa"},
		{"settings:read", "oamv"},
		{"team:read", "oamv"},
		{"team:manage", "oa"},
		{"api_keys:read", "oam"},
		{"api_keys:create", "oa"},
		{"agents:read", "oamv"},
		{"agents:create", "oam"},
		{"agents:update", "oam"},
		{"agents:delete", "oa"},
		{"conversations:create", "oam"},
		{"contacts:delete", "oa"},
		{"llm_providers:read", "oamv"},
		{"llm_providers:update", "oa"},
		{"integrations:create", "oa"},
		{"reports:export", "oam"},
		{"reports:delete", "oa"},
		{"squads:update", "oam"},
		{"channels:delete", "oa"},
	}
	for _, c := range cases {
		p, err := rbac.ParsePermission(c.perm)
		require.NoError(t, err)
		for role, user := range users {
			want := false
			for _, l := range c.roles {
				want = want || string(l) == string(role[0])
			}
			require.Equal(t, want, e.can(user, ws, p.Resource, p.Action), "%s as %s", c.perm, role)
		}
	}
	// Unregistered permissions are an error, for every role.
	for _, perm := range []string{"reports:manage", "nothing:read"} {
		p, err := rbac.ParsePermission(perm)
		require.NoError(t, err)
		for _, user := range users {
			_, err := e.authz.Can(e.as(user, ws), p.Resource, p.Action)
			require.ErrorIs(t, err, rbac.ErrUnknownPermission, perm)
		}
	}
}

// TestViewersOnlyRead: whatever a viewer may do is a read, and api_keys is
// not readable by viewers.
func TestViewersOnlyRead(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"vic": "viewer"})
	ps, err := e.authz.Permissions(e.as("vic", ws))
	require.NoError(t, err)
	require.NotEmpty(t, ps)
	for _, p := range ps {
		require.Equal(t, rbac.ActionRead, p.Action, p.String())
		require.NotEqual(t, rbac.ResourceAPIKeys, p.Resource)
	}
}

// TestBuiltinRolesNest: each built-in role holds everything the role below
// holds, the property that makes CanGrant's ranking sound.
func TestBuiltinRolesNest(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "max": "member", "vic": "viewer"})
	var prev map[rbac.Permission]bool
	for _, u := range []workspace.UserID{"vic", "max", "ada", "olivia"} {
		ps, err := e.authz.Permissions(e.as(u, ws))
		require.NoError(t, err)
		cur := map[rbac.Permission]bool{}
		for _, p := range ps {
			cur[p] = true
		}
		for p := range prev {
			require.True(t, cur[p], "%s lacks %s", u, p)
		}
		require.Greater(t, len(cur), len(prev))
		prev = cur
	}
	require.Len(t, prev, len(e.authz.RegisteredPermissions()), "the owner holds every permission")
}

// TestHostResources: hosts register resources and extend built-in roles; a
// grant reaches the roles above, the owner gets everything registered.
func TestHostResources(t *testing.T) {
	e := newEnv(t, rbac.WithResource("invoices", "read", "refund"),
		rbac.WithGrant(workspace.RoleMember, rbac.Permission{Resource: "invoices", Action: "read"}))
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "max": "member", "vic": "viewer"})
	require.True(t, e.can("max", ws, "invoices", "read"))
	require.True(t, e.can("ada", ws, "invoices", "read"))
	require.False(t, e.can("vic", ws, "invoices", "read"))
	require.False(t, e.can("ada", ws, "invoices", "refund"))
	require.True(t, e.can("olivia", ws, "invoices", "refund"))
}

func TestNewOptionsValidation(t *testing.T) {
	cases := []struct {
		name string
		opt  rbac.Option
		want error
	}{
		{"resource with a colon", rbac.WithResource("a:b", "read"), workspace.ErrInvalid},
		{"empty action", rbac.WithResource("invoices", ""), workspace.ErrInvalid},
		{"upper case", rbac.WithResource("Invoices", "read"), workspace.ErrInvalid},
		{"grant to a custom role", rbac.WithGrant("analyst", rbac.Permission{Resource: "agents", Action: "read"}), rbac.ErrUnknownRole},
		{"grant of an unknown permission", rbac.WithGrant("viewer", rbac.Permission{Resource: "agents", Action: "fly"}), rbac.ErrUnknownPermission},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := rbac.New(memstore.New(), c.opt)
			require.ErrorIs(t, err, c.want)
			require.True(t, errors.Is(err, workspace.ErrInvalid))
		})
	}
	_, err := rbac.New(nil)
	require.ErrorIs(t, err, workspace.ErrInvalid)
}
