package membership_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

var unlimited = testenv.Unlimited

func newEnv(t *testing.T, plans workspace.Plans) *testenv.Env { return testenv.New(t, plans) }

// pending returns the workspace's pending invitations as its owner sees them.
func pending(t *testing.T, e *testenv.Env, ctx context.Context) []membership.Invitation {
	t.Helper()
	invs, err := e.Team.Pending(ctx)
	require.NoError(t, err)
	return invs
}

// team returns the whole team list of the workspace of ctx.
func team(t *testing.T, e *testenv.Env, ctx context.Context) map[workspace.UserID]workspace.Role {
	t.Helper()
	ms, err := e.Team.Team(ctx, membership.TeamPage{Limit: workspace.MaxPageSize})
	require.NoError(t, err)
	out := map[workspace.UserID]workspace.Role{}
	for _, m := range ms {
		out[m.UserID] = m.Role
	}
	return out
}
