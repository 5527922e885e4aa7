package modeltest

import (
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Soak is the load test: l.Actors goroutines for l.Duration (or l.Ops
// each) of mixed operations, each outcome checked against its actor's
// model as it comes (l.Light skips the per-operation inspection) and the
// whole store at the end (RunConcurrent's rule). Then it checks what a
// long-lived process must not accumulate: goroutines left running
// (goleak, against those running before the soak), connections still in
// use (Target.InUse, after the pools had a moment to take them back), and
// heap growth beyond maxHeapGrowth (plus l.HeapPerOp for each operation)
// once the soak's own models are dropped and the collector ran. It logs
// operations per second.
//
// -modeltest.ops=N makes a soak run until its actors ran N operations in
// all, whatever its duration: the release run (see the package doc).
func Soak(t *testing.T, h Harness, l Load, maxHeapGrowth uint64) {
	t.Helper()
	if *flagTotal > 0 {
		l.Total = *flagTotal
	}
	l = l.withDefaults()
	target := h.New(t)
	ignore := goleak.IgnoreCurrent()
	before := heap()
	runLoad(t, target, l)
	after := heap()
	growth := int64(after) - int64(before)
	ops := uint64(l.Stats.Ops.Load())
	t.Logf("modeltest: soak heap %d KiB before, %d KiB after (%+d KiB, %.0f B per operation; the store's own rows included when it is in memory)",
		before/1024, after/1024, growth/1024, float64(growth)/float64(max(ops, 1)))
	if limit := maxHeapGrowth + l.HeapPerOp*ops; growth > int64(limit) {
		t.Errorf("modeltest: the heap grew by %d KiB, more than %d KiB (%d KiB + %d B for each of %d operations)",
			growth/1024, limit/1024, maxHeapGrowth/1024, l.HeapPerOp, ops)
	}
	if target.InUse != nil {
		n := target.InUse()
		for end := time.Now().Add(2 * time.Second); n != 0 && time.Now().Before(end); n = target.InUse() {
			time.Sleep(10 * time.Millisecond)
		}
		if n != 0 {
			t.Errorf("modeltest: %d connections still in use after the soak", n)
		}
	}
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("modeltest: goroutines leaked by the soak: %v", err)
	}
}

func heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
