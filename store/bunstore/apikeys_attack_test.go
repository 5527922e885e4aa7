package bunstore_test

// Attacks on the API keys' tables and services on PostgreSQL.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// In strict mode the app role, without the guard, reaches neither the
// keys' rows nor their hashes by any shape of statement (joins, subqueries,
// CTEs, whole-row references, COPY, EXISTS probes), nor through the
// planner's statistics; and the library's store methods run on the app's
// connection fail rather than read or write a key. Guard.
func TestAttackAPIKeyStrictAppRoleReachesNoKeyRow(t *testing.T) {
	s := newStrictLib(t)
	ctx := context.Background()
	keys := apikey.New(bunstore.New(s.lib), s.env.Authz, keyPlans)
	a := s.tenant(t, "alpha")
	b := s.tenant(t, "bravo")
	ka, secretA, err := keys.Create(a.ctx, apikey.NewKey{Name: "alpha-key", Role: workspace.RoleMember})
	require.NoError(t, err)
	kb, _, err := keys.Create(b.ctx, apikey.NewKey{Name: "bravo-key", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	_, err = s.owner.ExecContext(unscoped(), "ANALYZE "+bunstore.KeysTable+"; ANALYZE "+bunstore.KeyIDsTable)
	require.NoError(t, err)

	K, L := bunstore.KeysTable, bunstore.KeyIDsTable
	denied := []string{
		"SELECT hash FROM " + K,
		"SELECT hash FROM " + K + " WHERE workspace_id = '" + a.ws.ID.String() + "'",
		"TABLE " + L,
		"SELECT k FROM " + K + " k",
		"SELECT w.name FROM workspaces w JOIN " + L + " l ON l.workspace_id = w.id",
		"SELECT w.name FROM workspaces w WHERE EXISTS (SELECT 1 FROM " + K + " k WHERE k.workspace_id = w.id)",
		"SELECT (SELECT count(*) FROM " + L + ")",
		"WITH x AS (SELECT * FROM " + K + ") SELECT count(*) FROM x",
		"SELECT id FROM " + L + " WHERE id = '" + kb.ID.String() + "'",
		"SELECT 1 FROM " + K + " WHERE hash = '\\x00'::bytea",
		"SELECT count(*) FROM workspaces w LEFT JOIN LATERAL (SELECT hash FROM " + K + " WHERE workspace_id = w.id) h ON true",
		"COPY (SELECT hash FROM " + K + ") TO STDOUT",
		"INSERT INTO " + L + " (id, workspace_id) VALUES ('" + uuid.NewString() + "', '" + a.ws.ID.String() + "')",
		"UPDATE " + K + " SET last_used_at = now() WHERE workspace_id = '" + a.ws.ID.String() + "'",
		"DELETE FROM " + K + " WHERE workspace_id = '" + a.ws.ID.String() + "'",
		"DELETE FROM workspaces WHERE id = '" + b.ws.ID.String() + "'",
		"SELECT payload FROM " + bunstore.ChangesTable,
	}
	for _, q := range denied {
		err := s.rawApp.Atomic(a.ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			rows, err := tx.QueryContext(ctx, q)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		})
		if errors.Is(err, bunstore.ErrUnscopedQuery) {
			continue // refused before the server
		}
		var pe *pgconn.PgError
		require.ErrorAs(t, err, &pe, q)
		require.Equal(t, "42501", pe.Code, "%s: %v", q, err)
	}
	// The statistics views show no column of the keys' tables to a role
	// that may not read them (pg_stats checks column privileges).
	// The guard refuses pg_stats; ask the server itself, as the app role
	// (SET ROLE on the owner's connection, no guard there).
	var appRole string
	require.NoError(t, s.rawAppDB.QueryRowContext(unscoped(), "SELECT current_user::text").Scan(&appRole))
	var stats, sizes []string
	require.NoError(t, s.owner.RunInTx(unscoped(), nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE "+pgIdent(appRole)); err != nil {
			return err
		}
		stats = rawNames(t, ctx, tx, "SELECT attname::text FROM pg_stats WHERE tablename IN ('"+K+"', '"+L+"')")
		sizes = rawNames(t, ctx, tx, "SELECT reltuples::text FROM pg_class WHERE relname = '"+K+"'")
		return nil
	}))
	all := rawNames(t, unscoped(), s.owner, "SELECT attname::text FROM pg_stats WHERE tablename IN ('"+K+"', '"+L+"')")
	require.NotEmpty(t, all, "the owner sees the statistics (the check below means something)")
	require.Empty(t, stats, "sampled values of the keys' columns (hashes) through pg_stats")
	// What remains visible: the tables' sizes across all workspaces (a
	// nuisance, as PRODUCTION.md says of pg_stat_user_tables).
	t.Logf("app role sees reltuples of %s: %v", K, sizes)

	// The store's key methods through the app's connections.
	for name, st := range map[string]*bunstore.Store{"guarded app": s.host, "raw app": s.rawApp} {
		err := st.Atomic(a.ctx, func(ctx context.Context) error {
			_, err := st.GetKey(ctx, ka.ID)
			return err
		})
		require.Error(t, err, "%s: GetKey", name)
		err = st.Atomic(a.ctx, func(ctx context.Context) error {
			return st.TouchKeys(ctx, map[uuid.UUID]time.Time{ka.ID: t0, kb.ID: t0})
		})
		require.Error(t, err, "%s: TouchKeys", name)
		err = st.Atomic(a.ctx, func(ctx context.Context) error {
			_, err := st.ListKeyGrants(ctx, a.ws.ID)
			return err
		})
		require.Error(t, err, "%s: ListKeyGrants", name)
	}
	require.Equal(t, []string{}, nonNil(ownerRows(t, s, "SELECT id::text FROM "+K+" WHERE last_used_at IS NOT NULL")))
	_, err = keys.Authenticate(ctx, secretA)
	require.NoError(t, err)
}

func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// keyWorld is the services on PostgreSQL (no strict mode), each call its
// own instance when asked: a store, an Authorizer and an apikey service of
// its own on a pool of its own.
type keyWorld struct {
	dsn   string
	plans workspace.Plans
	env   *testenv.Env
	keys  *apikey.Service
}

func newKeyWorld(t *testing.T, limits workspace.Limits) *keyWorld {
	t.Helper()
	db := migratedDB(t)
	plans := workspace.FixedPlans{"": limits}
	env := testenv.NewOn(t, bunstore.New(db), plans)
	return &keyWorld{dsn: pgDSN(t, db), plans: plans, env: env, keys: apikey.New(bunstore.New(db), env.Authz, plans)}
}

// instance is another process on the same database.
func (w *keyWorld) instance(t *testing.T) (*apikey.Service, *rbac.Authorizer) {
	t.Helper()
	db, err := bunstore.Open(w.dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	st := bunstore.New(db)
	authz, err := rbac.New(st)
	require.NoError(t, err)
	return apikey.New(st, authz, w.plans), authz
}

// Creates on several instances (pools, Authorizers, services of their own)
// never pass MaxAPIKeys: the count is under the workspace's row lock in
// the database. Guard.
func TestAttackAPIKeyPlanLimitAcrossInstances(t *testing.T) {
	const limit, instances, each = 3, 4, 4
	w := newKeyWorld(t, workspace.Limits{MaxWorkspaces: 1, MaxMembers: workspace.Unlimited, MaxAPIKeys: limit})
	ctx, ws := w.env.Account(t, "owner", "First")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, over int
		other    []error
	)
	start := make(chan struct{})
	for i := range instances {
		svc, _ := w.instance(t)
		for j := range each {
			wg.Go(func() {
				<-start
				_, _, err := svc.Create(ctx, apikey.NewKey{Name: fmt.Sprint("k", i, j), Role: workspace.RoleMember})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, workspace.ErrPlanLimit):
					over++
				default:
					other = append(other, err)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	require.Empty(t, other)
	require.Equal(t, limit, ok)
	require.Equal(t, instances*each-limit, over)
	n, err := w.env.Store.(apikey.Store).CountActiveKeys(context.Background(), ws.ID, workspace.UTCClock())
	require.NoError(t, err)
	require.Equal(t, limit, n)
}

// Creating keys with a custom role while the role is deleted (refused
// while held, or reassigned) never leaves a live key holding a role the
// workspace no longer defines, which a later role of the same name would
// then grant. Guard.
func TestAttackAPIKeyCreateRacingRoleDeletion(t *testing.T) {
	w := newKeyWorld(t, workspace.Limits{MaxWorkspaces: 1, MaxMembers: workspace.Unlimited, MaxAPIKeys: workspace.Unlimited})
	ctx, ws := w.env.Account(t, "owner", "First")
	svc2, _ := w.instance(t)
	read := []rbac.Permission{{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}}
	for round := range 8 {
		role := workspace.Role(fmt.Sprint("r", round))
		_, err := w.env.Authz.CreateRole(ctx, role, read)
		require.NoError(t, err)
		reassign := workspace.Role("")
		if round%2 == 1 {
			reassign = workspace.RoleViewer
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 4 {
			svc := w.keys
			if i%2 == 1 {
				svc = svc2
			}
			wg.Go(func() {
				<-start
				_, _, _ = svc.Create(ctx, apikey.NewKey{Name: fmt.Sprint(role, "-", i), Role: role})
			})
		}
		wg.Go(func() {
			<-start
			_ = w.env.Authz.DeleteRole(ctx, role, reassign)
		})
		close(start)
		wg.Wait()
		defined := map[workspace.Role]bool{}
		roles, err := w.env.Store.(rbac.Store).ListRoles(context.Background(), ws.ID)
		require.NoError(t, err)
		for _, r := range roles {
			defined[r.Name] = true
		}
		grants, err := w.env.Store.(rbac.KeyGrants).ListKeyGrants(context.Background(), ws.ID)
		require.NoError(t, err)
		for _, g := range grants {
			require.True(t, g.Role.IsBuiltin() || defined[g.Role], "round %d: live key %s holds %q, which no longer exists", round, g.KeyID, g.Role)
		}
		if !defined[role] {
			_, err = w.env.Authz.CreateRole(ctx, role, append(slices.Clone(read), rbac.Permission{Resource: rbac.ResourceAgents, Action: rbac.ActionDelete}))
			require.NoError(t, err)
			require.NoError(t, w.env.Authz.DeleteRole(ctx, role, ""), "round %d: the re-created role has no holder", round)
		}
	}
}
