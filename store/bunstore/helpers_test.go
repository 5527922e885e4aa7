package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// t0 is a UTC time with microseconds, what the services store.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func seedAccount(t *testing.T, s *bunstore.Store, owner workspace.UserID) workspace.Account {
	t.Helper()
	a := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: owner, Plan: "pro", Version: 1, CreatedAt: t0}
	require.NoError(t, s.CreateAccount(t.Context(), a))
	return a
}

func seedWorkspace(t *testing.T, s *bunstore.Store, acct uuid.UUID, name string) workspace.Workspace {
	t.Helper()
	return seedWorkspaceCtx(t, t.Context(), s, acct, name)
}

// seedWorkspaceCtx writes with ctx, e.g. one Atomic passed to fn.
func seedWorkspaceCtx(t *testing.T, ctx context.Context, s *bunstore.Store, acct uuid.UUID, name string) workspace.Workspace {
	t.Helper()
	w := workspace.Workspace{ID: uuid.New(), AccountID: acct, Name: name, CreatedAt: t0, UpdatedAt: t0}
	require.NoError(t, s.CreateWorkspace(ctx, w))
	return w
}
