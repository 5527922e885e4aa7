package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// parallelTable compares the PK-select transaction's throughput with and
// without strict mode when many clients share the machine, as a server
// under load runs it: goroutines each on their own pooled connection,
// the sides taking turns in short rounds (the order flipping every round),
// the median of the per-round ratios reported. The single-client table
// measures what one transaction waits; this one what the setting and the
// policy cost in CPU when the server is busy.
func parallelTable(ctx context.Context, e *env, clients, rounds int, round time.Duration) error {
	sides := []struct {
		name string
		db   *bun.DB
	}{
		{"guarded (no strict mode), a plain login role (NOSUPERUSER BYPASSRLS)", e.hostRole},
		{"strict mode: SET LOCAL + RLS policy, app role", e.strict},
		{"guarded (no strict mode), superuser", e.guarded},
		{"guarded + the workspace's SET LOCAL, superuser (no policy binds it)", e.setOnly},
	}
	for _, s := range sides {
		s.db.DB.SetMaxOpenConns(clients)
		s.db.DB.SetMaxIdleConns(clients)
		defer func(db *bun.DB) { db.DB.SetMaxOpenConns(4); db.DB.SetMaxIdleConns(4) }(s.db)
	}
	run := func(db *bun.DB, d time.Duration) (float64, error) {
		tx := e.pkTx(db)
		workers := make([]func(context.Context) error, clients)
		for k := range workers {
			workers[k] = tx
		}
		return rate(ctx, workers, d)
	}

	for _, s := range sides { // warm-up: open and prepare every connection
		if _, err := run(s.db, round/2); err != nil {
			return err
		}
	}
	rates := make([][]float64, len(sides))
	var ratios []float64
	for r := 0; r < rounds; r++ {
		got := make([]float64, len(sides))
		for k := range sides {
			j := (k + r) % len(sides)
			rate, err := run(sides[j].db, round)
			if err != nil {
				return err
			}
			got[j] = rate
			rates[j] = append(rates[j], rate)
		}
		ratios = append(ratios, got[0]/got[1])
	}
	m, lo, hi := medianCI(ratios)
	fmt.Printf("\nPK-select transactions per second, %d clients at once on %d connections, %d alternating rounds of %v:\n\n", clients, clients, rounds, round)
	fmt.Printf("| transaction | median tx/s | 1 / rate |\n|---|---|---|\n")
	for j, s := range sides {
		fmt.Printf("| %s | %.0f | %s |\n", s.name, median(rates[j]), fmtNs(1e9/median(rates[j])))
	}
	fmt.Printf("\nstrict mode's cost under load (plain tx/s / strict tx/s): median round ratio %.3fx (95%%: %.3f-%.3f)\n", m, lo, hi)
	return nil
}

// rate runs every worker in a loop of its own for d and returns the
// completed calls per second of all of them; the first error stops its
// worker and is returned.
func rate(ctx context.Context, workers []func(context.Context) error, d time.Duration) (float64, error) {
	var n atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for _, w := range workers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if err := w(ctx); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, ok := first.Load().(error); ok {
		return 0, err
	}
	return float64(n.Load()) / d.Seconds(), nil
}
