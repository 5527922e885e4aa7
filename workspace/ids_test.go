package workspace_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func TestKeyUsersAreNotPeople(t *testing.T) {
	id := workspace.NewID()
	u := workspace.KeyUser(id)
	require.Equal(t, workspace.UserID("apikey:"+id.String()), u)
	got, ok := u.KeyID()
	require.True(t, ok)
	require.Equal(t, id, got)
	require.ErrorIs(t, workspace.ValidateUser(u), workspace.ErrInvalid, "no person may be named like a key")
	require.ErrorIs(t, workspace.ValidateUser("apikey:anything"), workspace.ErrInvalid)

	for _, s := range []string{"alice", "apikey:", "apikey:" + strings.ToUpper(id.String()), "apikey:{" + id.String() + "}",
		"apikey:" + strings.ReplaceAll(id.String(), "-", ""), "APIKEY:" + id.String()} {
		got, ok := workspace.UserID(s).KeyID()
		require.False(t, ok, s)
		require.Equal(t, uuid.Nil, got, s)
	}
	for _, u := range []string{"APIKEY:x", "ApiKey:" + id.String(), "\u200bapikey:" + id.String(), "api\u200bkey:x", "\ufeffbob", "bob\u2060"} {
		require.ErrorIs(t, workspace.ValidateUser(workspace.UserID(u)), workspace.ErrInvalid, "%q", u)
	}
	require.NoError(t, workspace.ValidateUser("apikeys-team"), "only the prefix with its colon is reserved")
}
