package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

var keyPlans = workspace.FixedPlans{"": {MaxWorkspaces: workspace.Unlimited, MaxMembers: workspace.Unlimited, MaxAPIKeys: workspace.Unlimited}}

// TestStrictAPIKeys: in strict mode the library's connection finds a key
// by its id alone (the lookup table, admitted by the library policy),
// writes last uses across workspaces and revokes; the app role reads
// neither of the keys' tables, not even its own workspace's rows (the
// hashes); the keys go with their workspace.
func TestStrictAPIKeys(t *testing.T) {
	s := newStrictLib(t)
	ctx := context.Background()
	keys := apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans)
	a := s.tenant(t, "alpha")
	beta, err := s.env.WS.Create(a.ctx, workspace.NewWorkspace{Name: "beta"})
	require.NoError(t, err)
	betaCtx := s.env.SwitchTo(t, "alpha-owner", beta)
	ka, secretA, err := keys.Create(a.ctx, apikey.NewKey{Name: "alpha-key", Role: workspace.RoleMember})
	require.NoError(t, err)
	kb, secretB, err := keys.Create(betaCtx, apikey.NewKey{Name: "beta-key", Role: workspace.RoleAdmin})
	require.NoError(t, err)

	for _, tc := range []struct {
		secret string
		ws     uuid.UUID
	}{{secretA, a.ws.ID}, {secretB, beta.ID}} {
		sc, err := apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans).Authenticate(ctx, tc.secret)
		require.NoError(t, err, "read from the store, before any scope")
		require.Equal(t, tc.ws, sc.WorkspaceID)
		_, err = keys.Authenticate(ctx, tc.secret)
		require.NoError(t, err)
	}
	require.NoError(t, keys.FlushLastUsed(ctx))
	require.Equal(t, []string{"alpha-key", "beta-key"},
		ownerRows(t, s, "SELECT name FROM "+bunstore.KeysTable+" WHERE last_used_at IS NOT NULL ORDER BY name"))

	for _, table := range []string{bunstore.KeysTable, bunstore.KeyIDsTable} {
		for _, q := range []string{"SELECT count(*) FROM " + table, "UPDATE " + table + " SET workspace_id = workspace_id"} {
			err := s.rawApp.Atomic(a.ctx, func(ctx context.Context) error {
				tx, _ := bunstore.TxFrom(ctx)
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			var pe *pgconn.PgError
			require.ErrorAs(t, err, &pe, q)
			require.Equal(t, "42501", pe.Code, "%s: insufficient privilege", q)
		}
	}
	require.NoError(t, s.reg.VerifyStrict(ctx, s.app, bunstore.LibraryTables()...))

	require.NoError(t, keys.Revoke(a.ctx, ka.ID))
	_, err = keys.Authenticate(ctx, secretA)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)

	require.NoError(t, s.env.WS.Delete(a.ctx, beta.ID, "beta"))
	require.Equal(t, []string{ka.ID.String()}, ownerRows(t, s, "SELECT id::text FROM "+bunstore.KeysTable))
	require.Equal(t, []string{ka.ID.String()}, ownerRows(t, s, "SELECT id::text FROM "+bunstore.KeyIDsTable))
	_, err = apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans).Authenticate(ctx, secretB)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)
	_, err = bunstore.New(s.lib).GetKey(ctx, kb.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

// foreignIDB is a bun.IDB the store does not know, so that it runs its
// prepared statements through bun's formatting.
type foreignIDB struct{ bun.IDB }

// TestAPIKeysThroughBunFormatting: on a handle that is not one of bun's
// own types the key queries are formatted by bun (the arrays of TouchKeys
// in bun's array form, not JSON), with the same results.
func TestAPIKeysThroughBunFormatting(t *testing.T) {
	db := migratedDB(t)
	s := bunstore.New(foreignIDB{db})
	ctx := t.Context()
	acct := seedAccount(t, bunstore.New(db), "owner")
	w := seedWorkspace(t, bunstore.New(db), acct.ID, "Sales")
	k := apikey.Key{ID: uuid.New(), WorkspaceID: w.ID, Name: "ci", Role: workspace.RoleMember, CreatedBy: "owner",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), Hash: []byte{0, 1, 2}}
	require.NoError(t, s.CreateKey(ctx, k))
	require.ErrorIs(t, s.CreateKey(ctx, k), workspace.ErrConflict)
	require.NoError(t, s.TouchKeys(ctx, map[uuid.UUID]time.Time{k.ID: t0.Add(time.Minute), uuid.New(): t0}))
	k.Role, k.RevokedAt = workspace.RoleAdmin, t0.Add(time.Second)
	require.NoError(t, s.UpdateKey(ctx, k))
	got, err := s.GetKey(ctx, k.ID)
	require.NoError(t, err)
	k.AccountID, k.LastUsedAt = acct.ID, t0.Add(time.Minute)
	require.Equal(t, k, got)
	list, err := s.ListKeys(ctx, w.ID, uuid.Nil, 10)
	require.NoError(t, err)
	require.Equal(t, []apikey.Key{k}, list)
	n, err := s.CountActiveKeys(ctx, w.ID, t0)
	require.NoError(t, err)
	require.Zero(t, n)
	grants, err := s.ListKeyGrants(ctx, w.ID)
	require.NoError(t, err)
	require.Empty(t, grants)
}
