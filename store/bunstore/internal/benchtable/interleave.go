package main

import (
	"context"
	"fmt"
	"math"
	"sort"
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
	// pairMed is the median of the ratios within pairs (the two runs of a
	// step, back to back), with its distribution-free 95% range.
	pairMed, pairLo, pairHi float64
}

// medianCI returns the median of v and a distribution-free 95% range for
// it: the order statistics n/2 ± 0.98·√n (a sign test's bounds).
func medianCI(v []float64) (med, lo, hi float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0, 0, 0
	}
	d := int(math.Ceil(0.98 * math.Sqrt(float64(n))))
	return median(s), s[max(0, n/2-d)], s[min(n-1, n/2+d)]
}

// interleave runs base and with alternately, n timed steps in all.
//
// With refresh (which must make both sides open new connections), the run
// is cut into 20 parts, each on fresh connections after 20 warm-up steps:
// two server backends can differ by several percent for the whole life of
// a connection (where the scheduler puts them, what they have cached), so
// comparing two pools on one pair of connections measures that pair.
func interleave(ctx context.Context, what string, n int, base, with func(ctx context.Context) error, refresh func()) (interleaved, error) {
	warm := 200
	parts := 1
	if refresh != nil {
		warm, parts = 20, 20
	}
	b := make([]float64, 0, n)
	w := make([]float64, 0, n)
	for part := 0; part < parts; part++ {
		if refresh != nil {
			refresh()
		}
		if err := interleavePart(ctx, n/parts, warm, base, with, &b, &w); err != nil {
			return interleaved{}, err
		}
	}
	return summarize(what, b, w), nil
}

// interleavePart runs n timed steps after warm untimed ones, appending to
// b and w.
func interleavePart(ctx context.Context, n, warm int, base, with func(ctx context.Context) error, b, w *[]float64) error {
	for i := 0; i < n+warm; i++ {
		sides := [2]func(context.Context) error{base, with}
		outs := [2]*[]float64{b, w}
		if i%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
			outs[0], outs[1] = outs[1], outs[0]
		}
		for k := range sides {
			start := time.Now()
			if err := sides[k](ctx); err != nil {
				return err
			}
			if i >= warm {
				*outs[k] = append(*outs[k], float64(time.Since(start).Nanoseconds()))
			}
		}
	}
	return nil
}

func summarize(what string, b, w []float64) interleaved {
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
	pairs := make([]float64, len(b))
	for i := range b {
		pairs[i] = w[i] / b[i]
	}
	r.pairMed, r.pairLo, r.pairHi = medianCI(pairs)
	r.blockMed = median(ratios)
	r.blockLo, r.blockHi = ratios[0], ratios[0]
	for _, x := range ratios {
		r.blockLo, r.blockHi = min(r.blockLo, x), max(r.blockHi, x)
	}
	return r
}

func printInterleaved(rs []interleaved, n int) {
	fmt.Printf("\nInterleaved one by one (%d of each after warm-up; a row comparing two pools runs in 20 parts on fresh connections; block range: ratios of medians over 5 blocks of the run):\n\n", n)
	fmt.Printf("| measure | baseline median | with median | ratio of medians | block range | median pair ratio (95%%) | ratio of means |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Printf("| %s | %s | %s | %.3fx | %.3f-%.3fx | %.3fx (%.3f-%.3f) | %.3fx |\n", r.what, fmtNs(r.baseMed), fmtNs(r.withMed), r.withMed/r.baseMed, r.blockLo, r.blockHi, r.pairMed, r.pairLo, r.pairHi, r.withMean/r.baseMean)
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

// rotate runs sides in turn, n timed steps after warm untimed ones (per
// part), the order rotating every step, each run timed alone. It returns
// each side's times and, per step, each side's time over side 0's.
// refresh, if not nil, runs before each of the parts (new connections).
func rotate(ctx context.Context, n, warm, parts int, refresh func(), sides []func(context.Context) error) (times, ratios [][]float64, err error) {
	times = make([][]float64, len(sides))
	ratios = make([][]float64, len(sides))
	step := make([]float64, len(sides))
	for part := 0; part < parts; part++ {
		if refresh != nil {
			refresh()
		}
		for i := 0; i < n/parts+warm; i++ {
			for k := range sides {
				j := (k + i) % len(sides)
				start := time.Now()
				if err := sides[j](ctx); err != nil {
					return nil, nil, err
				}
				step[j] = float64(time.Since(start).Nanoseconds())
			}
			if i < warm {
				continue
			}
			for j := range sides {
				times[j] = append(times[j], step[j])
				ratios[j] = append(ratios[j], step[j]/step[0])
			}
		}
	}
	return times, ratios, nil
}
