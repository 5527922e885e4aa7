package membership_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestInviteWithCustomRole(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, _ := e.Account(t, "alice", "Sales")
	_, err := e.Authz.CreateRole(owner, "support-agent", []rbac.Permission{{Resource: "conversations", Action: "read"}, {Resource: "conversations", Action: "update"}})
	require.NoError(t, err)
	sc := e.Join(t, owner, "bob", "support-agent")
	require.NoError(t, e.Authz.Require(sc, "conversations", "update"))
	require.ErrorIs(t, e.Authz.Require(sc, "agents", "read"), workspace.ErrForbidden)
	require.ErrorIs(t, e.Authz.DeleteRole(owner, "support-agent", ""), workspace.ErrConflict, "held by bob")
}

// A custom role deleted while an invitation for it is being made: either the
// invitation exists and so does the role, or the invitation was refused.
// Never an invitation for a role that is gone.
func TestInviteRacingCustomRoleDeletion(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, w := e.Account(t, "alice", "Sales")
	for i := range 25 {
		role := workspace.Role(fmt.Sprintf("temp-%d", i))
		_, err := e.Authz.CreateRole(owner, role, []rbac.Permission{{Resource: "contacts", Action: "read"}})
		require.NoError(t, err)
		var wg sync.WaitGroup
		var inviteErr, deleteErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, inviteErr = e.Team.Invite(owner, fmt.Sprintf("u%d@example.com", i), role)
		}()
		go func() {
			defer wg.Done()
			deleteErr = e.Authz.DeleteRole(owner, role, "")
		}()
		wg.Wait()
		_, getErr := e.Store.GetRole(context.Background(), w.ID, role)
		switch {
		case inviteErr == nil:
			require.NoError(t, getErr, "an invitation was made, so its role must exist")
			require.ErrorIs(t, deleteErr, workspace.ErrConflict)
		case errors.Is(inviteErr, workspace.ErrInvalid):
			require.NoError(t, deleteErr)
			require.ErrorIs(t, getErr, workspace.ErrNotFound)
		default:
			t.Fatalf("unexpected invite error: %v", inviteErr)
		}
	}
}
