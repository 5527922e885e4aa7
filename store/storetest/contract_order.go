package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

// craftedIDs returns ids in byte order that differ only where a store that
// compares them in any other way would go wrong: a shared random prefix, then
// bytes with the high bit set (signed comparison), a difference in the last
// byte against one in the ninth (word order), and so on. The suite's tests
// share one store, so the prefix keeps them apart from other tests' ids.
func craftedIDs() []uuid.UUID {
	base := uuid.New()
	set := func(pos ...int) uuid.UUID {
		id := base
		for i := range id[6:] {
			id[6+i] = 0
		}
		for i := 0; i < len(pos); i += 2 {
			id[pos[i]] = byte(pos[i+1])
		}
		return id
	}
	return []uuid.UUID{
		set(15, 0x01),
		set(15, 0xff),
		set(8, 0x01, 15, 0x00),
		set(8, 0x7f, 15, 0xff),
		set(8, 0x80),
		set(7, 0x01),
		set(6, 0x7f),
		set(6, 0x80),
		set(6, 0xff, 15, 0x01),
	}
}

var orderTests = []test{
	{"ids are ordered byte by byte in every list", func(t *testing.T, e *env) {
		owner := e.user("owner")
		a := e.account(owner)
		ids := craftedIDs()
		// Insert in reverse so that insertion order is not the answer.
		for i := len(ids) - 1; i >= 0; i-- {
			w := workspace.Workspace{ID: ids[i], AccountID: a.ID, Name: "W" + string(rune('a'+i)), CreatedAt: e.now, UpdatedAt: e.now}
			require.NoError(t, e.s.CreateWorkspace(e.ctx, w))
		}
		var got []uuid.UUID
		for _, w := range e.accountWorkspaces(a.ID) {
			got = append(got, w.ID)
		}
		require.Equal(t, ids, got, "ListAccountWorkspaces")
		require.Equal(t, ids, accessIDs(e.access(owner)), "ListAccess")
		for i := range ids {
			page, err := e.s.ListAccess(e.ctx, owner, workspace.Page{After: ids[i], Limit: 2})
			require.NoError(t, err)
			require.Equal(t, ids[i+1:min(i+3, len(ids))], accessIDs(page), "ListAccess after %s", ids[i])
		}

		w := ids[0]
		for i := len(ids) - 1; i >= 0; i-- {
			inv := e.newInvitation(w, e.email(string(rune('a'+i))), workspace.RoleMember)
			inv.ID = ids[i]
			require.NoError(t, e.s.CreateInvitation(e.ctx, inv))
		}
		got = got[:0]
		for _, inv := range e.pending(w) {
			got = append(got, inv.ID)
		}
		require.Equal(t, ids, got, "ListPendingInvitations")
	}},
}
