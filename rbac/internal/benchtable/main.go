// Command benchtable runs the rbac benchmarks against Casbin's
// SyncedEnforcer and SyncedCachedEnforcer on the same model and policy, in
// one process, and prints a side-by-side table with ratios (markdown).
//
//	go run ./rbac/internal/benchtable                 # 10k workspaces x 20 members
//	go run ./rbac/internal/benchtable -workspaces 100000 -members 10
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/workspacekit/workspacekit/rbac/internal/benchkit"
)

func main() {
	workspaces := flag.Int("workspaces", 10_000, "workspaces in the fixture")
	members := flag.Int("members", 20, "members per workspace (the account owner included)")
	flag.Parse()
	testing.Init()
	_ = flag.Set("test.benchtime", "1s")

	start := time.Now()
	e, err := benchkit.NewEnv(*workspaces, *members)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "fixture: %d workspaces, %d memberships, built in %s\n", *workspaces, len(e.F.Members), time.Since(start).Round(time.Millisecond))

	w := os.Stdout
	fmt.Fprintf(w, "%d workspaces x %d members = %d memberships; %s, GOMAXPROCS=%d\n\n", *workspaces, *members, len(e.F.Members), runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(w, "| benchmark | workspacekit | casbin SyncedEnforcer | casbin SyncedCachedEnforcer | ratio vs Synced | ratio vs SyncedCached |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")

	loadPolicy := testing.Benchmark(e.LoadPolicySynced) // slow: run once, used twice
	row := func(name string, o, s testing.BenchmarkResult, cached func(*testing.B)) {
		cell, ratio := "n/a", "n/a"
		if cached != nil {
			c := testing.Benchmark(cached)
			cell, ratio = fmtResult(c), fmt.Sprintf("%.0fx", nsop(c)/nsop(o))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.0fx | %s |\n", name, fmtResult(o), fmtResult(s), cell, nsop(s)/nsop(o), ratio)
	}
	bench := testing.Benchmark
	row("repeated check (same user)", bench(e.RepeatedOurs), bench(e.RepeatedSynced), e.RepeatedCached)
	row("check rotating over all memberships", bench(e.RotatingOurs), bench(e.RotatingSynced), e.RotatingCached)
	row("start: New + first check vs full LoadPolicy", bench(e.FirstCheckOurs), loadPolicy, nil)
	row("first check of a workspace (filtered load) vs full LoadPolicy", bench(e.FirstLoadOurs), loadPolicy, nil)
	// One pass over the workspaces, so that no untimed reload is needed.
	_ = flag.Set("test.benchtime", fmt.Sprintf("%dx", len(e.F.Workspaces)))
	dropOurs := bench(e.DropOurs)
	_ = flag.Set("test.benchtime", "1s")
	row("drop one workspace: Invalidate vs RemoveFilteredGroupingPolicy", dropOurs, bench(e.DropSynced), nil)
	row("concurrent checks while a goroutine changes roles (per check, all cores)", bench(e.ConcurrentOurs), bench(e.ConcurrentSynced), nil)

	ours, est, err := e.F.MemoryOurs()
	if err != nil {
		log.Fatal(err)
	}
	theirs, err := e.F.MemoryCasbin()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(w, "| heap per loaded membership (runtime-measured; Stats estimate %.0f B) | %.0f B | %.0f B | n/a | %.1fx less | n/a |\n", est, ours, theirs, theirs/ours)
	fmt.Fprintf(os.Stderr, "total %s\n", time.Since(start).Round(time.Second))
}

func nsop(r testing.BenchmarkResult) float64 {
	return float64(r.T.Nanoseconds()) / float64(max(r.N, 1))
}

func fmtResult(r testing.BenchmarkResult) string {
	ns := nsop(r)
	var t string
	switch {
	case ns >= 1e6:
		t = fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		t = fmt.Sprintf("%.2f µs", ns/1e3)
	default:
		t = fmt.Sprintf("%.0f ns", ns)
	}
	return fmt.Sprintf("%s, %d allocs", t, r.AllocsPerOp())
}
