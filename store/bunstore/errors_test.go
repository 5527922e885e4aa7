package bunstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Constraint violations reach the caller as the contract's sentinels, with
// the PostgreSQL error (and its SQLSTATE) still in the chain.
func TestErrorsMapBySQLState(t *testing.T) {
	s := bunstore.New(migratedDB(t))
	a := seedAccount(t, s, "alice")
	w := seedWorkspace(t, s, a.ID, "Sales")
	other := seedWorkspace(t, s, a.ID, "Support")
	inv := func(ws uuid.UUID, status membership.Status, hash string) membership.Invitation {
		return membership.Invitation{
			ID: uuid.New(), WorkspaceID: ws, Email: "bob@example.com", Role: workspace.RoleMember,
			InvitedBy: "alice", TokenHash: []byte(hash), Status: status,
			CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour),
		}
	}
	require.NoError(t, s.CreateInvitation(t.Context(), inv(w.ID, membership.StatusPending, "taken")))

	tests := []struct {
		name     string
		call     func(ctx context.Context) error
		sentinel error
		sqlstate string
	}{
		{"duplicate account id", func(ctx context.Context) error { return s.CreateAccount(ctx, a) },
			workspace.ErrConflict, "23505"},
		{"workspace name taken ignoring case", func(ctx context.Context) error {
			return s.CreateWorkspace(ctx, workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "SALES", CreatedAt: t0, UpdatedAt: t0})
		}, workspace.ErrConflict, "23505"},
		{"workspace of an unknown account", func(ctx context.Context) error {
			return s.CreateWorkspace(ctx, workspace.Workspace{ID: uuid.New(), AccountID: uuid.New(), Name: "X", CreatedAt: t0, UpdatedAt: t0})
		}, workspace.ErrNotFound, "23503"},
		{"membership in an unknown workspace", func(ctx context.Context) error {
			return s.CreateMembership(ctx, workspace.Membership{WorkspaceID: uuid.New(), UserID: "bob", Role: workspace.RoleMember, CreatedAt: t0, UpdatedAt: t0})
		}, workspace.ErrNotFound, "23503"},
		{"token hash taken in another workspace", func(ctx context.Context) error {
			return s.CreateInvitation(ctx, inv(other.ID, membership.StatusPending, "taken"))
		}, workspace.ErrConflict, "23505"},
		{"unknown invitation status", func(ctx context.Context) error {
			return s.CreateInvitation(ctx, inv(w.ID, "maybe", "fresh"))
		}, workspace.ErrInvalid, "23514"},
		{"rename onto a taken name", func(ctx context.Context) error {
			other.Name = "sales"
			return s.UpdateWorkspace(ctx, other)
		}, workspace.ErrConflict, "23505"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, inTx := range []bool{false, true} {
				var err error
				if inTx {
					// Inside a transaction the failure must leave it usable.
					require.NoError(t, s.Atomic(t.Context(), func(ctx context.Context) error {
						err = tc.call(ctx)
						_, gerr := s.GetAccount(ctx, a.ID)
						return gerr
					}))
				} else {
					err = tc.call(t.Context())
				}
				require.ErrorIs(t, err, tc.sentinel)
				var pe *pgconn.PgError
				require.True(t, errors.As(err, &pe), "the PostgreSQL error stays in the chain: %v", err)
				require.Equal(t, tc.sqlstate, pe.Code)
			}
		})
	}
}

// The driver returns timestamptz in the local zone; the store hands back
// UTC values equal to the ones stored.
func TestTimesComeBackInUTC(t *testing.T) {
	s := bunstore.New(migratedDB(t))
	ctx := t.Context()
	a := seedAccount(t, s, "alice")
	w := seedWorkspace(t, s, a.ID, "Sales")
	m := workspace.Membership{WorkspaceID: w.ID, UserID: "bob", Role: workspace.RoleMember, Version: 1, CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
	require.NoError(t, s.CreateMembership(ctx, m))

	gotA, err := s.GetAccount(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, a, gotA)
	require.Same(t, time.UTC, gotA.CreatedAt.Location())
	gotW, err := s.GetWorkspace(ctx, w.ID)
	require.NoError(t, err)
	require.Equal(t, w, gotW)
	gotM, err := s.GetMembership(ctx, w.ID, "bob")
	require.NoError(t, err)
	require.Equal(t, m, gotM)
	acc, err := s.ListAccess(ctx, "bob", workspace.Page{})
	require.NoError(t, err)
	require.Len(t, acc, 1)
	require.Equal(t, w, acc[0].Workspace)
	require.Same(t, time.UTC, acc[0].Workspace.UpdatedAt.Location())
}
