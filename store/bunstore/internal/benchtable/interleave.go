package main

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/workspace"
)

// interleaved is a comparison of two transactions run alternately, one of
// each per step (the order flipping every step), timed one by one: load
// that comes and goes on a shared machine then hits both sides alike, at
// the scale of single transactions rather than of 300 ms rounds.
type interleaved struct {
	what                       string
	baseMed, withMed           float64 // ns, median per transaction
	baseMean, withMean         float64 // ns
	blockLo, blockHi, blockMed float64 // ratios of medians in blocks of the run
}

func interleave(ctx context.Context, what string, n int, base, with func(ctx context.Context) error) (interleaved, error) {
	const warm = 200
	b := make([]float64, 0, n)
	w := make([]float64, 0, n)
	for i := 0; i < n+warm; i++ {
		sides := [2]func(context.Context) error{base, with}
		outs := [2]*[]float64{&b, &w}
		if i%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
			outs[0], outs[1] = outs[1], outs[0]
		}
		for k := range sides {
			start := time.Now()
			if err := sides[k](ctx); err != nil {
				return interleaved{}, err
			}
			if i >= warm {
				*outs[k] = append(*outs[k], float64(time.Since(start).Nanoseconds()))
			}
		}
	}
	mean := func(v []float64) float64 {
		t := 0.0
		for _, x := range v {
			t += x
		}
		return t / float64(len(v))
	}
	r := interleaved{what: what, baseMed: median(b), withMed: median(w), baseMean: mean(b), withMean: mean(w)}
	const blocks = 5
	var ratios []float64
	for k := 0; k < blocks; k++ {
		lo, hi := k*len(b)/blocks, (k+1)*len(b)/blocks
		ratios = append(ratios, median(w[lo:hi])/median(b[lo:hi]))
	}
	r.blockMed = median(ratios)
	r.blockLo, r.blockHi = ratios[0], ratios[0]
	for _, x := range ratios {
		r.blockLo, r.blockHi = min(r.blockLo, x), max(r.blockHi, x)
	}
	return r, nil
}

func printInterleaved(rs []interleaved, n int) {
	fmt.Printf("\nInterleaved per transaction (%d of each, after 200 warm-up; ratio range over 5 blocks of the run):\n\n", n)
	fmt.Printf("| measure | baseline median | with median | ratio of medians | block range | ratio of means |\n|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Printf("| %s | %s | %s | %.3fx | %.3f-%.3fx | %.3fx |\n", r.what, fmtNs(r.baseMed), fmtNs(r.withMed), r.withMed/r.baseMed, r.blockLo, r.blockHi, r.withMean/r.baseMean)
	}
}

// pkTx is one primary-key select transaction on db, scoped to env's workspace.
func (e *env) pkTx(db *bun.DB) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return db.RunInTx(e.sctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var a agent
			return tx.NewSelect().Model(&a).Where("?TableAlias.id = ?", e.id).Scan(ctx)
		})
	}
}

// explain prints the strict-mode plan of the PK select as the app role:
// the policy must not cost the primary-key index.
func (e *env) explain(ctx context.Context) error {
	var a0 agent
	q := e.strict.NewSelect().Model(&a0).Where("?TableAlias.id = ?", e.id)
	return e.strict.RunInTx(e.sctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var lines []string
		// The guard reads no EXPLAIN; the setting was sent with BEGIN.
		ctx = workspace.Unscoped(ctx, "benchtable: explain")
		if err := tx.NewRaw("EXPLAIN (COSTS OFF) "+q.String()+" AND agent.workspace_id = '"+e.ws.String()+"'").Scan(ctx, &lines); err != nil {
			return err
		}
		fmt.Printf("\nPlan of the PK select as the app role in strict mode:\n")
		for _, l := range lines {
			fmt.Println("    " + l)
		}
		return nil
	})
}
