package membership_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// A host may call the services inside its own transaction; what it rolls
// back must leave no trace: no event, no cached permission.
func TestHostTransactionRollbackLeavesNoTrace(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, w := e.Account(t, "alice", "Sales")
	_, token, err := e.Team.Invite(owner, "bob@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
	joinedBefore := testenv.Count[membership.Joined](e.Events)

	boom := errors.New("host failure after accept")
	var inside workspace.Scope
	err = e.Store.Atomic(context.Background(), func(ctx context.Context) error {
		sc, err := e.Team.Accept(ctx, "bob", token)
		if err != nil {
			return err
		}
		inside = sc
		// Inside the transaction bob already is a member (read your writes).
		require.NoError(t, e.Authz.Require(workspace.WithScope(ctx, sc), "team", "manage"))
		return boom
	})
	require.ErrorIs(t, err, boom)

	bob := workspace.WithScope(context.Background(), inside)
	require.ErrorIs(t, e.Authz.Require(bob, "team", "manage"), workspace.ErrForbidden, "nothing cached from the rolled-back transaction")
	_, _, err = e.Team.Invite(bob, "x@example.com", workspace.RoleAdmin)
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.Equal(t, joinedBefore, testenv.Count[membership.Joined](e.Events), "no event for a join that was rolled back")
	_, err = e.Store.GetMembership(context.Background(), w.ID, "bob")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	// The token is still good, and the committed join is seen at once.
	sc, err := e.Team.Accept(context.Background(), "bob", token)
	require.NoError(t, err)
	require.NoError(t, e.Authz.Require(workspace.WithScope(context.Background(), sc), "team", "manage"))
	require.Equal(t, joinedBefore+1, testenv.Count[membership.Joined](e.Events))
}

// Permission checks are made again under the workspace lock on fresh data:
// an admin demoted earlier in the same transaction can no longer invite.
func TestDemotionWinsInsideTheTransaction(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, _ := e.Account(t, "alice", "Sales")
	admin := e.Join(t, owner, "adam", workspace.RoleAdmin)
	require.NoError(t, e.Authz.Require(admin, "team", "manage")) // warm the cache

	err := e.Store.Atomic(context.Background(), func(ctx context.Context) error {
		if _, err := e.Team.ChangeRole(scoped(ctx, owner), "adam", workspace.RoleViewer); err != nil {
			return err
		}
		_, _, err := e.Team.Invite(scoped(ctx, admin), "x@example.com", workspace.RoleAdmin)
		return err
	})
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.Equal(t, workspace.RoleAdmin, team(t, e, owner)["adam"], "the whole transaction rolled back")
}

// scoped carries the scope of from into ctx (which holds a transaction).
func scoped(ctx, from context.Context) context.Context {
	sc, _ := workspace.ScopeFrom(from)
	return workspace.WithScope(ctx, sc)
}

// Inside a transaction the authorizer reads only what decides for the
// caller; its answers must equal the cached path's for every role.
func TestDecisionsInsideATransactionMatchCachedOnes(t *testing.T) {
	e := newEnv(t, unlimited)
	owner, _ := e.Account(t, "alice", "Sales")
	_, err := e.Authz.CreateRole(owner, "support-agent", []rbac.Permission{{Resource: "conversations", Action: "read"}, {Resource: "contacts", Action: "update"}})
	require.NoError(t, err)
	users := map[string]context.Context{"owner": owner}
	for _, r := range []workspace.Role{workspace.RoleAdmin, workspace.RoleMember, workspace.RoleViewer, "support-agent"} {
		users[string(r)] = e.Join(t, owner, workspace.UserID("u-"+r), r)
	}
	users["stranger"] = workspace.WithScope(context.Background(), func() workspace.Scope {
		sc, _ := workspace.ScopeFrom(owner)
		sc.UserID = "stranger"
		return sc
	}())
	perms, err := e.Authz.Permissions(owner) // the owner holds every registered permission
	require.NoError(t, err)
	require.NotEmpty(t, perms)
	for name, ctx := range users {
		for _, p := range perms {
			cached, err := e.Authz.Can(ctx, p.Resource, p.Action)
			require.NoError(t, err)
			var inside bool
			require.NoError(t, e.Store.Atomic(ctx, func(tx context.Context) error {
				inside, err = e.Authz.Can(tx, p.Resource, p.Action)
				return err
			}))
			require.Equal(t, cached, inside, "%s %s", name, p)
		}
	}
}
