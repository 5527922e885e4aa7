// Command benchtable measures what bunstore's workspace isolation costs and
// prints the figures side by side with their baselines, in one run, on a
// throwaway PostgreSQL cluster (or $WORKSPACEKIT_TEST_DSN):
//
//	go run ./store/bunstore/internal/benchtable
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/internal/pgtest"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

type agent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	bunstore.Scoped
	ID   uuid.UUID `bun:"id,pk,type:uuid"`
	Name string    `bun:"name"`
}

// plainAgent is the same table without the embed: the hand-written baseline.
type plainAgent struct {
	bun.BaseModel `bun:"table:agents,alias:agent"`
	WorkspaceID   uuid.UUID `bun:"workspace_id,type:uuid"`
	ID            uuid.UUID `bun:"id,pk,type:uuid"`
	Name          string    `bun:"name"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

type row struct {
	what       string
	base, with testing.BenchmarkResult
}

func ns(r testing.BenchmarkResult) float64 { return float64(r.T.Nanoseconds()) / float64(r.N) }

func run() error {
	cl, err := pgtest.Start()
	if err != nil {
		return err
	}
	defer cl.Stop()
	ctx := context.Background()
	name := fmt.Sprintf("benchtable_%d", os.Getpid())
	if err := cl.CreateTemplate(ctx, name, func(context.Context, string) error { return nil }); err != nil {
		return err
	}
	defer cl.DropDatabase(name)
	dsn := cl.DSN(name)

	reg := bunstore.NewRegistry()
	db, err := reg.OpenDB(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	plainReg := bunstore.NewRegistry() // no tables: no guard work, no hooks
	plain, err := plainReg.OpenDB(dsn)
	if err != nil {
		return err
	}
	defer plain.Close()
	if err := reg.Register(db, (*agent)(nil)); err != nil {
		return err
	}
	un := workspace.Unscoped(ctx, "benchtable setup")
	if _, err := db.ExecContext(un, `CREATE TABLE agents (workspace_id uuid NOT NULL, id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (workspace_id, id));
		INSERT INTO agents SELECT w, gen_random_uuid(), 'agent' FROM (SELECT gen_random_uuid() w FROM generate_series(1, 100)) ws, generate_series(1, 100)`); err != nil {
		return err
	}
	var ws, id uuid.UUID
	if err := db.QueryRowContext(un, "SELECT workspace_id, id FROM agents LIMIT 1").Scan(&ws, &id); err != nil {
		return err
	}
	sctx := workspace.WithScope(ctx, workspace.Scope{AccountID: ws, WorkspaceID: ws, UserID: "bench"})

	var rows []row
	// 1. Formatting only: the hook's Where vs the same Where by hand.
	rows = append(rows, row{"format PK select (hook vs hand-written Where)",
		testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a plainAgent
				_ = plain.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Where("?TableAlias.workspace_id = ?", ws).String()
			}
		}),
		testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a agent
				q := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id)
				_ = (*bunstore.Scoped).BeforeSelect(nil, sctx, q)
				_ = q.String()
			}
		})})
	// 2. The guard reading that statement.
	var a0 agent
	q := db.NewSelect().Model(&a0).Where("?TableAlias.id = ?", id)
	_ = (*bunstore.Scoped).BeforeSelect(nil, sctx, q)
	stmt := q.String()
	rows = append(rows, row{"guard check of that statement (none vs Check)",
		testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = plainReg.Check(sctx, stmt, nil)
			}
		}),
		testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := reg.Check(sctx, stmt, nil); err != nil {
					b.Fatal(err)
				}
			}
		})})
	// 3. PK select on PostgreSQL: hand-written Where, no guard vs hook + guard.
	rows = append(rows, row{"PK select on PostgreSQL (hand vs hook+guard)",
		testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				var a plainAgent
				if err := plain.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Where("?TableAlias.workspace_id = ?", ws).Scan(sctx); err != nil {
					b.Fatal(err)
				}
			}
		}),
		testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				var a agent
				if err := db.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Scan(sctx); err != nil {
					b.Fatal(err)
				}
			}
		})})
	// 4. Strict mode: a PK-select transaction with and without it.
	strict, err := reg.OpenDB(dsn, bunstore.WithStrictMode())
	if err != nil {
		return err
	}
	defer strict.Close()
	txBench := func(d *bun.DB) testing.BenchmarkResult {
		return testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				err := d.RunInTx(sctx, nil, func(ctx context.Context, tx bun.Tx) error {
					var a agent
					return tx.NewSelect().Model(&a).Where("?TableAlias.id = ?", id).Scan(ctx)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	rows = append(rows, row{"PK-select transaction (plain vs strict mode)", txBench(db), txBench(strict)})

	fmt.Printf("%-50s %14s %14s %8s %12s %12s\n", "measure", "baseline", "with", "ratio", "allocs base", "allocs with")
	for _, r := range rows {
		fmt.Printf("%-50s %12.0fns %12.0fns %7.3fx %12d %12d\n", r.what, ns(r.base), ns(r.with), ns(r.with)/ns(r.base), r.base.AllocsPerOp(), r.with.AllocsPerOp())
	}
	return deleteBench(ctx, dsn)
}

// deleteBench deletes a workspace owning 100k rows across 8 registered
// tables while other workspaces keep reading and writing, and reports the
// delete's time and the others' latency meanwhile against before.
func deleteBench(ctx context.Context, dsn string) error {
	reg := bunstore.NewRegistry()
	db, err := reg.OpenDB(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	un := workspace.Unscoped(ctx, "benchtable setup")
	victim, other := workspace.NewID(), workspace.NewID()
	for i := 0; i < 8; i++ {
		t := fmt.Sprintf("host_%d", i)
		if _, err := db.ExecContext(un, fmt.Sprintf(`CREATE TABLE %[1]s (workspace_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), v int NOT NULL, PRIMARY KEY (workspace_id, id));
			INSERT INTO %[1]s (workspace_id, v) SELECT ?, g FROM generate_series(1, 12500) g;
			INSERT INTO %[1]s (workspace_id, v) SELECT ?, g FROM generate_series(1, 1000) g;
			ANALYZE %[1]s`, t), victim, other); err != nil {
			return err
		}
		plainTables = append(plainTables, t)
	}
	octx := workspace.WithScope(ctx, workspace.Scope{AccountID: other, WorkspaceID: other, UserID: "bench"})
	probe := func(stop <-chan struct{}) []time.Duration {
		var lat []time.Duration
		for i := 0; ; i++ {
			select {
			case <-stop:
				return lat
			default:
			}
			t0 := time.Now()
			tbl := plainTables[i%8]
			if _, err := db.ExecContext(octx, "UPDATE "+tbl+" SET v = v + 1 WHERE workspace_id = ? AND v = ?", other, i%1000+1); err != nil {
				panic(err)
			}
			var n int
			if err := db.QueryRowContext(octx, "SELECT count(*) FROM "+tbl+" WHERE workspace_id = ? AND v > 0", other).Scan(&n); err != nil {
				panic(err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	stop := make(chan struct{})
	go func() { time.Sleep(2 * time.Second); close(stop) }()
	before := probe(stop)

	var during []time.Duration
	var wg sync.WaitGroup
	var done atomic.Bool
	stop2 := make(chan struct{})
	wg.Add(1)
	go func() { defer wg.Done(); during = probe(stop2) }()
	t0 := time.Now()
	err = db.RunInTx(un, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, t := range plainTables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE workspace_id = ?", victim); err != nil {
				return err
			}
		}
		return nil
	})
	took := time.Since(t0)
	done.Store(true)
	close(stop2)
	wg.Wait()
	if err != nil {
		return err
	}
	fmt.Printf("\ndelete a workspace owning 100k rows in 8 tables (one transaction): %v\n", took.Round(time.Millisecond))
	fmt.Printf("other workspace's update+count round: before p50 %v p99 %v max %v (n=%d); during delete p50 %v p99 %v max %v (n=%d)\n",
		pct(before, 50), pct(before, 99), pct(before, 100), len(before), pct(during, 50), pct(during, 99), pct(during, 100), len(during))
	return nil
}

var plainTables []string

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
