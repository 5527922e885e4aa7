package membership_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// Member answers "what is this user's role here?" with exactly the line
// Team lists for them, without paging.
func TestMemberIsTheTeamLine(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, _ := e.Account(t, "alice", "Sales")
	e.Join(t, ctx, "bob", workspace.RoleViewer)
	e.Join(t, ctx, "carol", workspace.RoleAdmin)
	team, err := e.Team.Team(ctx, membership.TeamPage{})
	require.NoError(t, err)
	require.Len(t, team, 3)
	for _, line := range team {
		m, err := e.Team.Member(ctx, line.UserID)
		require.NoError(t, err)
		require.Equal(t, line, m)
	}
	_, err = e.Team.Member(ctx, "mallory")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = e.Team.Member(ctx, "")
	require.ErrorIs(t, err, workspace.ErrInvalid)
	_, err = e.Team.Member(t.Context(), "bob")
	require.ErrorIs(t, err, workspace.ErrNoScope)
}
