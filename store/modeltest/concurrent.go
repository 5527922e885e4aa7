package modeltest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// Load sizes a concurrent run.
type Load struct {
	// Actors run at once, each a goroutine (default 6).
	Actors int
	// Ops per actor; 0 runs until Duration.
	Ops int
	// Duration bounds the run (default 10 s when Ops is 0).
	Duration time.Duration
	// Seed of the actors' generators (actor i uses Seed+i); 0 picks one,
	// which the run prints.
	Seed uint64
	// Light skips the per-operation reads, snapshots and decisions and
	// checks only each outcome as it comes and the whole store at the
	// end (the soak: throughput over inspection).
	Light bool
	// Stats, when set, receives the run's counts.
	Stats *Stats
}

func (l Load) withDefaults() Load {
	l = l.fromFlags()
	if l.Actors <= 0 {
		l.Actors = 6
	}
	if l.Ops <= 0 && l.Duration <= 0 {
		l.Duration = 10 * time.Second
	}
	if l.Seed == 0 {
		l.Seed = rand.Uint64()
	}
	if l.Stats == nil {
		l.Stats = &Stats{}
	}
	return l
}

// RunConcurrent runs l.Actors actors at once on one target and one set of
// services (one Authorizer, one key service, one pool), each in accounts
// and workspaces of its own, drawing operations from its own seeded
// generator.
//
// The rule it checks, weaker than linearizability and exact for what it
// covers: the actors' operations touch disjoint rows (their own accounts,
// workspaces, invitations, keys, records), so any interleaving of them is
// equivalent to running each actor's sequence alone. Each actor's outcomes
// must therefore equal its own model's, operation by operation, and after
// each one its workspaces (read around the services while the others keep
// writing) and every decision for its users must too; at the end every
// actor's workspaces must equal its model and the host tables must hold
// exactly the rows of all models (nothing landed anywhere else). What the
// actors share is what they race on: the store's locks and change log,
// the pool, the Authorizer's and the key service's caches. Operations of
// different actors on the same rows are not generated, so they are not
// checked here. An actor's sequence replays from the printed seed (its
// operations do not depend on the others').
func RunConcurrent(t *testing.T, h Harness, l Load) {
	t.Helper()
	l = l.withDefaults()
	target := h.New(t)
	runLoad(t, target, l)
}

// runLoad runs the actors and the final check; it returns the number of
// operations.
func runLoad(t *testing.T, target *Target, l Load) {
	t.Helper()
	sys, err := newSystem(target, newClock())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := 0
	if target.Rows != nil {
		if base, err = target.Rows(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("modeltest: %d actors, seed %d (-modeltest.seed=%d replays each actor's sequence)", l.Actors, l.Seed, l.Seed)
	runners := make([]*runner, l.Actors)
	for i := range runners {
		w := newWorld(newModel(sys.clock.now(), resources(target)), sys.keys != nil)
		runners[i] = &runner{w: w, sys: sys, stats: l.Stats}
	}
	var deadline time.Time
	if l.Duration > 0 {
		deadline = time.Now().Add(l.Duration)
	}
	start := time.Now()
	errs := make([]error, l.Actors)
	var wg sync.WaitGroup
	for i, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := randSource{rand.New(rand.NewPCG(l.Seed+uint64(i), 0))}
			for n := 0; (l.Ops == 0 || n < l.Ops) && (deadline.IsZero() || time.Now().Before(deadline)); n++ {
				if err := r.concurrentStep(ctx, r.w.next(src, false), l.Light); err != nil {
					errs[i] = fmt.Errorf("actor %d (-modeltest.seed=%d, its generator seeded %d), operation %d: %w\n\nthe actor's sequence:\n%s", i, l.Seed, l.Seed+uint64(i), n, err, tail(r.trace, 40))
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	// The end state: every actor's workspaces equal its model, and the
	// host tables hold the models' rows and nothing else.
	total := 0
	for i, r := range runners {
		if err := r.final(ctx); err != nil {
			t.Fatalf("actor %d (seed %d) at the end: %v", i, l.Seed+uint64(i), err)
		}
		total += r.w.m.totalRows()
	}
	if target.Rows != nil {
		n, err := target.Rows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != base+total {
			t.Fatalf("the host tables hold %d rows, the models %d (+%d before): rows landed outside every actor's workspaces", n, total, base)
		}
	}
	t.Logf("modeltest: %s in %v: %.0f operations/s", l.Stats, d.Round(time.Millisecond), float64(l.Stats.Ops.Load())/d.Seconds())
}

// concurrentStep is step without the store-wide row count, which the
// other actors move (checked once at the end instead), and, when light,
// with the outcome checked alone.
func (r *runner) concurrentStep(ctx context.Context, o op, light bool) error {
	r.noRows = true
	if !light {
		return r.step(ctx, o, nil)
	}
	r.stats.Ops.Add(1)
	got := o.run(ctx, r.sys)
	want := o.expect(r.w.m, got)
	r.trace = append(r.trace, fmt.Sprintf("%-72s -> %s", o.String(), got))
	if !same(want, got) {
		return mismatchf("%s: got %s, the model says %s", o, describeErr(got), want)
	}
	if got.err != errNone {
		r.stats.Refused.Add(1)
	} else {
		r.w.learn(o, got)
	}
	return nil
}

// final compares every workspace of the world with the model.
func (r *runner) final(ctx context.Context) error {
	wss := r.w.allWorkspaces()
	snap, err := r.sys.read(ctx, wss, r.w.m.inviteIDs)
	if err != nil {
		return err
	}
	for _, ws := range wss {
		if want := r.w.m.render(ws); snap[ws] != want {
			return mismatchf("workspace %s differs from the model:\n%s", short(ws), diff(want, snap[ws]))
		}
	}
	return r.decisions(ctx)
}

func tail(xs []string, n int) string {
	if len(xs) > n {
		xs = xs[len(xs)-n:]
	}
	out := ""
	for _, x := range xs {
		out += x + "\n"
	}
	return out
}
