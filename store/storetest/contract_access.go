package storetest

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

var accessTests = []test{
	{"GetAccess derives owner for the account owner without a membership", func(t *testing.T, e *env) {
		owner := e.user("owner")
		a := e.account(owner)
		a.Version = 3
		require.NoError(t, e.s.UpdateAccount(e.ctx, a))
		w := e.workspace(a.ID, "Sales")
		got, err := e.s.GetAccess(e.ctx, w.ID, owner)
		require.NoError(t, err)
		require.Equal(t, workspace.Access{Workspace: normWorkspace(w), Role: workspace.RoleOwner, Version: 3, AccountOwner: true}, normAccess(got))
		require.Empty(t, e.memberships(w.ID), "the derived owner is not a stored membership")
		require.Zero(t, e.count(e.s.CountMemberships(e.ctx, w.ID)))
	}},
	{"GetAccess returns the stored membership's role and version", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		m := e.member(w.ID, e.user("bob"), workspace.RoleViewer)
		m.Version = 5
		require.NoError(t, e.s.UpdateMembership(e.ctx, m))
		got, err := e.s.GetAccess(e.ctx, w.ID, e.user("bob"))
		require.NoError(t, err)
		require.Equal(t, workspace.Access{Workspace: normWorkspace(w), Role: workspace.RoleViewer, Version: 5}, normAccess(got))
	}},
	{"GetAccess without membership or of an unknown workspace is ErrNotFound", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		_, err := e.s.GetAccess(e.ctx, w.ID, e.user("stranger"))
		notFound(t, err)
		_, err = e.s.GetAccess(e.ctx, uuid.New(), e.user("owner"))
		notFound(t, err)
	}},
	{"GetAccess and ListAccess shadow a stored membership of the account owner", func(t *testing.T, e *env) {
		owner := e.user("owner")
		a := e.account(owner)
		w := e.workspace(a.ID, "Sales")
		m := e.member(w.ID, owner, workspace.RoleViewer)
		m.Version = 42
		require.NoError(t, e.s.UpdateMembership(e.ctx, m))
		want := workspace.Access{Workspace: normWorkspace(w), Role: workspace.RoleOwner, Version: 1, AccountOwner: true}
		got, err := e.s.GetAccess(e.ctx, w.ID, owner)
		require.NoError(t, err)
		require.Equal(t, want, normAccess(got))
		require.Equal(t, []workspace.Access{want}, e.access(owner))
	}},
	{"ownership follows UpdateAccount", func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		a := e.account(alice)
		w := e.workspace(a.ID, "Sales")
		e.member(w.ID, bob, workspace.RoleMember)
		a.OwnerID, a.Version = bob, 2
		require.NoError(t, e.s.UpdateAccount(e.ctx, a))

		got, err := e.s.GetAccess(e.ctx, w.ID, bob)
		require.NoError(t, err)
		require.Equal(t, workspace.Access{Workspace: normWorkspace(w), Role: workspace.RoleOwner, Version: 2, AccountOwner: true}, normAccess(got))
		_, err = e.s.GetAccess(e.ctx, w.ID, alice)
		notFound(t, err)
		require.Empty(t, e.access(alice))
		require.Equal(t, []uuid.UUID{w.ID}, accessIDs(e.access(bob)))
	}},
	{"ListAccess lists owned and member workspaces by id, with the role in each", func(t *testing.T, e *env) {
		user := e.user("user")
		mine := e.account(user)
		theirs := e.account(e.user("other"))
		var want []workspace.Access
		for i := range 4 {
			w := e.workspace(mine.ID, "Mine "+string(rune('a'+i)))
			want = append(want, workspace.Access{Workspace: normWorkspace(w), Role: workspace.RoleOwner, Version: 1, AccountOwner: true})
		}
		roles := workspace.BuiltinRoles()
		for i := range 4 {
			w := e.workspace(theirs.ID, "Theirs "+string(rune('a'+i)))
			e.member(w.ID, user, roles[i])
			want = append(want, workspace.Access{Workspace: normWorkspace(w), Role: roles[i], Version: 1})
		}
		e.workspace(theirs.ID, "Not mine")
		slices.SortFunc(want, func(a, b workspace.Access) int { return compareIDs(a.Workspace.ID, b.Workspace.ID) })
		require.Equal(t, want, e.access(user))
		require.Empty(t, e.access(e.user("nobody")))
	}},
	{"ListAccess pages by id without gaps or repeats", func(t *testing.T, e *env) {
		user := e.user("user")
		a := e.account(user)
		b := e.account(e.user("other"))
		for i := range 20 {
			e.workspace(a.ID, "A"+string(rune('a'+i)))
			w := e.workspace(b.ID, "B"+string(rune('a'+i)))
			if i%2 == 0 {
				e.member(w.ID, user, workspace.RoleMember)
			}
		}
		all := e.access(user)
		require.Len(t, all, 30)
		require.True(t, slices.IsSortedFunc(all, func(x, y workspace.Access) int { return compareIDs(x.Workspace.ID, y.Workspace.ID) }))

		var paged []workspace.Access
		after := uuid.Nil
		for range 10 {
			page, err := e.s.ListAccess(e.ctx, user, workspace.Page{After: after, Limit: 7})
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 7)
			paged = append(paged, normAccesses(page)...)
			if len(page) < 7 {
				break
			}
			after = page[len(page)-1].Workspace.ID
		}
		require.Equal(t, all, paged)

		// After is a position, not a row: an id that is no workspace works.
		cut := uuid.New()
		page, err := e.s.ListAccess(e.ctx, user, workspace.Page{After: cut, Limit: 100})
		require.NoError(t, err)
		var want []workspace.Access
		for _, x := range all {
			if compareIDs(x.Workspace.ID, cut) > 0 {
				want = append(want, x)
			}
		}
		require.Equal(t, len(want), len(page))
		if len(want) > 0 {
			require.Equal(t, want, normAccesses(page))
		}

		// Limit 0 means no limit.
		page, err = e.s.ListAccess(e.ctx, user, workspace.Page{})
		require.NoError(t, err)
		require.Len(t, page, 30)
	}},
}
