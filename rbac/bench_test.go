package rbac_test

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/workspacekit/workspacekit/rbac/internal/benchkit"
)

// The benchmarks share one fixture of RBAC_BENCH_WORKSPACES (default 10000)
// workspaces x RBAC_BENCH_MEMBERS (default 20) members. The side-by-side
// table with ratios: go run ./rbac/internal/benchtable.
var (
	benchOnce sync.Once
	benchEnv  *benchkit.Env
	benchErr  error
)

func env4bench(b *testing.B) *benchkit.Env {
	benchOnce.Do(func() {
		benchEnv, benchErr = benchkit.NewEnv(envInt("RBAC_BENCH_WORKSPACES", 10_000), envInt("RBAC_BENCH_MEMBERS", 20))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchEnv
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func BenchmarkRepeatedCheck(b *testing.B) {
	e := env4bench(b)
	b.Run("ours", e.RepeatedOurs)
	b.Run("casbin-synced", e.RepeatedSynced)
	b.Run("casbin-synced-cached", e.RepeatedCached)
}

func BenchmarkRotatingUsers(b *testing.B) {
	e := env4bench(b)
	b.Run("ours", e.RotatingOurs)
	b.Run("casbin-synced", e.RotatingSynced)
	b.Run("casbin-synced-cached", e.RotatingCached)
}

func BenchmarkFirstCheck(b *testing.B) {
	e := env4bench(b)
	b.Run("ours-new-and-first-check", e.FirstCheckOurs)
	b.Run("ours-first-check-only", e.FirstLoadOurs)
	b.Run("casbin-load-policy", e.LoadPolicySynced)
}

func BenchmarkDropWorkspace(b *testing.B) {
	e := env4bench(b)
	b.Run("ours-invalidate", e.DropOurs)
	b.Run("casbin-remove-filtered-grouping", e.DropSynced)
}

func BenchmarkConcurrentChecksWithWriter(b *testing.B) {
	e := env4bench(b)
	b.Run("ours", e.ConcurrentOurs)
	b.Run("casbin-synced", e.ConcurrentSynced)
}

func BenchmarkMemoryPerMembership(b *testing.B) {
	e := env4bench(b)
	b.Run("ours", func(b *testing.B) {
		for range b.N {
			measured, _, err := e.F.MemoryOurs()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(measured, "B/membership")
		}
	})
	b.Run("casbin", func(b *testing.B) {
		for range b.N {
			measured, err := e.F.MemoryCasbin()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(measured, "B/membership")
		}
	})
}
