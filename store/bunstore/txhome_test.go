package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// In strict mode a host handler runs its transaction on the app role and
// asks the Authorizer about an API key whose grants are not cached: the
// library's read of the key runs on the library's handle, not inside the
// host's transaction, where the app role may not read API keys. The model
// suite found it (TestModelStrict: a key's record write after an
// invalidation failed with "permission denied for table
// workspacekit_api_keys").
func TestLibraryReadsInAHostTransactionRunOnTheLibraryHandle(t *testing.T) {
	s := newStrictLib(t)
	keys := apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans)
	a := s.tenant(t, "alpha")
	_, secret, err := keys.Create(a.ctx, apikey.NewKey{Name: "ci", Role: workspace.RoleMember})
	require.NoError(t, err)
	sc, err := keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	keyCtx := workspace.WithScope(context.Background(), sc)

	s.env.Authz.Invalidate(sc.WorkspaceID) // the cold cache
	require.NoError(t, s.host.Atomic(keyCtx, func(ctx context.Context) error {
		if err := s.env.Authz.Require(ctx, "contacts", "read"); err != nil {
			return err
		}
		// The host's own work still runs in its transaction.
		require.True(t, s.host.InTransaction(ctx))
		_, err := s.contacts.List(ctx, workspace.Page{})
		return err
	}))

	// The library's store does not take the host's transaction for its
	// own: a write in it commits on the library's handle at once.
	lib := bunstore.New(s.lib)
	require.NoError(t, s.host.Atomic(a.ctx, func(ctx context.Context) error {
		require.False(t, lib.InTransaction(ctx), "the library's store joined the app role's transaction")
		return nil
	}))
}

// Two Stores built on one handle share a transaction: the guard-mode
// setup, where the host's repositories and the library's store are one
// database, keeps host rows and library rows in one commit.
func TestStoresOnOneHandleShareATransaction(t *testing.T) {
	db := migratedDB(t)
	a, b := bunstore.New(db), bunstore.New(db)
	require.NoError(t, a.Atomic(unscoped(), func(ctx context.Context) error {
		require.True(t, b.InTransaction(ctx))
		txA, _ := bunstore.TxFrom(ctx)
		txB, ok := b.DB(ctx).(bun.Tx)
		require.True(t, ok, "b runs outside a's transaction")
		require.Same(t, txA.Tx, txB.Tx)
		return nil
	}))
}
