package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

var membershipTests = []test{
	{"CreateMembership/GetMembership round trip", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		m := e.member(w.ID, e.user("bob"), workspace.RoleAdmin)
		require.Equal(t, normMembership(m), e.getMembership(w.ID, m.UserID))
	}},
	{"CreateMembership of an existing member is ErrConflict and changes nothing", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		m := e.member(w.ID, e.user("bob"), workspace.RoleAdmin)
		dup := m
		dup.Role, dup.Version = workspace.RoleViewer, 9
		conflict(t, e.s.CreateMembership(e.ctx, dup))
		require.Equal(t, normMembership(m), e.getMembership(w.ID, m.UserID))
	}},
	{"CreateMembership of an API key's user is ErrInvalid and writes nothing", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		key := workspace.KeyUser(uuid.New())
		err := e.s.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: w.ID, UserID: key, Role: workspace.RoleOwner, Version: 1, CreatedAt: e.now, UpdatedAt: e.now})
		require.ErrorIs(t, err, workspace.ErrInvalid)
		_, err = e.s.GetMembership(e.ctx, w.ID, key)
		notFound(t, err)
	}},
	{"CreateMembership in an unknown workspace is ErrNotFound", func(t *testing.T, e *env) {
		ws := uuid.New()
		notFound(t, e.s.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: ws, UserID: e.user("bob"), Role: workspace.RoleMember, Version: 1, CreatedAt: e.now, UpdatedAt: e.now}))
		require.Empty(t, e.access(e.user("bob")))
		require.Empty(t, e.memberships(ws))
	}},
	{"GetMembership of a non-member is ErrNotFound", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		_, err := e.s.GetMembership(e.ctx, w.ID, e.user("bob"))
		notFound(t, err)
		_, err = e.s.GetMembership(e.ctx, w.ID, e.user("owner")) // derived, not stored
		notFound(t, err)
		_, err = e.s.GetMembership(e.ctx, uuid.New(), e.user("bob"))
		notFound(t, err)
	}},
	{"UpdateMembership replaces role, version and updated time only", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		m := e.member(w.ID, e.user("bob"), workspace.RoleMember)
		u := m
		u.Role, u.Version, u.UpdatedAt, u.CreatedAt = workspace.RoleAdmin, 2, e.at(time.Hour), e.at(-time.Hour)
		require.NoError(t, e.s.UpdateMembership(e.ctx, u))
		u.CreatedAt = m.CreatedAt
		require.Equal(t, normMembership(u), e.getMembership(w.ID, m.UserID))
	}},
	{"UpdateMembership of a non-member is ErrNotFound and creates nothing", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		m := workspace.Membership{WorkspaceID: w.ID, UserID: e.user("bob"), Role: workspace.RoleAdmin, Version: 2}
		notFound(t, e.s.UpdateMembership(e.ctx, m))
		_, err := e.s.GetMembership(e.ctx, w.ID, m.UserID)
		notFound(t, err)
	}},
	{"DeleteMembership removes the member, once", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.member(w.ID, e.user("bob"), workspace.RoleMember)
		keep := e.member(w.ID, e.user("carol"), workspace.RoleMember)
		require.NoError(t, e.s.DeleteMembership(e.ctx, w.ID, e.user("bob")))
		_, err := e.s.GetMembership(e.ctx, w.ID, e.user("bob"))
		notFound(t, err)
		_, err = e.s.GetAccess(e.ctx, w.ID, e.user("bob"))
		notFound(t, err)
		require.Empty(t, e.access(e.user("bob")))
		require.Equal(t, normMemberships([]workspace.Membership{keep}), e.memberships(w.ID))
		notFound(t, e.s.DeleteMembership(e.ctx, w.ID, e.user("bob")))
		notFound(t, e.s.DeleteMembership(e.ctx, uuid.New(), e.user("carol")))
	}},
	{"ListMemberships orders by user id in byte order and pages", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		// Byte order differs from most collations on case, punctuation
		// and non-ASCII letters.
		names := []string{"b", "B", "a", "_z", "Z", "ä", "a-b", "ab", "a_b", "A", "0", "é", "zz"}
		var want []workspace.Membership
		for _, n := range names {
			want = append(want, normMembership(e.member(w.ID, e.user(n), workspace.RoleMember)))
		}
		slices.SortFunc(want, func(a, b workspace.Membership) int {
			switch {
			case a.UserID < b.UserID:
				return -1
			case a.UserID > b.UserID:
				return 1
			}
			return 0
		})
		require.Equal(t, want, e.memberships(w.ID))
		require.Equal(t, len(names), e.count(e.s.CountMemberships(e.ctx, w.ID)))

		var paged []workspace.Membership
		after := workspace.UserID("")
		for range 10 {
			page, err := e.s.ListMemberships(e.ctx, w.ID, after, 4)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 4)
			paged = append(paged, normMemberships(page)...)
			if len(page) < 4 {
				break
			}
			after = page[len(page)-1].UserID
		}
		require.Equal(t, want, paged)

		// after is a position: a user id that is no member works too.
		page, err := e.s.ListMemberships(e.ctx, w.ID, e.user("b0"), 0)
		require.NoError(t, err)
		var rest []workspace.Membership
		for _, m := range want {
			if m.UserID > e.user("b0") {
				rest = append(rest, m)
			}
		}
		require.Equal(t, rest, normMemberships(page))
	}},
	{"ListMemberships and CountMemberships of an unknown workspace are empty", func(t *testing.T, e *env) {
		require.Empty(t, e.memberships(uuid.New()))
		require.Zero(t, e.count(e.s.CountMemberships(e.ctx, uuid.New())))
	}},
}
