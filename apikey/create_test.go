package apikey_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

var secretShape = regexp.MustCompile(`^wsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$`)

func TestCreateShowsTheSecretOnceAndStoresOnlyAHash(t *testing.T) {
	e := newEnv(t)
	alice, sales := e.account(t, "alice", "", "Sales")

	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: " CI deploys ", Role: workspace.RoleMember})
	require.NoError(t, err)
	require.Regexp(t, secretShape, secret)
	require.Len(t, secret, apikey.SecretLen)
	require.True(t, strings.HasPrefix(secret, k.Prefix()+"_"), "the prefix names the key")
	require.Equal(t, "CI deploys", k.Name)
	require.Equal(t, sales.ID, k.WorkspaceID)
	require.Equal(t, workspace.UserID("alice"), k.CreatedBy)
	require.Equal(t, e.clock(), k.CreatedAt)
	require.Nil(t, k.Hash, "the service never returns the hash")

	stored, err := e.st.GetKey(context.Background(), k.ID)
	require.NoError(t, err)
	raw, err := base64.RawURLEncoding.DecodeString(secret[len(k.Prefix())+1:])
	require.NoError(t, err)
	want := sha256.Sum256(append(k.ID[:], raw...))
	require.Equal(t, want[:], stored.Hash, "SHA-256 of the id and the random bytes")
	require.NotContains(t, string(stored.Hash), secret[len(k.Prefix())+1:])

	listed, err := e.keys.List(alice, workspace.Page{})
	require.NoError(t, err)
	require.Len(t, listed, 1)
	require.Nil(t, listed[0].Hash)
	require.Equal(t, k.Prefix(), listed[0].Prefix())

	created := last[apikey.Created](t, e)
	require.Equal(t, k.ID.String(), created.KeyID)
	require.Equal(t, workspace.UserID("alice"), created.Actor)

	// Two keys never share a secret.
	_, other, err := e.keys.Create(alice, apikey.NewKey{Name: "other", Role: workspace.RoleMember})
	require.NoError(t, err)
	require.NotEqual(t, secret, other)

}

func TestCreateRefusalsChangeNothing(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	admin := e.join(t, alice, "ann", workspace.RoleAdmin)
	member := e.join(t, alice, "mel", workspace.RoleMember)
	_, keySecret, err := e.keys.Create(alice, apikey.NewKey{Name: "admin key", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	asKey := e.as(t, keySecret)
	_, err = e.authz.CreateRole(alice, "deployer", []rbac.Permission{{Resource: rbac.ResourceAgents, Action: rbac.ActionRead}})
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		ctx context.Context
		n   apikey.NewKey
		err error
	}{
		"no scope":          {context.Background(), apikey.NewKey{Name: "k", Role: workspace.RoleViewer}, workspace.ErrNoScope},
		"empty name":        {alice, apikey.NewKey{Name: "  ", Role: workspace.RoleViewer}, workspace.ErrInvalid},
		"long name":         {alice, apikey.NewKey{Name: strings.Repeat("x", apikey.MaxNameLen+1), Role: workspace.RoleViewer}, workspace.ErrInvalid},
		"control in name":   {alice, apikey.NewKey{Name: "a\x00b", Role: workspace.RoleViewer}, workspace.ErrInvalid},
		"bad role":          {alice, apikey.NewKey{Name: "k", Role: ""}, workspace.ErrInvalid},
		"undefined role":    {alice, apikey.NewKey{Name: "k", Role: "ghost"}, workspace.ErrInvalid},
		"expired at birth":  {alice, apikey.NewKey{Name: "k", Role: workspace.RoleViewer, ExpiresAt: e.clock()}, workspace.ErrInvalid},
		"above own role":    {admin, apikey.NewKey{Name: "k", Role: workspace.RoleOwner}, workspace.ErrForbidden},
		"member may not":    {member, apikey.NewKey{Name: "k", Role: workspace.RoleViewer}, workspace.ErrForbidden},
		"a key makes a key": {asKey, apikey.NewKey{Name: "k", Role: workspace.RoleViewer}, workspace.ErrForbidden},
	} {
		_, _, err := e.keys.Create(tc.ctx, tc.n)
		require.ErrorIs(t, err, tc.err, name)
	}
	keys, err := e.keys.List(alice, workspace.Page{})
	require.NoError(t, err)
	require.Len(t, keys, 1, "only the admin key")

	// A custom role is fine, within the creator's own.
	k, _, err := e.keys.Create(admin, apikey.NewKey{Name: "deploy", Role: "deployer", ExpiresAt: e.clock().Add(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, e.clock().Add(time.Hour), k.ExpiresAt)
}

func TestPlanLimitCountsActiveKeys(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales") // 3 keys
	var ids []apikey.Key
	for i := range 3 {
		k, _, err := e.keys.Create(alice, apikey.NewKey{Name: "k" + string(rune('a'+i)), Role: workspace.RoleViewer, ExpiresAt: e.clock().Add(time.Duration(i+1) * time.Hour)})
		require.NoError(t, err)
		ids = append(ids, k)
	}
	_, _, err := e.keys.Create(alice, apikey.NewKey{Name: "fourth", Role: workspace.RoleViewer})
	require.ErrorIs(t, err, workspace.ErrPlanLimit)

	require.NoError(t, e.keys.Revoke(alice, ids[2].ID))
	_, _, err = e.keys.Create(alice, apikey.NewKey{Name: "after revoke", Role: workspace.RoleViewer})
	require.NoError(t, err, "a revoked key frees its place")
	_, _, err = e.keys.Create(alice, apikey.NewKey{Name: "again", Role: workspace.RoleViewer})
	require.ErrorIs(t, err, workspace.ErrPlanLimit)
	e.advance(time.Hour)
	_, _, err = e.keys.Create(alice, apikey.NewKey{Name: "after expiry", Role: workspace.RoleViewer})
	require.NoError(t, err, "an expired key frees its place")

	none, _ := e.account(t, "nora", "nokey", "No keys")
	_, _, err = e.keys.Create(none, apikey.NewKey{Name: "k", Role: workspace.RoleViewer})
	require.ErrorIs(t, err, workspace.ErrPlanLimit, "zero allows none")
	big, _ := e.account(t, "bill", "big", "Big")
	for i := range 20 {
		_, _, err = e.keys.Create(big, apikey.NewKey{Name: "k" + string(rune('a'+i)), Role: workspace.RoleViewer})
		require.NoError(t, err, "unlimited")
	}
}

// last returns the most recent event of type T.
func last[T workspace.Event](t testing.TB, e *env) T {
	t.Helper()
	evs := e.events()
	for i := len(evs) - 1; i >= 0; i-- {
		if ev, ok := evs[i].(T); ok {
			return ev
		}
	}
	var zero T
	t.Fatalf("no event of type %T", zero)
	return zero
}
