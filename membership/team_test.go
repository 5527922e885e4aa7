package membership_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestTeamListsAccountOwnerAsOwnerInOrder(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, _ := e.Account(t, "mallory", "Sales") // sorts between the members
	for _, u := range []workspace.UserID{"zed", "adam", "nina", "bob", "yan"} {
		e.Join(t, owner, u, workspace.RoleMember)
	}
	viewer := e.Join(t, owner, "vic", workspace.RoleViewer)

	var got []membership.Member
	page := membership.TeamPage{Limit: 2}
	for {
		ms, err := e.Team.Team(viewer, page)
		require.NoError(t, err)
		got = append(got, ms...)
		if len(ms) < page.Limit {
			break
		}
		page.After = ms[len(ms)-1].UserID
	}
	var ids []workspace.UserID
	for _, m := range got {
		ids = append(ids, m.UserID)
		if m.UserID == "mallory" {
			require.True(t, m.AccountOwner)
			require.Equal(t, workspace.RoleOwner, m.Role)
		}
	}
	require.Equal(t, []workspace.UserID{"adam", "bob", "mallory", "nina", "vic", "yan", "zed"}, ids)

	_, err := e.Team.Team(context.Background(), membership.TeamPage{})
	require.ErrorIs(t, err, workspace.ErrNoScope)
	_, err = e.Team.Team(owner, membership.TeamPage{Limit: -1})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

func TestChangeRoleRules(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, sales := e.Account(t, "alice", "Sales")
	admin := e.Join(t, owner, "adam", workspace.RoleAdmin)
	e.Join(t, owner, "olly", workspace.RoleOwner)
	member := e.Join(t, owner, "mia", workspace.RoleMember)

	for name, tc := range map[string]struct {
		ctx  context.Context
		user workspace.UserID
		role workspace.Role
		err  error
	}{
		"no scope":                {context.Background(), "mia", workspace.RoleViewer, workspace.ErrNoScope},
		"member cannot manage":    {member, "mia", workspace.RoleAdmin, workspace.ErrForbidden},
		"admin cannot grant up":   {admin, "mia", workspace.RoleOwner, workspace.ErrForbidden},
		"admin cannot touch":      {admin, "olly", workspace.RoleViewer, workspace.ErrForbidden},
		"account owner is fixed":  {owner, "alice", workspace.RoleViewer, membership.ErrAccountOwner},
		"not a member":            {owner, "nobody", workspace.RoleViewer, workspace.ErrNotFound},
		"unknown role":            {owner, "mia", "superuser", workspace.ErrInvalid},
		"malformed role":          {owner, "mia", "", workspace.ErrInvalid},
		"empty user":              {owner, "", workspace.RoleViewer, workspace.ErrInvalid},
		"admin on account owner":  {admin, "alice", workspace.RoleViewer, membership.ErrAccountOwner},
		"owner demotes account o": {owner, "alice", workspace.RoleAdmin, membership.ErrAccountOwner},
	} {
		_, err := e.Team.ChangeRole(tc.ctx, tc.user, tc.role)
		require.ErrorIs(t, err, tc.err, name)
	}
	require.Equal(t, map[workspace.UserID]workspace.Role{"alice": "owner", "adam": "admin", "olly": "owner", "mia": "member"}, team(t, e, owner), "refusals change nothing")

	m, err := e.Team.ChangeRole(admin, "mia", workspace.RoleViewer)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleViewer, m.Role)
	require.Equal(t, int64(2), m.Version)
	ev := testenv.Last[membership.RoleChanged](t, e.Events)
	require.Equal(t, membership.RoleChanged{EventMeta: ev.EventMeta, Member: "mia", From: "member", To: "viewer"}, ev)
	require.Equal(t, sales.ID, ev.WorkspaceID)

	// The next decision already uses the new role.
	require.ErrorIs(t, e.Authz.Require(member, "agents", "create"), workspace.ErrForbidden)
}

func TestRolesDifferPerWorkspace(t *testing.T) {
	e := newEnv(t, unlimited)
	sales, _ := e.Account(t, "alice", "Sales")
	w, err := e.WS.Create(sales, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	support := e.SwitchTo(t, "alice", w)
	bobSales := e.Join(t, sales, "bob", workspace.RoleAdmin)
	bobSupport := e.Join(t, support, "bob", workspace.RoleViewer)

	_, err = e.Team.ChangeRole(support, "bob", workspace.RoleMember)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleAdmin, team(t, e, sales)["bob"], "a change in one workspace leaves the other")
	require.Equal(t, workspace.RoleMember, team(t, e, support)["bob"])
	require.NoError(t, e.Authz.Require(bobSales, "team", "manage"))
	require.ErrorIs(t, e.Authz.Require(bobSupport, "team", "manage"), workspace.ErrForbidden)
}

func TestRemoveAndLeave(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, sales := e.Account(t, "alice", "Sales")
	admin := e.Join(t, owner, "adam", workspace.RoleAdmin)
	e.Join(t, owner, "olly", workspace.RoleOwner)
	bob := e.Join(t, owner, "bob", workspace.RoleMember)
	carol := e.Join(t, owner, "carol", workspace.RoleViewer)

	require.ErrorIs(t, e.Team.Remove(admin, "olly"), workspace.ErrForbidden)
	require.ErrorIs(t, e.Team.Remove(bob, "carol"), workspace.ErrForbidden)
	require.ErrorIs(t, e.Team.Remove(owner, "alice"), membership.ErrAccountOwner)
	require.ErrorIs(t, e.Team.Leave(owner), membership.ErrAccountOwner)
	require.ErrorIs(t, e.Team.Remove(owner, "nobody"), workspace.ErrNotFound)

	require.NoError(t, e.Team.Remove(admin, "bob"))
	require.ErrorIs(t, e.Authz.Require(bob, "agents", "read"), workspace.ErrForbidden, "removal changes the next decision")
	_, err := e.WS.Switch(context.Background(), "bob", sales.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)

	require.NoError(t, e.Team.Leave(carol))
	require.True(t, testenv.Last[membership.Removed](t, e.Events).Left)
	require.ErrorIs(t, e.Team.Leave(carol), workspace.ErrNotFound)
	require.Equal(t, map[workspace.UserID]workspace.Role{"alice": "owner", "adam": "admin", "olly": "owner"}, team(t, e, owner))
}

func TestTransferOwnership(t *testing.T) {
	e := newEnv(t, unlimited)
	alice, sales := e.Account(t, "alice", "Sales")
	w, err := e.WS.Create(alice, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	bob := e.Join(t, alice, "bob", workspace.RoleMember)

	require.ErrorIs(t, e.Team.TransferOwnership(bob, "alice", ""), workspace.ErrForbidden)
	require.ErrorIs(t, e.Team.TransferOwnership(alice, "nobody", ""), workspace.ErrNotFound)
	require.ErrorIs(t, e.Team.TransferOwnership(alice, "alice", ""), workspace.ErrInvalid)
	require.ErrorIs(t, e.Team.TransferOwnership(alice, "bob", "custom"), workspace.ErrInvalid)

	require.NoError(t, e.Team.TransferOwnership(alice, "bob", ""))
	for _, ws := range []workspace.Workspace{sales, w} {
		sc, err := e.WS.Switch(context.Background(), "bob", ws.ID)
		require.NoError(t, err)
		require.Equal(t, workspace.RoleOwner, sc.Role)
		sc, err = e.WS.Switch(context.Background(), "alice", ws.ID)
		require.NoError(t, err)
		require.Equal(t, workspace.RoleAdmin, sc.Role, "the previous owner keeps admin")
	}
	bobNow := e.SwitchTo(t, "bob", sales)
	later, err := e.WS.Create(bobNow, workspace.NewWorkspace{Name: "Later"})
	require.NoError(t, err)
	sc, err := e.WS.Switch(context.Background(), "bob", later.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleOwner, sc.Role)
	_, err = e.WS.Switch(context.Background(), "alice", later.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound, "ownership moved: alice does not own workspaces created later")

	// The old owner's scope lost its owner powers at once; the new owner cannot be demoted.
	require.ErrorIs(t, e.Authz.Require(alice, "settings", "delete"), workspace.ErrForbidden)
	_, err = e.Team.ChangeRole(bobNow, "bob", workspace.RoleViewer)
	require.ErrorIs(t, err, membership.ErrAccountOwner)
	ev := testenv.Last[membership.OwnershipTransferred](t, e.Events)
	require.Equal(t, membership.OwnershipTransferred{EventMeta: ev.EventMeta, From: "alice", To: "bob", PreviousOwnerRole: workspace.RoleAdmin}, ev)
}
