package apikey_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestAuthenticateGivesTheKeysScope(t *testing.T) {
	e := newEnv(t)
	alice, sales := e.account(t, "alice", "", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "reader", Role: workspace.RoleViewer})
	require.NoError(t, err)

	for range 2 { // a miss, then a hit
		sc, err := e.keys.Authenticate(context.Background(), secret)
		require.NoError(t, err)
		require.Equal(t, workspace.KeyUser(k.ID), sc.UserID)
		require.Equal(t, sales.ID, sc.WorkspaceID)
		require.Equal(t, sales.AccountID, sc.AccountID)
		id, isKey := sc.UserID.KeyID()
		require.True(t, isKey)
		require.Equal(t, k.ID, id)
	}
	key := e.as(t, secret)
	require.NoError(t, e.authz.Require(key, rbac.ResourceConversations, rbac.ActionRead))
	require.ErrorIs(t, e.authz.Require(key, rbac.ResourceAgents, rbac.ActionCreate), workspace.ErrForbidden)

	// The team lists people, never keys.
	team, err := e.team.Team(alice, membership.TeamPage{})
	require.NoError(t, err)
	for _, m := range team {
		_, isKey := m.UserID.KeyID()
		require.False(t, isKey, "team line %v", m)
	}
	// A person cannot take a key's name.
	_, err = e.ws.Switch(context.Background(), workspace.KeyUser(k.ID), sales.ID)
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

func TestAuthenticateRefusesWhatIsNotTheSecret(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "a", Role: workspace.RoleViewer})
	require.NoError(t, err)
	k2, secret2, err := e.keys.Create(alice, apikey.NewKey{Name: "b", Role: workspace.RoleViewer})
	require.NoError(t, err)
	random := secret[len(k.Prefix())+1:]
	flip := []byte(secret)
	flip[len(flip)-2] ^= 1
	for name, s := range map[string]string{
		"empty":             "",
		"upper-case id":     "wsk_" + strings.ToUpper(secret[4:36]) + secret[36:],
		"other prefix":      "wsx" + secret[3:],
		"short":             secret[:len(secret)-1],
		"long":              secret + "A",
		"bad separator":     secret[:36] + "-" + secret[37:],
		"random changed":    string(flip),
		"other key's id":    k2.Prefix() + "_" + random,
		"unknown id":        "wsk_" + strings.ReplaceAll(uuid.NewString(), "-", "") + "_" + random,
		"padding":           secret[:len(secret)-1] + "=",
		"non-canonical end": secret[:len(secret)-1] + nonCanonical(secret[len(secret)-1]),
	} {
		_, err := e.keys.Authenticate(context.Background(), s)
		require.ErrorIs(t, err, apikey.ErrKeyUnknown, name)
	}
	// Both real secrets still work, after the failures and in either order.
	for _, s := range []string{secret2, secret, secret2} {
		_, err := e.keys.Authenticate(context.Background(), s)
		require.NoError(t, err)
	}
}

// nonCanonical returns another base64url character that decodes to the
// same bytes as c when c is the last of 43 (its low two bits are unused).
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i^1])
}

func TestRevokedAndExpiredKeysStopAtOnce(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	revoked, rs, err := e.keys.Create(alice, apikey.NewKey{Name: "r", Role: workspace.RoleMember})
	require.NoError(t, err)
	_, xs, err := e.keys.Create(alice, apikey.NewKey{Name: "x", Role: workspace.RoleMember, ExpiresAt: e.clock().Add(time.Minute)})
	require.NoError(t, err)
	rctx, xctx := e.as(t, rs), e.as(t, xs) // both cached, scopes handed out
	require.NoError(t, e.authz.Require(rctx, rbac.ResourceAgents, rbac.ActionCreate))
	require.NoError(t, e.authz.Require(xctx, rbac.ResourceAgents, rbac.ActionCreate))

	require.NoError(t, e.keys.Revoke(alice, revoked.ID))
	_, err = e.keys.Authenticate(context.Background(), rs)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	require.ErrorIs(t, e.authz.Require(rctx, rbac.ResourceAgents, rbac.ActionCreate), workspace.ErrForbidden,
		"a scope handed out before the revocation is denied too")
	require.ErrorIs(t, e.keys.Revoke(alice, revoked.ID), apikey.ErrKeyRevoked)
	_, err = e.keys.Rename(alice, revoked.ID, "again")
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)

	e.advance(time.Minute)
	_, err = e.keys.Authenticate(context.Background(), xs)
	require.ErrorIs(t, err, apikey.ErrKeyExpired)
	require.ErrorIs(t, e.authz.Require(xctx, rbac.ResourceAgents, rbac.ActionCreate), workspace.ErrForbidden,
		"the Authorizer's snapshot stops answering for the key at its expiry")
	rev := last[apikey.Revoked](t, e)
	require.Equal(t, revoked.ID.String(), rev.KeyID)
}

func TestRoleChangesApplyToHandedOutScopes(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	admin := e.join(t, alice, "ann", workspace.RoleAdmin)
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "k", Role: workspace.RoleViewer})
	require.NoError(t, err)
	key := e.as(t, secret)
	require.ErrorIs(t, e.authz.Require(key, rbac.ResourceAgents, rbac.ActionCreate), workspace.ErrForbidden)

	got, err := e.keys.ChangeRole(admin, k.ID, workspace.RoleMember)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleMember, got.Role)
	require.NoError(t, e.authz.Require(key, rbac.ResourceAgents, rbac.ActionCreate))
	ev := last[apikey.RoleChanged](t, e)
	require.Equal(t, workspace.RoleViewer, ev.From)
	require.Equal(t, workspace.RoleMember, ev.To)

	_, err = e.keys.ChangeRole(admin, k.ID, workspace.RoleOwner)
	require.ErrorIs(t, err, workspace.ErrForbidden, "not above the caller's own role")
	owners, _, err := e.keys.Create(alice, apikey.NewKey{Name: "owner's", Role: workspace.RoleOwner})
	require.NoError(t, err)
	require.ErrorIs(t, e.keys.Revoke(admin, owners.ID), workspace.ErrForbidden, "an admin cannot touch an owner's key")
	_, err = e.keys.Rename(admin, owners.ID, "mine")
	require.ErrorIs(t, err, workspace.ErrForbidden)
	renamed, err := e.keys.Rename(alice, owners.ID, " release bot ")
	require.NoError(t, err)
	require.Equal(t, "release bot", renamed.Name)
}

func TestKeysOfAnotherWorkspaceAreNotFound(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	support, err := e.ws.Create(alice, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	aliceSupport, _, err := e.ws.Enter(context.Background(), "alice", support.ID)
	require.NoError(t, err)
	mallory, _ := e.account(t, "mallory", "", "Rival")

	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "sales key", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	for name, ctx := range map[string]context.Context{"same account": aliceSupport, "other account": mallory} {
		_, err := e.keys.Get(ctx, k.ID)
		require.ErrorIs(t, err, workspace.ErrNotFound, name)
		require.ErrorIs(t, e.keys.Revoke(ctx, k.ID), workspace.ErrNotFound, name)
		_, err = e.keys.Rename(ctx, k.ID, "x")
		require.ErrorIs(t, err, workspace.ErrNotFound, name)
		_, err = e.keys.ChangeRole(ctx, k.ID, workspace.RoleViewer)
		require.ErrorIs(t, err, workspace.ErrNotFound, name)
		keys, err := e.keys.List(ctx, workspace.Page{})
		require.NoError(t, err)
		require.Empty(t, keys, name)
	}
	// The key acts in Sales only: its scope is Sales', and the Authorizer
	// gives its user nothing elsewhere.
	key := e.as(t, secret)
	sc, _ := workspace.ScopeFrom(key)
	for _, w := range []uuid.UUID{support.ID} {
		forged := sc
		forged.WorkspaceID = w
		require.ErrorIs(t, e.authz.Require(workspace.WithScope(context.Background(), forged), rbac.ResourceAgents, rbac.ActionRead), workspace.ErrForbidden)
	}
	still, err := e.keys.Get(alice, k.ID)
	require.NoError(t, err)
	require.Equal(t, "sales key", still.Name)
	require.False(t, still.Revoked())
}

func TestKeysGoWithTheirWorkspace(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	support, err := e.ws.Create(alice, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	aliceSupport, _, err := e.ws.Enter(context.Background(), "alice", support.ID)
	require.NoError(t, err)
	_, secret, err := e.keys.Create(aliceSupport, apikey.NewKey{Name: "k", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	key := e.as(t, secret)
	require.NoError(t, e.ws.Delete(alice, support.ID, "Support"))
	_, err = e.keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)
	require.ErrorIs(t, e.authz.Require(key, rbac.ResourceAgents, rbac.ActionRead), workspace.ErrForbidden)
}

func TestConcurrentRevokesAndAuthenticates(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "k", Role: workspace.RoleMember})
	require.NoError(t, err)
	key := e.as(t, secret)

	var (
		wg      sync.WaitGroup
		revoked = make(chan error, 2)
		stop    = make(chan struct{})
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := e.keys.Authenticate(context.Background(), secret)
				if err != nil {
					require.ErrorIs(t, err, apikey.ErrKeyRevoked)
				}
			}
		})
	}
	for range 2 {
		go func() { revoked <- e.keys.Revoke(alice, k.ID) }()
	}
	errs := []error{<-revoked, <-revoked}
	// Once a Revoke has returned, nothing authenticates or is allowed.
	_, err = e.keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	require.ErrorIs(t, e.authz.Require(key, rbac.ResourceAgents, rbac.ActionRead), workspace.ErrForbidden)
	close(stop)
	wg.Wait()
	nils := 0
	for _, err := range errs {
		if err == nil {
			nils++
		} else {
			require.ErrorIs(t, err, apikey.ErrKeyRevoked)
		}
	}
	require.Equal(t, 1, nils, "of two concurrent revokes exactly one revokes")
	n := 0
	for _, ev := range e.events() {
		if _, ok := ev.(apikey.Revoked); ok {
			n++
		}
	}
	require.Equal(t, 1, n)
}
