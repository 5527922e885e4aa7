package app

// Attack tests on the PostgreSQL wiring: what the app role (the role every
// host-table request runs on) can reach, and whether set-up leaks secrets.

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// HELD: SQL sent on the app role's guarded connection, inside a
// transaction of Sales' scope (as every Resource call runs), sees only
// Sales' rows whatever it asks, cannot move the strict key to another
// workspace, and sees nothing outside a transaction or without a scope.
// This is the reach an injected or mistaken query in any API request has.
func TestAttackPostgresAppRoleReach(t *testing.T) {
	s := newSeeded(t, Config{DSN: pg.NewDatabase(t)})
	require.True(t, s.StrictKeyLocked)
	agents, _ := s.Resource("agents")
	st, ok := agents.tx.(*bunstore.Store)
	require.True(t, ok)
	sales := s.in(t, "alice", SeedSales)
	hq := s.ws[SeedGlobexHQ].ID.String()

	inTx := func(ctx context.Context, fn func(ctx context.Context) error) error {
		return st.Atomic(ctx, fn)
	}
	names := func(ctx context.Context, q string, args ...any) ([]string, error) {
		rows, err := st.DB(ctx).QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, rows.Err()
	}

	sid := s.ws[SeedSales].ID.String()
	// The probe itself works: a query restricted as the guard asks returns
	// Sales' two agents.
	var plain []string
	require.NoError(t, inTx(sales, func(ctx context.Context) (err error) {
		plain, err = names(ctx, "SELECT name FROM agents WHERE agents.workspace_id = '"+sid+"'")
		return err
	}))
	require.Len(t, plain, 2)

	// Whatever the query asks, no other workspace's row comes back (the
	// guard refuses it, or row-level security filters it).
	for _, q := range []string{
		"SELECT name FROM agents",
		"SELECT name FROM agents WHERE agents.workspace_id = '" + hq + "'",
		"SELECT name FROM agents WHERE agents.workspace_id = '" + sid + "' OR agents.workspace_id = '" + hq + "'",
		"SELECT name FROM agents WHERE agents.workspace_id = '" + sid + "' UNION ALL SELECT name FROM contacts WHERE contacts.workspace_id = '" + hq + "'",
		"SELECT name FROM agents WHERE agents.workspace_id = '" + sid + "' AND EXISTS (SELECT 1 FROM squads WHERE squads.workspace_id = '" + hq + "')",
		"SELECT name FROM workspaces",
	} {
		var got []string
		err := inTx(sales, func(ctx context.Context) (err error) {
			got, err = names(ctx, q)
			return err
		})
		t.Logf("%s: %d rows, %v", q, len(got), err)
		for _, n := range got {
			require.True(t, strings.HasPrefix(n, SeedSales), "%s returned %q", q, n)
		}
	}

	// The key cannot be moved to Globex HQ from inside the transaction.
	for _, q := range []string{
		"SELECT set_config('" + bunstore.SettingWorkspace + "', '" + hq + "', true)",
		"SET LOCAL " + bunstore.SettingWorkspace + " = '" + hq + "'",
		"RESET " + bunstore.SettingWorkspace,
		"SELECT set_config('" + bunstore.SettingWorkspace + "', '" + hq + "', false)",
	} {
		var got []string
		err := inTx(sales, func(ctx context.Context) error {
			if _, err := st.DB(ctx).ExecContext(ctx, q); err != nil {
				return err
			}
			var err error
			got, err = names(ctx, "SELECT name FROM agents WHERE agents.workspace_id = '"+hq+"'")
			return err
		})
		if err == nil {
			for _, n := range got {
				require.True(t, strings.HasPrefix(n, SeedSales), "after %s: %q", q, n)
			}
		}
		t.Logf("%s: %v", q, err)
	}

	// Unscoped (the logged escape) on the app role: set_config is
	// revoked from it (the locked key), so HQ's rows stay out of reach.
	var hqRows []string
	err := inTx(workspace.Unscoped(context.Background(), "attack test"), func(ctx context.Context) error {
		if _, err := st.DB(ctx).ExecContext(ctx, "SELECT set_config('"+bunstore.SettingWorkspace+"', '"+hq+"', true)"); err != nil {
			return err
		}
		var err error
		hqRows, err = names(ctx, "SELECT name FROM agents")
		return err
	})
	t.Logf("unscoped set_config: %d rows, %v", len(hqRows), err)
	require.Empty(t, hqRows, "the app role moved the key under Unscoped")

	// No transaction, or no scope: nothing.
	got, err := names(sales, "SELECT name FROM agents")
	if err == nil {
		require.Empty(t, got, "outside a transaction")
	}
	err = inTx(workspace.Unscoped(context.Background(), "attack test"), func(ctx context.Context) (err error) {
		got, err = names(ctx, "SELECT name FROM agents")
		return err
	})
	if err == nil {
		require.Empty(t, got, "unscoped")
	}
	err = inTx(context.Background(), func(ctx context.Context) (err error) {
		got, err = names(ctx, "SELECT name FROM agents")
		return err
	})
	if err == nil {
		require.Empty(t, got, "no scope")
	}
}

// HELD: neither the owner's password nor the generated roles' passwords
// reach the logs (the non-superuser path logs strict mode's weaker
// state), and a DSN that cannot connect does not echo its password in
// New's error.
func TestAttackPostgresSetupLeaksNoPassword(t *testing.T) {
	dsn := pg.NewDatabase(t)
	super, err := bunstore.Open(dsn)
	require.NoError(t, err)
	defer super.Close()
	var db string
	require.NoError(t, super.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&db))
	owner := "atk_" + db[len(db)-12:]
	const pw = "Owner-Secret-9f3a"
	for _, q := range []string{
		"CREATE ROLE " + owner + " LOGIN CREATEROLE NOSUPERUSER PASSWORD '" + pw + "'",
		"ALTER DATABASE " + db + " OWNER TO " + owner,
	} {
		_, err := super.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
	ownerDSN, err := roleDSN(dsn, owner, pw)
	require.NoError(t, err)
	var logs strings.Builder
	a, err := New(t.Context(), Config{DSN: ownerDSN, Seed: true, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.NotEmpty(t, logs.String())
	require.NotContains(t, logs.String(), pw)
	require.NotContains(t, strings.ToLower(logs.String()), "password=")

	bad, err := roleDSN(dsn, owner, "Wrong-Secret-77c1")
	require.NoError(t, err)
	_, err = New(t.Context(), Config{DSN: bad, Logger: slog.New(slog.DiscardHandler)})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "Wrong-Secret-77c1")
	_, err = New(t.Context(), Config{DSN: "postgres://owner:Url-Secret-5d2e@127.0.0.1:1/nodb?connect_timeout=1", Logger: slog.New(slog.DiscardHandler)})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "Url-Secret-5d2e")
}
