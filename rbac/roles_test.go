package rbac_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

func perms(t *testing.T, ss ...string) []rbac.Permission {
	t.Helper()
	out := make([]rbac.Permission, 0, len(ss))
	for _, s := range ss {
		p, err := rbac.ParsePermission(s)
		require.NoError(t, err)
		out = append(out, p)
	}
	return out
}

func TestCustomRoleLifecycle(t *testing.T) {
	bus := workspace.NewBus()
	var events []workspace.Event
	bus.Subscribe(func(_ context.Context, ev workspace.Event) { events = append(events, ev) })
	e := newEnv(t, rbac.WithEvents(bus))
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "ana": "member"})
	other := e.workspace("Support", map[workspace.UserID]workspace.Role{"ana": "member"})
	admin := e.as("ada", ws)

	r, err := e.authz.CreateRole(admin, "analyst", perms(t, "reports:read", "reports:export", "reports:read"))
	require.NoError(t, err)
	require.Equal(t, perms(t, "reports:export", "reports:read"), r.Permissions, "sorted, without duplicates")

	e.setRole(ws, "ana", "analyst")
	require.True(t, e.can("ana", ws, "reports", "export"))
	require.False(t, e.can("ana", ws, "agents", "read"))
	require.NoError(t, e.store.UpdateMembership(e.ctx, workspace.Membership{WorkspaceID: other, UserID: "ana", Role: "analyst", Version: 2, CreatedAt: t0, UpdatedAt: t0}))
	e.authz.Invalidate(other)
	require.False(t, e.can("ana", other, "reports", "export"), "the role exists in its workspace only")

	_, err = e.authz.UpdateRole(admin, "analyst", perms(t, "agents:read"))
	require.NoError(t, err)
	require.True(t, e.can("ana", ws, "agents", "read"), "the next check sees new permissions")
	require.False(t, e.can("ana", ws, "reports", "export"))

	renamed, err := e.authz.RenameRole(admin, "analyst", "researcher")
	require.NoError(t, err)
	require.Equal(t, workspace.Role("researcher"), renamed.Name)
	m, err := e.store.GetMembership(e.ctx, ws, "ana")
	require.NoError(t, err)
	require.Equal(t, workspace.Role("researcher"), m.Role)
	require.True(t, e.can("ana", ws, "agents", "read"))

	require.ErrorIs(t, e.authz.DeleteRole(admin, "researcher", ""), rbac.ErrRoleInUse)
	require.ErrorIs(t, e.authz.DeleteRole(admin, "researcher", ""), workspace.ErrConflict)
	require.True(t, e.can("ana", ws, "agents", "read"), "a refused delete changes nothing")
	require.NoError(t, e.authz.DeleteRole(admin, "researcher", workspace.RoleViewer))
	m, err = e.store.GetMembership(e.ctx, ws, "ana")
	require.NoError(t, err)
	require.Equal(t, workspace.RoleViewer, m.Role)
	require.True(t, e.can("ana", ws, "reports", "read"))

	_, err = e.authz.CreateRole(admin, "temp", perms(t, "agents:read"))
	require.NoError(t, err)
	require.NoError(t, e.authz.DeleteRole(admin, "temp", ""), "nobody holds it")
	roles, err := e.authz.ListRoles(admin)
	require.NoError(t, err)
	require.Empty(t, roles)

	var kinds []string
	for _, ev := range events {
		switch ev.(type) {
		case rbac.RoleCreated:
			kinds = append(kinds, "created")
		case rbac.RoleUpdated:
			kinds = append(kinds, "updated")
		case rbac.RoleDeleted:
			kinds = append(kinds, "deleted")
		}
	}
	require.Equal(t, []string{"created", "updated", "updated", "deleted", "created", "deleted"}, kinds)
}

// TestCustomRoleValidation: bad input returns a documented error and
// changes nothing.
func TestCustomRoleValidation(t *testing.T) {
	e := newEnv(t, rbac.WithMaxCustomRoles(2))
	ws := e.workspace("Sales", map[workspace.UserID]workspace.Role{"ada": "admin", "max": "member"})
	owner, admin, member := e.as("olivia", ws), e.as("ada", ws), e.as("max", ws)
	_, err := e.authz.CreateRole(owner, "keymaster", perms(t, "settings:delete"))
	require.NoError(t, err)
	_, err = e.authz.CreateRole(owner, "analyst", perms(t, "reports:read"))
	require.NoError(t, err)

	cases := []struct {
		name string
		do   func() error
		want error
	}{
		{"no scope", func() error {
			_, err := e.authz.CreateRole(context.Background(), "x", perms(t, "agents:read"))
			return err
		}, workspace.ErrNoScope},
		{"member lacks team:manage", func() error { _, err := e.authz.CreateRole(member, "x", perms(t, "agents:read")); return err }, workspace.ErrForbidden},
		{"empty name", func() error { _, err := e.authz.CreateRole(admin, "", perms(t, "agents:read")); return err }, workspace.ErrInvalid},
		{"bad name", func() error { _, err := e.authz.CreateRole(admin, "Bad Name", perms(t, "agents:read")); return err }, workspace.ErrInvalid},
		{"built-in name", func() error { _, err := e.authz.CreateRole(admin, "admin", perms(t, "agents:read")); return err }, workspace.ErrInvalid},
		{"no permissions", func() error { _, err := e.authz.CreateRole(admin, "x", nil); return err }, workspace.ErrInvalid},
		{"unknown permission", func() error { _, err := e.authz.CreateRole(admin, "x", perms(t, "agents:fly")); return err }, rbac.ErrUnknownPermission},
		{"beyond the creator's own", func() error { _, err := e.authz.CreateRole(admin, "x", perms(t, "settings:delete")); return err }, workspace.ErrForbidden},
		{"name taken", func() error { _, err := e.authz.CreateRole(owner, "analyst", perms(t, "agents:read")); return err }, workspace.ErrConflict},
		{"too many roles", func() error { _, err := e.authz.CreateRole(owner, "third", perms(t, "agents:read")); return err }, rbac.ErrTooManyRoles},
		{"update unknown", func() error { _, err := e.authz.UpdateRole(admin, "nope", perms(t, "agents:read")); return err }, rbac.ErrUnknownRole},
		{"update a role above the actor", func() error { _, err := e.authz.UpdateRole(admin, "keymaster", perms(t, "agents:read")); return err }, workspace.ErrForbidden},
		{"update beyond the actor's own", func() error { _, err := e.authz.UpdateRole(admin, "analyst", perms(t, "settings:delete")); return err }, workspace.ErrForbidden},
		{"rename to built-in", func() error { _, err := e.authz.RenameRole(admin, "analyst", "owner"); return err }, workspace.ErrInvalid},
		{"rename onto another", func() error { _, err := e.authz.RenameRole(owner, "analyst", "keymaster"); return err }, workspace.ErrConflict},
		{"rename a role above the actor", func() error { _, err := e.authz.RenameRole(admin, "keymaster", "km"); return err }, workspace.ErrForbidden},
		{"delete a role above the actor", func() error { return e.authz.DeleteRole(admin, "keymaster", "") }, workspace.ErrForbidden},
		{"delete unknown", func() error { return e.authz.DeleteRole(admin, "nope", "") }, rbac.ErrUnknownRole},
		{"reassign to itself", func() error { return e.authz.DeleteRole(admin, "analyst", "analyst") }, rbac.ErrUnknownRole},
		{"reassign to unknown", func() error { return e.authz.DeleteRole(admin, "analyst", "nope") }, rbac.ErrUnknownRole},
		{"reassign above the actor", func() error { return e.authz.DeleteRole(admin, "analyst", "owner") }, workspace.ErrForbidden},
		{"reassign to a custom role above the actor", func() error { return e.authz.DeleteRole(admin, "analyst", "keymaster") }, workspace.ErrForbidden},
	}
	before, err := e.store.ListRoles(e.ctx, ws)
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.ErrorIs(t, c.do(), c.want)
			after, err := e.store.ListRoles(e.ctx, ws)
			require.NoError(t, err)
			require.Equal(t, before, after, "changes nothing")
		})
	}
}
