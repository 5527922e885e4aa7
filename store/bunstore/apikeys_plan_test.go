package bunstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// sqlRecorder keeps the text of every statement bun runs (a query hook).
type sqlRecorder struct {
	mu   sync.Mutex
	sqls []string
}

func (r *sqlRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (r *sqlRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sqls = append(r.sqls, e.Query)
}

func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sqls
	r.sqls = nil
	return out
}

// planNode is one node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	Plans        []planNode `json:"Plans"`
}

// scans lists the plan's scans of relations, as "node on relation
// (index)".
func (n planNode) scans() []string {
	var out []string
	if n.RelationName != "" {
		s := n.NodeType + " on " + n.RelationName
		if n.IndexName != "" {
			s += " (" + n.IndexName + ")"
		}
		out = append(out, s)
	}
	for _, c := range n.Plans {
		out = append(out, c.scans()...)
	}
	return out
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func explainJSON(t *testing.T, ctx context.Context, db rowQueryer, stmt string, args ...any) (planNode, string) {
	t.Helper()
	var raw string
	require.NoError(t, db.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+stmt, args...).Scan(&raw))
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &plans), raw)
	require.Len(t, plans, 1)
	return plans[0].Plan, raw
}

var uuidLiteral = regexp.MustCompile(`'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'`)

// TestAPIKeyLookupPlanIsIndexScansOnly: a cache miss of Authenticate
// (Store.GetKey) is one statement, and on tables of a few thousand keys in
// a thousand workspaces, analyzed, its plan reads the lookup table, the
// keys and the workspace by their primary keys only: no Seq Scan, neither
// with the literal id (a custom plan) nor as the generic plan the cached
// prepared statement switches to after five runs. The per-workspace
// reads (the Authorizer's grants, the plan's count, the list) use the
// keys' primary key too.
func TestAPIKeyLookupPlanIsIndexScansOnly(t *testing.T) {
	const workspaces, perWorkspace = 1000, 3
	db := migratedDB(t)
	ctx := context.Background()
	s := bunstore.New(db)
	acct := seedAccount(t, s, "owner")
	var ids []uuid.UUID
	var wsIDs []uuid.UUID
	require.NoError(t, s.Atomic(ctx, func(ctx context.Context) error {
		for i := range workspaces {
			w := workspace.Workspace{ID: workspace.NewID(), AccountID: acct.ID, Name: fmt.Sprint("w", i), CreatedAt: t0, UpdatedAt: t0}
			if err := s.CreateWorkspace(ctx, w); err != nil {
				return err
			}
			wsIDs = append(wsIDs, w.ID)
			for j := range perWorkspace {
				k := apikey.Key{ID: workspace.NewID(), WorkspaceID: w.ID, Name: fmt.Sprint("k", j), Role: workspace.RoleMember,
					CreatedBy: "owner", CreatedAt: t0, Hash: []byte(fmt.Sprint("hash-", i, "-", j))}
				if j == 1 {
					k.ExpiresAt = t0.Add(time.Hour)
				}
				if err := s.CreateKey(ctx, k); err != nil {
					return err
				}
				ids = append(ids, k.ID)
			}
		}
		return nil
	}))
	_, err := db.ExecContext(ctx, "ANALYZE")
	require.NoError(t, err)

	rec := &sqlRecorder{}
	db.AddQueryHook(rec)
	bunFormatted := bunstore.New(foreignIDB{db}) // runs the store's statements through bun, where the hook sees them
	target := ids[len(ids)/2]
	rec.take()
	got, err := bunFormatted.GetKey(ctx, target)
	require.NoError(t, err)
	require.Equal(t, target, got.ID)
	stmts := rec.take()
	require.Len(t, stmts, 1, "GetKey is one statement: %q", stmts)
	getKey := stmts[0]

	keyTables := []string{bunstore.KeysTable, bunstore.KeyIDsTable}
	check := func(on rowQueryer, what, stmt string, args []any, strictTables []string) {
		t.Helper()
		plan, raw := explainJSON(t, ctx, on, stmt, args...)
		scans := plan.scans()
		t.Logf("%s: %s", what, strings.Join(scans, "; "))
		for _, sc := range scans {
			for _, table := range strictTables {
				if strings.HasSuffix(sc, " on "+table) || strings.Contains(sc, " on "+table+" (") {
					require.NotContains(t, sc, "Seq Scan", "%s: %s\nplan: %s", what, stmt, raw)
				}
			}
		}
		require.NotContains(t, raw, "Seq Scan", "%s: %s\nplan: %s", what, stmt, raw)
	}
	// The custom plan, for the literal id bun wrote.
	check(db, "GetKey (custom plan)", getKey, nil, append(keyTables, "workspaces"))
	// Every relation is read through its primary key.
	plan, _ := explainJSON(t, ctx, db, getKey)
	scans := strings.Join(plan.scans(), "; ")
	for _, want := range []string{bunstore.KeyIDsTable + " (" + bunstore.KeyIDsTable + "_pkey)", bunstore.KeysTable + " (" + bunstore.KeysTable + "_pkey)", "workspaces (workspaces_pkey)"} {
		require.Contains(t, scans, want)
	}

	// The generic plan of the same statement with $1 for the id, as the
	// prepared statement runs it after its first five executions.
	generic := uuidLiteral.ReplaceAllString(getKey, "$$1")
	require.NotEqual(t, getKey, generic)
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan")
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "PREPARE getkey(uuid) AS "+generic)
	require.NoError(t, err)
	check(conn, "GetKey (generic plan)", "EXECUTE getkey('"+target.String()+"')", nil, append(keyTables, "workspaces"))
	plan, _ = explainJSON(t, ctx, conn, "EXECUTE getkey('"+target.String()+"')")
	scans = strings.Join(plan.scans(), "; ")
	for _, want := range []string{bunstore.KeyIDsTable + "_pkey", bunstore.KeysTable + "_pkey", "workspaces_pkey"} {
		require.Contains(t, scans, want, "generic plan")
	}

	// The per-workspace reads.
	w := wsIDs[len(wsIDs)/3]
	rec.take() // the EXPLAINs above
	_, err = bunFormatted.ListKeyGrants(ctx, w)
	require.NoError(t, err)
	_, err = bunFormatted.CountActiveKeys(ctx, w, t0)
	require.NoError(t, err)
	_, err = bunFormatted.ListKeys(ctx, w, uuid.Nil, 50)
	require.NoError(t, err)
	for i, stmt := range rec.take() {
		check(db, fmt.Sprint("per-workspace read ", i), stmt, nil, keyTables)
	}

	// TouchKeys of a flush's worth of keys (informational: its plan may
	// reasonably hash-join for many ids).
	used := map[uuid.UUID]time.Time{}
	for _, id := range ids[:50] {
		used[id] = t0.Add(time.Minute)
	}
	rec.take()
	require.NoError(t, bunFormatted.TouchKeys(ctx, used))
	for _, stmt := range rec.take() {
		for id := range used { // touch later again, so that EXPLAIN ANALYZE has rows to lock
			used[id] = t0.Add(time.Hour)
		}
		plan, _ := explainJSON(t, ctx, db, strings.ReplaceAll(stmt, t0.Add(time.Minute).Format("2006-01-02 15:04:05"), t0.Add(time.Hour).Format("2006-01-02 15:04:05")))
		t.Logf("TouchKeys of 50 keys: %s", strings.Join(plan.scans(), "; "))
	}
}
