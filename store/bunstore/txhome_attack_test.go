package bunstore_test

// Attacks on which transaction a Store or Repo joins (tx.go: a Store joins
// only a transaction begun on its own handle, found along the chain of
// transactions in ctx).

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

var errTxBoom = errors.New("host rolls back")

// inside an app-role transaction scoped to A, library services and a
// Repo / Purge on the library handle cannot reach B's rows.
func TestAttackTxStrictAppTxCannotReachOtherWorkspace(t *testing.T) {
	s := newStrictLib(t)
	a, b := s.tenant(t, "alpha"), s.tenant(t, "bravo")
	keys := apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans)
	bKey, _, err := keys.Create(b.ctx, apikey.NewKey{Name: "b", Role: workspace.RoleMember})
	require.NoError(t, err)
	var bContact []string = ownerRows(t, s, "SELECT id::text FROM contacts WHERE name = 'bravo-contact'")
	require.Len(t, bContact, 1)

	before := map[string][]string{}
	qs := map[string]string{
		"memberships": "SELECT user_id||':'||role FROM memberships ORDER BY 1",
		"roles":       "SELECT name FROM custom_roles ORDER BY 1",
		"contacts":    "SELECT name FROM contacts ORDER BY 1",
		"keys":        "SELECT name||':'||coalesce(revoked_at::text,'') FROM workspacekit_api_keys ORDER BY 1",
		"invitations": "SELECT email FROM invitations ORDER BY 1",
	}
	for k, q := range qs {
		before[k] = ownerRows(t, s, q)
	}
	libContacts := bunstore.NewRepo[Contact](s.lib)
	require.NoError(t, s.host.Atomic(a.ctx, func(ctx context.Context) error {
		_, err := s.env.Team.ChangeRole(ctx, "bravo-member", workspace.RoleAdmin)
		require.Error(t, err, "ChangeRole of B's member")
		require.Error(t, s.env.Team.Remove(ctx, "bravo-member"), "Remove B's member")
		_, err = s.env.Authz.UpdateRole(ctx, "bravo-role", nil)
		require.Error(t, err, "UpdateRole of B's role")
		require.Error(t, s.env.Authz.DeleteRole(ctx, "bravo-role", workspace.RoleMember), "DeleteRole of B's role")
		require.Error(t, keys.Revoke(ctx, bKey.ID), "Revoke of B's key")
		_, err = keys.Get(ctx, bKey.ID)
		require.Error(t, err, "Get of B's key")
		// The library handle's Repo: scope A, B's contact id.
		list, err := libContacts.List(ctx, workspace.Page{})
		require.NoError(t, err)
		for _, c := range list {
			require.NotEqual(t, "bravo-contact", c.Name)
		}
		err = s.reg.Purge(s.lib)(ctx, b.ws.ID)
		require.ErrorIs(t, err, workspace.ErrForbidden)
		return nil
	}))
	for k, q := range qs {
		require.Equal(t, before[k], ownerRows(t, s, q), k)
	}
}

// a library-handle Repo's Delete of B's contact id under scope A,
// inside an app tx.
func TestAttackTxStrictLibRepoDeleteOtherWorkspaceRow(t *testing.T) {
	s := newStrictLib(t)
	a, _ := s.tenant(t, "alpha"), s.tenant(t, "bravo")
	ids := ownerRows(t, s, "SELECT id::text FROM contacts WHERE name = 'bravo-contact'")
	require.Len(t, ids, 1)
	libContacts := bunstore.NewRepo[Contact](s.lib)
	_ = s.host.Atomic(a.ctx, func(ctx context.Context) error {
		id, err := uuid.Parse(ids[0])
		require.NoError(t, err)
		err = libContacts.Delete(ctx, id)
		t.Logf("lib repo delete of B's contact in A's app tx: %v", err)
		return nil
	})
	require.Equal(t, []string{"bravo-contact"}, ownerRows(t, s, "SELECT name FROM contacts WHERE name = 'bravo-contact'"))
}

// guard mode, one handle: a host transaction that calls library
// services and then fails rolls back host rows and library rows.
func TestAttackTxGuardHostRollbackUndoesLibraryWrites(t *testing.T) {
	owner, db, env, actx := guardModeAccount(t)
	host := bunstore.New(db) // a second Store on the same handle
	contacts := bunstore.NewRepo[Contact](db)
	mctx := env.Join(t, actx, "m", workspace.RoleMember)
	keys := apikey.New(bunstore.New(db), env.Authz, keyPlans)

	can, err := env.Authz.Can(mctx, "team", "manage")
	require.NoError(t, err)
	require.False(t, can)
	rows := func(q string) []string { return rawNames(t, unscoped(), owner, q) }
	snap := func() [5][]string {
		return [5][]string{
			rows("SELECT user_id||':'||role FROM memberships ORDER BY 1"),
			rows("SELECT name FROM custom_roles ORDER BY 1"),
			rows("SELECT name FROM contacts ORDER BY 1"),
			rows("SELECT name FROM workspacekit_api_keys ORDER BY 1"),
			rows("SELECT email FROM invitations ORDER BY 1"),
		}
	}
	before := snap()
	err = host.Atomic(actx, func(ctx context.Context) error {
		require.NoError(t, contacts.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "rolled"}))
		_, err := env.Team.ChangeRole(ctx, "m", workspace.RoleAdmin)
		require.NoError(t, err)
		_, err = env.Authz.CreateRole(ctx, "rolled-role", env.Authz.RegisteredPermissions()[:1])
		require.NoError(t, err)
		_, _, err = env.Team.Invite(ctx, "rolled@example.com", workspace.RoleViewer)
		require.NoError(t, err)
		_, _, err = keys.Create(ctx, apikey.NewKey{Name: "rolled", Role: workspace.RoleMember})
		require.NoError(t, err)
		// in the tx the member is admin
		can, err := env.Authz.Can(workspace.WithScope(ctx, mustScope(t, mctx)), "team", "manage")
		require.NoError(t, err)
		require.True(t, can)
		return errTxBoom
	})
	require.ErrorIs(t, err, errTxBoom)
	require.Equal(t, before, snap())
	can, err = env.Authz.Can(mctx, "team", "manage")
	require.NoError(t, err)
	require.False(t, can, "cache shows a rolled-back promotion")
}

func mustScope(t *testing.T, ctx context.Context) workspace.Scope {
	sc, err := workspace.RequireScope(ctx)
	require.NoError(t, err)
	return sc
}

// Stores and a Repo built on one host bun.Tx share it; Atomic makes
// savepoints (an inner failure undoes only its savepoint).
func TestAttackTxStoresOnHostTxShareAndSavepoint(t *testing.T) {
	owner, db, _, actx := guardModeAccount(t)

	tx, err := db.BeginTx(actx, nil)
	require.NoError(t, err)
	a, b := bunstore.New(tx), bunstore.New(tx)
	repo := bunstore.NewRepo[Contact](tx)
	require.NoError(t, repo.Insert(actx, &Contact{ID: workspace.NewID(), Name: "outside-atomic"}))
	require.NoError(t, a.Atomic(actx, func(ctx context.Context) error {
		require.True(t, b.InTransaction(ctx))
		require.True(t, a.InTransaction(ctx))
		require.NoError(t, repo.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "kept"}))
		err := b.Atomic(ctx, func(ctx context.Context) error { // joins
			return repo.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "kept2"})
		})
		require.NoError(t, err)
		return nil
	}))
	err = a.Atomic(actx, func(ctx context.Context) error {
		require.NoError(t, repo.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "undone"}))
		return errTxBoom
	})
	require.ErrorIs(t, err, errTxBoom)
	// b's Atomic on the same tx after a's failed savepoint: tx still usable
	require.NoError(t, b.Atomic(actx, func(ctx context.Context) error {
		return repo.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "after"})
	}))
	require.NoError(t, tx.Commit())
	require.Equal(t, []string{"after", "kept", "kept2", "outside-atomic"}, rawNames(t, unscoped(), owner, "SELECT name FROM contacts ORDER BY 1"))

	// A Store on &tx (a *bun.Tx, also a bun.IDB) and one on tx.
	tx2, err := db.BeginTx(actx, nil)
	require.NoError(t, err)
	defer tx2.Rollback()
	p, v := bunstore.New(&tx2), bunstore.New(tx2)
	require.NoError(t, v.Atomic(actx, func(ctx context.Context) error {
		t.Logf("Store on *bun.Tx sees Store-on-bun.Tx savepoint: %v", p.InTransaction(ctx))
		return nil
	}))
}

// strict: ChangeRole and key revoke inside an app tx: the Authorizer
// and Authenticate see the change (inside and after, commit or rollback of
// the host).
func TestAttackTxStrictAfterCommitInAppTx(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	keys := apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans)
	k, secret, err := keys.Create(a.ctx, apikey.NewKey{Name: "ci", Role: workspace.RoleMember})
	require.NoError(t, err)
	mctx := s.env.SwitchTo(t, "alpha-member", a.ws)
	can, err := s.env.Authz.Can(mctx, "team", "manage") // warm the cache
	require.NoError(t, err)
	require.False(t, can)
	_, err = keys.Authenticate(context.Background(), secret) // warm
	require.NoError(t, err)

	err = s.host.Atomic(a.ctx, func(ctx context.Context) error {
		_, err := s.env.Team.ChangeRole(ctx, "alpha-member", workspace.RoleAdmin)
		require.NoError(t, err)
		require.NoError(t, keys.Revoke(ctx, k.ID))
		can, err := s.env.Authz.Can(mctx, "team", "manage")
		require.NoError(t, err)
		require.True(t, can, "inside the app tx: committed promotion not seen")
		_, err = keys.Authenticate(context.Background(), secret)
		require.Error(t, err, "inside the app tx: revoked key still authenticates")
		return errTxBoom
	})
	require.ErrorIs(t, err, errTxBoom)
	can, err = s.env.Authz.Can(mctx, "team", "manage")
	require.NoError(t, err)
	require.True(t, can, "library write committed on its own; cache must agree with the database")
	require.Equal(t, []string{"alpha-member:admin"}, ownerRows(t, s, "SELECT user_id||':'||role FROM memberships WHERE user_id='alpha-member'"))
	_, err = keys.Authenticate(context.Background(), secret)
	require.Error(t, err)
}

// The reversed nesting: a library transaction, a host (app) transaction
// inside it, a library service call inside that. The inner call must join
// the library's outer transaction (ctx carries the chain of transactions),
// so the outer's rollback undoes it.
func TestAttackTxStrictLibTxAppTxLibCallEscapesOuterRollback(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	lib := s.env.Store.(*bunstore.Store)
	err := lib.Atomic(a.ctx, func(ctx context.Context) error {
		require.NoError(t, s.host.Atomic(ctx, func(ctx context.Context) error {
			_, err := s.env.Team.ChangeRole(ctx, "alpha-member", workspace.RoleAdmin)
			return err
		}))
		return errTxBoom
	})
	require.ErrorIs(t, err, errTxBoom)
	require.Equal(t, []string{"alpha-member:member"}, ownerRows(t, s, "SELECT user_id||':'||role FROM memberships WHERE user_id='alpha-member'"),
		"a library write made inside the library's own transaction survived its rollback")
}

// The same nesting with a lock held by the outer library tx: the inner
// library call must not wait on its own outer transaction (self-deadlock).
func TestAttackTxStrictLibTxAppTxLibCallSelfDeadlock(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	lib := s.env.Store.(*bunstore.Store)
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	err := lib.Atomic(ctx, func(ctx context.Context) error {
		if _, err := lib.LockWorkspace(ctx, a.ws.ID); err != nil {
			return err
		}
		return s.host.Atomic(ctx, func(ctx context.Context) error {
			_, err := s.env.WS.Update(ctx, a.ws.ID, workspace.Changes{Name: ptr("renamed")})
			return err
		})
	})
	t.Logf("err=%v after %s", err, time.Since(start))
	require.NoError(t, err)
}

func ptr[T any](v T) *T { return &v }

// Lock* with only a foreign tx in ctx.
func TestAttackTxStrictLockInAppTxOnly(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	lib := bunstore.New(s.lib)
	require.NoError(t, s.host.Atomic(a.ctx, func(ctx context.Context) error {
		_, err := lib.LockWorkspace(ctx, a.ws.ID)
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		// services wrap Lock* in their own Atomic: fine
		_, err = s.env.Team.ChangeRole(ctx, "alpha-member", workspace.RoleAdmin)
		return err
	}))
}

// the reversed nesting: AfterCommit of the library store, called inside
// an app tx that is itself inside a library tx, must wait for the library
// tx's commit (not run at once, not with the app tx's commit).
func TestAttackTxStrictAfterCommitWaitsForOuterLibraryTx(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	lib := s.env.Store.(*bunstore.Store)
	fired := false
	require.NoError(t, lib.Atomic(a.ctx, func(ctx context.Context) error {
		require.NoError(t, s.host.Atomic(ctx, func(ctx context.Context) error {
			require.True(t, lib.InTransaction(ctx), "library store lost its own outer tx")
			lib.AfterCommit(ctx, func(context.Context) { fired = true })
			return nil
		}))
		require.False(t, fired, "AfterCommit ran before the library's own commit")
		return nil
	}))
	require.True(t, fired)
	// The host's tx is still the one TxFrom/host see in the inner ctx.
	require.NoError(t, lib.Atomic(a.ctx, func(ctx context.Context) error {
		return s.host.Atomic(ctx, func(ctx context.Context) error {
			require.True(t, s.host.InTransaction(ctx))
			_, err := s.contacts.List(ctx, workspace.Page{})
			return err
		})
	}))
}

// Guard mode, "one handle" as two *bun.DB values over the same *sql.DB
// pool (a WithNamedArg clone, or a second bun.NewDB on db.DB): one pool is
// one handle, and the host's rollback undoes the library's write.
func TestAttackTxGuardSamePoolTwoBunDBs(t *testing.T) {
	owner, db, env, actx := guardModeAccount(t)
	env.Join(t, actx, "m", workspace.RoleMember)
	for name, hostDB := range map[string]*bun.DB{
		"WithNamedArg clone": db.WithNamedArg("x", 1),
		"bun.NewDB(db.DB)":   bun.NewDB(db.DB, db.Dialect()),
	} {
		t.Run(name, func(t *testing.T) {
			host := bunstore.New(hostDB)
			contacts := bunstore.NewRepo[Contact](hostDB)
			err := host.Atomic(actx, func(ctx context.Context) error {
				require.NoError(t, contacts.Insert(ctx, &Contact{ID: workspace.NewID(), Name: "rolled"}))
				_, err := env.Team.ChangeRole(ctx, "m", workspace.RoleAdmin)
				require.NoError(t, err)
				return errTxBoom
			})
			require.ErrorIs(t, err, errTxBoom)
			require.Empty(t, rawNames(t, unscoped(), owner, "SELECT name FROM contacts"))
			assert.Equal(t, []string{"m:member"}, rawNames(t, unscoped(), owner, "SELECT user_id||':'||role FROM memberships WHERE user_id='m'"),
				"library write escaped the host's rollback")
			_, _ = owner.ExecContext(unscoped(), "UPDATE memberships SET role='member' WHERE user_id='m'")
		})
	}
}

// guardModeAccount is guard mode on one handle (db, the library's store on
// it) with an account "alpha" owned by "o", scoped in actx.
func guardModeAccount(t *testing.T) (owner, db *bun.DB, env *testenv.Env, actx context.Context) {
	t.Helper()
	owner = migratedDB(t)
	_, err := owner.ExecContext(unscoped(), hostSchema)
	require.NoError(t, err)
	reg := bunstore.NewRegistry()
	require.NoError(t, reg.Register(owner, (*Contact)(nil), (*Agent)(nil)))
	db, err = reg.OpenDB(pgDSN(t, owner))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	env = testenv.NewOn(t, bunstore.New(db), testenv.Unlimited)
	actx, _ = env.Account(t, "o", "alpha")
	return owner, db, env, actx
}
