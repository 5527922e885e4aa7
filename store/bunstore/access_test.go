package bunstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// GetAccess and ListAccess are one query each, and with sequential scans
// disabled their plans use indexes only: a user in thousands of workspaces
// never makes them scan memberships or workspaces.
func TestAccessIsOneIndexedQuery(t *testing.T) {
	db := migratedDB(t)
	db.SetMaxOpenConns(1) // the SET below must hold for the EXPLAINs
	s := bunstore.New(db)
	ctx := t.Context()
	a := seedAccount(t, s, "alice")
	other := seedAccount(t, s, "carol")
	var last workspace.Workspace
	for i := range 5 {
		seedWorkspace(t, s, a.ID, fmt.Sprint("own", i))
		last = seedWorkspace(t, s, other.ID, fmt.Sprint("member", i))
		require.NoError(t, s.CreateMembership(ctx, workspace.Membership{WorkspaceID: last.ID, UserID: "alice", Role: workspace.RoleViewer, Version: 1, CreatedAt: t0, UpdatedAt: t0}))
	}
	got, err := s.ListAccess(ctx, "alice", workspace.Page{Limit: 4})
	require.NoError(t, err)
	require.Len(t, got, 4)

	_, err = db.ExecContext(ctx, "SET enable_seqscan = off")
	require.NoError(t, err)
	for i, args := range [][]any{{"alice", last.ID}, {"alice", uuid.Nil, 4}} {
		q := bunstore.AccessQueriesForTest[i]
		rows, err := db.DB.QueryContext(ctx, "EXPLAIN "+q, args...)
		require.NoError(t, err)
		var plan strings.Builder
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			plan.WriteString(line + "\n")
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.NotContains(t, plan.String(), "Seq Scan", "query:\n%s\nplan:\n%s", q, plan.String())
		require.Contains(t, plan.String(), "Index")
	}
}

// seedUserInWorkspaces makes user a member of n workspaces (and owner of
// the account of n/10 more), in a database of its own, for benchmarks.
func seedUserInWorkspaces(b *testing.B, user workspace.UserID, n int) (*bunstore.Store, []uuid.UUID) {
	b.Helper()
	db := migratedDBB(b)
	s := bunstore.New(db)
	ctx := b.Context()
	owned := workspace.Account{ID: uuid.New(), Name: "own", OwnerID: user, Version: 1, CreatedAt: t0}
	others := workspace.Account{ID: uuid.New(), Name: "others", OwnerID: "someone-else", Version: 1, CreatedAt: t0}
	require.NoError(b, s.CreateAccount(ctx, owned))
	require.NoError(b, s.CreateAccount(ctx, others))
	var ids []uuid.UUID
	require.NoError(b, s.Atomic(ctx, func(ctx context.Context) error {
		for i := range n + n/10 {
			acct := others.ID
			if i >= n {
				acct = owned.ID
			}
			w := workspace.Workspace{ID: workspace.NewID(), AccountID: acct, Name: fmt.Sprint("w", i), CreatedAt: t0, UpdatedAt: t0}
			if err := s.CreateWorkspace(ctx, w); err != nil {
				return err
			}
			ids = append(ids, w.ID)
			// Other users fill the memberships table around the one measured.
			for _, u := range []workspace.UserID{user, "x-" + workspace.UserID(fmt.Sprint(i)), "y-" + workspace.UserID(fmt.Sprint(i))} {
				if acct == owned.ID && u == user {
					continue
				}
				if err := s.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: u, Role: workspace.RoleMember, Version: 1, CreatedAt: t0, UpdatedAt: t0}); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	_, err := db.ExecContext(ctx, "ANALYZE")
	require.NoError(b, err)
	return s, ids
}

func BenchmarkGetAccess(b *testing.B) {
	s, ids := seedUserInWorkspaces(b, "bench-user", 2000)
	ctx := b.Context()
	i := 0
	for b.Loop() {
		if _, err := s.GetAccess(ctx, ids[i%len(ids)], "bench-user"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListAccess reads one 50-item page from the middle of a user's
// 2200 workspaces.
func BenchmarkListAccess(b *testing.B) {
	s, ids := seedUserInWorkspaces(b, "bench-user", 2000)
	ctx := b.Context()
	after := ids[len(ids)/2]
	for b.Loop() {
		got, err := s.ListAccess(ctx, "bench-user", workspace.Page{After: after, Limit: 50})
		if err != nil || len(got) != 50 {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkRoundTrip is the floor the two above compare with: SELECT 1
// through the same driver and pool.
func BenchmarkRoundTrip(b *testing.B) {
	db := migratedDBB(b)
	ctx := b.Context()
	var one int
	for b.Loop() {
		if err := db.NewRaw("SELECT 1").Scan(ctx, &one); err != nil {
			b.Fatal(err)
		}
	}
}
