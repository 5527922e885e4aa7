package bunstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// strictWorld is a world whose tables are under strict mode, with app, a
// connection as a NOSUPERUSER NOBYPASSRLS role WithStrictMode and without
// the guard (an empty registry), so that only row-level security stands
// between a raw statement and other workspaces' rows.
type strictWorld struct {
	*world
	app    *bun.DB
	appDSN string
}

func newStrictWorld(t *testing.T) *strictWorld {
	w := newWorld(t)
	ctx := context.Background()
	require.NoError(t, w.reg.EnableRLS(ctx, w.db))
	role := pg.NewRole(t, pgDSN(t, w.db))
	require.NoError(t, w.reg.GrantApp(ctx, w.db, role.Name))
	app, err := bunstore.NewRegistry().OpenDB(role.DSN, bunstore.WithStrictMode())
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	return &strictWorld{world: w, app: app, appDSN: role.DSN}
}

// pgDSN returns the superuser DSN of w's database.
func pgDSN(t *testing.T, db *bun.DB) string {
	t.Helper()
	var name string
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name))
	return pg.DSN(name)
}

func rawNames(t *testing.T, ctx context.Context, db bun.IDB, query string) []string {
	t.Helper()
	names := []string{}
	require.NoError(t, db.NewRaw(query).Scan(ctx, &names))
	return names
}

func inTx(t *testing.T, ctx context.Context, db *bun.DB, fn func(tx bun.Tx)) {
	t.Helper()
	require.NoError(t, db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		fn(tx)
		return nil
	}))
}

func TestStrictModeRawSelectSeesOnlyTheActiveWorkspace(t *testing.T) {
	w := newStrictWorld(t)
	ctx := scopeCtx(w.wsA)
	inTx(t, ctx, w.app, func(tx bun.Tx) {
		require.Equal(t, []string{"a1", "a2"}, rawNames(t, ctx, tx, "SELECT name FROM agents ORDER BY name"))
		// The WhereOr escape, caught by the policy.
		require.Equal(t, []string{"a1"}, rawNames(t, ctx, tx, "SELECT name FROM agents WHERE name = 'a1' OR name = 'b1'"))
		// The belongs-to join on the id alone finds no foreign contact.
		require.Equal(t, []string{"contact-a"}, rawNames(t, ctx, tx, "SELECT c.name FROM agents a JOIN contacts c ON c.id = a.contact_id"))
		res, err := tx.ExecContext(ctx, "UPDATE agents SET name = 'stolen'")
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
	})
	// B's rows were neither seen nor changed.
	require.Equal(t, []string{"b1", "b2"}, rawNames(t, unscoped(), w.db, "SELECT name FROM agents WHERE workspace_id = '"+w.wsB.String()+"' ORDER BY name"))
}

func TestStrictModeRefusesWritingAnotherWorkspace(t *testing.T) {
	w := newStrictWorld(t)
	ctx := scopeCtx(w.wsA)
	err := w.app.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO agents (workspace_id, id, name) VALUES (?, gen_random_uuid(), 'planted')", w.wsB)
		return err
	})
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "42501", pe.Code, "row-level security WITH CHECK violation")
}

func TestStrictModeNoScopeNoRows(t *testing.T) {
	w := newStrictWorld(t)
	ctx := context.Background()
	inTx(t, ctx, w.app, func(tx bun.Tx) {
		require.Empty(t, rawNames(t, ctx, tx, "SELECT name FROM agents"))
	})
	// Outside a transaction nothing set the workspace either.
	require.Empty(t, rawNames(t, scopeCtx(w.wsA), w.app, "SELECT name FROM agents"))
}

func TestStrictModePooledConnectionForgetsTheWorkspace(t *testing.T) {
	w := newStrictWorld(t)
	w.app.SetMaxOpenConns(1) // every borrower gets the same connection
	for _, commit := range []bool{true, false} {
		err := w.app.RunInTx(scopeCtx(w.wsA), nil, func(ctx context.Context, tx bun.Tx) error {
			require.Len(t, rawNames(t, ctx, tx, "SELECT name FROM agents"), 2)
			if !commit {
				return sql.ErrTxDone
			}
			return nil
		})
		if !commit {
			require.ErrorIs(t, err, sql.ErrTxDone)
		}
		var setting sql.NullString
		require.NoError(t, w.app.QueryRowContext(context.Background(), "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&setting))
		require.Empty(t, setting.String)
		inTx(t, context.Background(), w.app, func(tx bun.Tx) {
			require.Empty(t, rawNames(t, context.Background(), tx, "SELECT name FROM agents"))
		})
	}
}

func TestVerifyStrict(t *testing.T) {
	w := newStrictWorld(t)
	ctx := context.Background()
	require.ErrorIs(t, w.reg.VerifyStrict(ctx, w.app), bunstore.ErrNotStrict, "the app role may still call set_config")
	require.NoError(t, bunstore.LockStrictKey(ctx, w.db))
	require.NoError(t, bunstore.LockStrictKey(ctx, w.db), "idempotent")
	require.NoError(t, w.reg.VerifyStrict(ctx, w.app))
	_, err := w.db.ExecContext(unscoped(), "CREATE FUNCTION all_agents() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS 'SELECT name FROM agents'")
	require.NoError(t, err)
	require.ErrorIs(t, w.reg.VerifyStrict(ctx, w.app), bunstore.ErrNotStrict, "a definer function of the owner reads every workspace")
	_, err = w.db.ExecContext(unscoped(), "REVOKE EXECUTE ON FUNCTION all_agents() FROM PUBLIC")
	require.NoError(t, err)
	require.NoError(t, w.reg.VerifyStrict(ctx, w.app), "not the app role's to call")
	require.ErrorIs(t, w.reg.VerifyStrict(ctx, w.db), bunstore.ErrNotStrict, "a superuser bypasses RLS")
	_, err = w.db.ExecContext(unscoped(), "ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY")
	require.NoError(t, err)
	require.ErrorIs(t, w.reg.VerifyStrict(ctx, w.app), bunstore.ErrNotStrict)
}

func TestPurgeInStrictMode(t *testing.T) {
	w := newStrictWorld(t)
	s := bunstore.New(w.app)
	// A scope of B cannot purge A...
	err := s.Atomic(scopeCtx(w.wsB), func(ctx context.Context) error { return w.reg.Purge(w.app)(ctx, w.wsA) })
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.Len(t, rawNames(t, unscoped(), w.db, "SELECT name FROM agents WHERE workspace_id = '"+w.wsA.String()+"'"), 2)
	// ...system work can: its transaction is B's, the purge deletes A.
	ctx := workspace.Unscoped(scopeCtx(w.wsB), "test: purge A")
	require.NoError(t, s.Atomic(ctx, func(ctx context.Context) error {
		if err := w.reg.Purge(w.app)(ctx, w.wsA); err != nil {
			return err
		}
		// Back in B's setting for the rest of the transaction.
		tx, _ := bunstore.TxFrom(ctx)
		require.Equal(t, []string{"b1", "b2"}, rawNames(t, ctx, tx, "SELECT name FROM agents ORDER BY name"))
		return nil
	}))
	require.Empty(t, rawNames(t, unscoped(), w.db, "SELECT name FROM agents WHERE workspace_id = '"+w.wsA.String()+"'"))
	require.Empty(t, rawNames(t, unscoped(), w.db, "SELECT name FROM contacts WHERE workspace_id = '"+w.wsA.String()+"'"))
	require.Equal(t, []string{"b1", "b2"}, rawNames(t, unscoped(), w.db, "SELECT name FROM agents WHERE workspace_id = '"+w.wsB.String()+"' ORDER BY name"))
}
