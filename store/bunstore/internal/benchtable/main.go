// Command benchtable measures what bunstore's workspace isolation and its
// change log cost and prints the figures side by side with their
// baselines, in one run, on a throwaway PostgreSQL cluster listening on
// TCP loopback (or $WORKSPACEKIT_TEST_DSN):
//
//	go run ./store/bunstore/internal/benchtable
//
// The machine it runs on is usually shared, so each comparison runs its
// baseline and its candidate in alternating rounds (the order flipping
// every round) and reports the median of the per-round ratios, with both
// medians' absolute times: drift in the machine's load hits both sides.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
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

var (
	rounds    = flag.Int("rounds", 5, "alternating rounds per comparison")
	benchtime = flag.String("benchtime", "300ms", "time per testing.Benchmark run")
	steps     = flag.Int("steps", 4000, "transactions of each side in the interleaved comparisons")
	clients   = flag.Int("clients", 8, "concurrent clients in the throughput comparison")
	prounds   = flag.Int("prounds", 21, "alternating rounds of the throughput comparison")
	clsteps   = flag.Int("clsteps", 1000, "membership changes of each side in the change log comparison")
	clrounds  = flag.Int("clrounds", 7, "alternating 1 s rounds of the change log throughput comparison")
	only      = flag.String("only", "", `run one part only: "changelog" or "propagation"`)
	changes   = flag.Int("changes", 1000, "role changes in the propagation run")
	perMinute = flag.Int("perminute", 10000, "role changes per minute in the propagation run's steady stream")
)

func main() {
	// workspace.Unscoped logs each use; the setup's are expected.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	testing.Init()
	flag.Parse()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	fmt.Printf("load average at start: %s\n", loadavg())
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	fmt.Printf("load average at end: %s\n", loadavg())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// comparison is one row of the table.
type comparison struct {
	what           string
	base, with     []float64 // ns/op per round
	allocB, allocW int64
	hideAllocs     bool
}

func nsOp(r testing.BenchmarkResult) float64 { return float64(r.T.Nanoseconds()) / float64(r.N) }

// compare runs base and with in alternating rounds.
func compare(what string, base, with func(b *testing.B)) comparison {
	c := comparison{what: what}
	for r := 0; r < *rounds; r++ {
		var rb, rw testing.BenchmarkResult
		if r%2 == 0 {
			rb, rw = testing.Benchmark(base), testing.Benchmark(with)
		} else {
			rw, rb = testing.Benchmark(with), testing.Benchmark(base)
		}
		c.base, c.with = append(c.base, nsOp(rb)), append(c.with, nsOp(rw))
		c.allocB, c.allocW = rb.AllocsPerOp(), rw.AllocsPerOp()
	}
	return c
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (c comparison) ratios() []float64 {
	out := make([]float64, len(c.base))
	for i := range c.base {
		out[i] = c.with[i] / c.base[i]
	}
	return out
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func printTable(cs []comparison) {
	fmt.Printf("\n| measure | baseline (median) | with (median) | median ratio | ratio range | allocs base / with |\n|---|---|---|---|---|---|\n")
	for _, c := range cs {
		rs := c.ratios()
		lo, hi := rs[0], rs[0]
		for _, r := range rs {
			lo, hi = min(lo, r), max(hi, r)
		}
		allocs := fmt.Sprintf("%d / %d", c.allocB, c.allocW)
		if c.hideAllocs {
			allocs = "-"
		}
		fmt.Printf("| %s | %s | %s | %.3fx | %.3f-%.3fx | %s |\n", c.what, fmtNs(median(c.base)), fmtNs(median(c.with)), median(rs), lo, hi, allocs)
	}
}

func run() error {
	srv, err := startTCP()
	if err != nil {
		return err
	}
	defer srv.stop()
	ctx := context.Background()
	env, err := newEnv(ctx, srv.dsn)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Printf("server: %s (%d rounds of %s per side)\n", env.where, *rounds, *benchtime)
	switch *only {
	case "changelog":
		return changeLogTable(ctx, env, *clsteps, *clients, *clrounds, time.Second)
	case "propagation":
		// Last: it restarts the server.
		return propagationTable(ctx, srv, *changes, *perMinute)
	}

	var cs []comparison
	cs = append(cs, compare("format PK select: hand-written Where vs hook",
		func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a plainAgent
				_ = env.bare.NewSelect().Model(&a).Where("?TableAlias.id = ?", env.id).Where("?TableAlias.workspace_id = ?", env.ws).String()
			}
		},
		func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var a agent
				q := env.bare.NewSelect().Model(&a).Where("?TableAlias.id = ?", env.id)
				_ = (*bunstore.Scoped).BeforeSelect(nil, env.sctx, q)
				_ = q.String()
			}
		}))
	cs = append(cs, guardRows(env)...)
	printTable(cs)

	fo := formatOverhead(env)
	fmt.Printf("\nformat PK select, interleaved batches of %d (%d pairs): hand-written Where %s, hook - hand-written: median %+.0f ns (95%%: %+.0f to %+.0f ns), allocs %d / %d\n",
		fo.batch, fo.pairs, fmtNs(fo.hand), fo.diff, fo.lo, fo.hi, fo.allocHand, fo.allocHook)

	var is []interleaved
	pk := func(db *bun.DB, hook bool) func(ctx context.Context) error {
		return func(context.Context) error {
			if hook {
				var a agent
				return db.NewSelect().Model(&a).Where("?TableAlias.id = ?", env.id).Scan(env.sctx)
			}
			var a plainAgent
			return db.NewSelect().Model(&a).Where("?TableAlias.id = ?", env.id).Where("?TableAlias.workspace_id = ?", env.ws).Scan(env.sctx)
		}
	}
	for _, c := range []struct {
		what       string
		base, with func(context.Context) error
		refresh    func()
	}{
		// Same pool, same statement text (same prepared statement):
		// the only difference is the hook.
		{"PK select over TCP: hand-written Where vs hook (no guard)", pk(env.bare, false), pk(env.bare, true), nil},
		{"PK select over TCP: hand-written Where vs hook, both guarded", pk(env.guarded, false), pk(env.guarded, true), nil},
		{"PK select over TCP with the hook: no guard vs guard", pk(env.bare, true), pk(env.guarded, true), freshConnections(env.bare, env.guarded)},
	} {
		r, err := interleave(ctx, c.what, *steps, c.base, c.with, c.refresh)
		if err != nil {
			return err
		}
		is = append(is, r)
	}
	printInterleaved(is, *steps)
	if err := strictTable(ctx, env, *steps); err != nil {
		return err
	}
	if err := requestTable(ctx, env, *steps); err != nil {
		return err
	}
	if err := parallelTable(ctx, env, *clients, *prounds, 300*time.Millisecond); err != nil {
		return err
	}
	if err := probeBegin(ctx, env, *steps); err != nil {
		return err
	}
	if err := probePolicy(ctx, env, *steps); err != nil {
		return err
	}
	if err := env.explain(ctx); err != nil {
		return err
	}

	plainW, strictW, err := env.roundTrips(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("\nclient writes (one per round trip) per PK-select transaction: plain %.1f, strict %.1f\n", plainW, strictW)
	if err := deleteBench(ctx, env); err != nil {
		return err
	}
	return changeLogTable(ctx, env, *clsteps, *clients, *clrounds, time.Second)
}
