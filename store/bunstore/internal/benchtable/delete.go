package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Eight registered host tables for the workspace-delete measure.
type (
	host0 struct {
		bun.BaseModel `bun:"table:host_0"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host1 struct {
		bun.BaseModel `bun:"table:host_1"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host2 struct {
		bun.BaseModel `bun:"table:host_2"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host3 struct {
		bun.BaseModel `bun:"table:host_3"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host4 struct {
		bun.BaseModel `bun:"table:host_4"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host5 struct {
		bun.BaseModel `bun:"table:host_5"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host6 struct {
		bun.BaseModel `bun:"table:host_6"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
	host7 struct {
		bun.BaseModel `bun:"table:host_7"`
		bunstore.Scoped
		ID uuid.UUID `bun:"id,pk,type:uuid"`
		V  int       `bun:"v"`
	}
)

// deleteBench purges a workspace owning 100k rows across 8 registered
// tables with the registry's Purge, in one transaction as the lifecycle
// service runs it, while another workspace keeps reading and writing the
// same tables through the guard; it reports the purge's time and the
// other workspace's latency before and during it.
func deleteBench(ctx context.Context, e *env) error {
	reg := bunstore.NewRegistry()
	models := []any{(*host0)(nil), (*host1)(nil), (*host2)(nil), (*host3)(nil), (*host4)(nil), (*host5)(nil), (*host6)(nil), (*host7)(nil)}
	if err := reg.Register(e.bare, models...); err != nil {
		return err
	}
	db, err := openDB(e.owner, reg, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	victim, other := workspace.NewID(), workspace.NewID()
	tables := reg.Tables()
	for _, t := range tables {
		if _, err := e.bare.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %[1]s (workspace_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), v int NOT NULL, PRIMARY KEY (workspace_id, id));
			INSERT INTO %[1]s (workspace_id, v) SELECT ?, g FROM generate_series(1, 12500) g;
			INSERT INTO %[1]s (workspace_id, v) SELECT ?, g FROM generate_series(1, 1000) g;
			ANALYZE %[1]s`, t), victim, other); err != nil {
			return err
		}
	}
	octx := workspace.WithScope(ctx, workspace.Scope{AccountID: other, WorkspaceID: other, UserID: "bench"})
	probe := func(stop <-chan struct{}) ([]time.Duration, error) {
		var lat []time.Duration
		for i := 0; ; i++ {
			select {
			case <-stop:
				return lat, nil
			default:
			}
			t0 := time.Now()
			tbl := tables[i%len(tables)]
			if _, err := db.ExecContext(octx, "UPDATE "+tbl+" SET v = v + 1 WHERE workspace_id = ? AND v = ?", other, i%1000+1); err != nil {
				return nil, err
			}
			var n int
			if err := db.QueryRowContext(octx, "SELECT count(*) FROM "+tbl+" WHERE workspace_id = ? AND v > 0", other).Scan(&n); err != nil {
				return nil, err
			}
			lat = append(lat, time.Since(t0))
		}
	}
	stop := make(chan struct{})
	go func() { time.Sleep(2 * time.Second); close(stop) }()
	before, err := probe(stop)
	if err != nil {
		return err
	}

	var during []time.Duration
	var perr error
	var wg sync.WaitGroup
	stop2 := make(chan struct{})
	wg.Add(1)
	go func() { defer wg.Done(); during, perr = probe(stop2) }()
	t0 := time.Now()
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Outside the lifecycle service's deletion a purge is system work.
		return reg.Purge(tx)(workspace.Unscoped(ctx, "benchtable: purge"), victim)
	})
	took := time.Since(t0)
	close(stop2)
	wg.Wait()
	if err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	var left int
	for _, t := range tables {
		var n int
		if err := e.bare.QueryRowContext(ctx, "SELECT count(*) FROM "+t+" WHERE workspace_id = ?", victim).Scan(&n); err != nil {
			return err
		}
		left += n
	}
	fmt.Printf("\npurge a workspace owning 100k rows in 8 registered tables (Registry.Purge, one transaction): %v (%d rows left)\n", took.Round(time.Millisecond), left)
	fmt.Printf("other workspace's guarded update+count round: before p50 %v p99 %v max %v (n=%d); during the purge p50 %v p99 %v max %v (n=%d)\n",
		pct(before, 50), pct(before, 99), pct(before, 100), len(before), pct(during, 50), pct(during, 99), pct(during, 100), len(during))
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := len(s) * p / 100
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i].Round(time.Microsecond)
}
