package modeltest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
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
	// Total, when set, ends the run once the actors together ran this
	// many operations (Ops and Duration are then ignored): the release
	// run's size (-modeltest.ops).
	Total int64
	// Restart is how many operations an actor runs in one world before it
	// checks the world against its model, keeps a digest of every
	// workspace of it (compared again at the end) and starts a fresh
	// world: new users, accounts and model. It keeps each operation's
	// cost flat however long the run (a world's model and the actor's
	// choices grow with it). Default 500; < 0 never restarts.
	Restart int
	// HeapPerOp is how many bytes per operation the soak's heap may grow
	// beyond its fixed allowance: the rows a store keeps in memory
	// (memstore); 0 for a store whose rows live elsewhere.
	HeapPerOp uint64
	// Stats, when set, receives the run's counts.
	Stats *Stats
}

func (l Load) withDefaults() Load {
	l = l.fromFlags()
	if l.Actors <= 0 {
		l.Actors = 6
	}
	if l.Total > 0 {
		l.Ops, l.Duration = 0, 0
	}
	if l.Ops <= 0 && l.Duration <= 0 && l.Total <= 0 {
		l.Duration = 10 * time.Second
	}
	if l.Restart == 0 {
		l.Restart = 500
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
// Each actor starts a fresh world every l.Restart operations, after
// checking the one it leaves against its model; every workspace it left is
// compared again at the end with what it held then.
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
// different actors on the same rows are not generated here: RunContended
// checks those. An actor's sequence replays from the printed seed (its
// operations do not depend on the others').
func RunConcurrent(t *testing.T, h Harness, l Load) {
	t.Helper()
	l = l.withDefaults()
	target := h.New(t)
	runLoad(t, target, l)
}

// runLoad runs the actors and the final check.
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
	t.Logf("modeltest: %d actors, seed %d (-modeltest.seed=%d replays each actor's sequence), a fresh world every %d operations",
		l.Actors, l.Seed, l.Seed, l.Restart)
	runners := make([]*runner, l.Actors)
	for i := range runners {
		runners[i] = &runner{w: newWorld(newModel(sys.clock.now(), resources(target)), sys.keys != nil), sys: sys, stats: l.Stats}
	}
	var deadline time.Time
	if l.Duration > 0 {
		deadline = time.Now().Add(l.Duration)
	}
	var issued atomic.Int64
	more := func(n int) bool {
		switch {
		case l.Total > 0:
			return issued.Add(1) <= l.Total
		case l.Ops > 0 && n >= l.Ops:
			return false
		}
		return deadline.IsZero() || time.Now().Before(deadline)
	}
	start := time.Now()
	errs := make([]error, l.Actors)
	var wg sync.WaitGroup
	for i, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := randSource{rand.New(rand.NewPCG(l.Seed+uint64(i), 0))}
			k := 0 // operations in the current world
			for n := 0; more(n); n++ {
				if l.Restart > 0 && k == l.Restart {
					if err := r.retire(ctx); err != nil {
						errs[i] = fmt.Errorf("actor %d (-modeltest.seed=%d, its generator seeded %d), world %d, at its end: %w\n\nthe world's sequence:\n%s", i, l.Seed, l.Seed+uint64(i), r.worlds, err, tail(r.trace, 40))
						return
					}
					k = 0
				}
				k++
				if err := r.concurrentStep(ctx, r.w.next(src, false), l.Light); err != nil {
					errs[i] = fmt.Errorf("actor %d (-modeltest.seed=%d, its generator seeded %d), world %d, operation %d: %w\n\nthe world's sequence:\n%s", i, l.Seed, l.Seed+uint64(i), r.worlds, k, err, tail(r.trace, 40))
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
	ops := l.Stats.Ops.Load()
	// The end state: every actor's world equals its model, every world it
	// left is as it was left, and the host tables hold the models' rows
	// and nothing else.
	total, worlds := 0, 0
	for i, r := range runners {
		if err := r.final(ctx); err != nil {
			t.Fatalf("actor %d (seed %d), world %d, at the end: %v", i, l.Seed+uint64(i), r.worlds, err)
		}
		if err := r.recheck(ctx); err != nil {
			t.Fatalf("actor %d (seed %d) at the end: %v", i, l.Seed+uint64(i), err)
		}
		total += r.w.m.totalRows() + r.retiredRows
		worlds += r.worlds + 1
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
	t.Logf("modeltest: %s in %v: %.0f operations/s (%d worlds; all re-checked at the end)", l.Stats, d.Round(time.Millisecond), float64(ops)/d.Seconds(), worlds)
}

// retire checks the actor's world against its model, keeps a digest of
// each of its workspaces as the store holds them (recheck compares them
// at the end: no other actor's operation may touch them), and gives the
// actor a fresh world.
func (r *runner) retire(ctx context.Context) error {
	if err := r.final(ctx); err != nil {
		return err
	}
	wss := r.w.allWorkspaces()
	snap, err := r.sys.read(ctx, wss, noInvites)
	if err != nil {
		return err
	}
	for _, ws := range wss {
		r.retired = append(r.retired, retiredWS{ws, digest(snap[ws])})
	}
	r.retiredRows += r.w.m.totalRows()
	r.worlds++
	r.w = newWorld(newModel(r.w.m.now, r.w.m.resources), r.w.keys_)
	r.last, r.trace = nil, nil
	return nil
}

// recheck reads every workspace of the worlds the actor left and compares
// it with the digest taken when it left them.
func (r *runner) recheck(ctx context.Context) error {
	const batch = 256
	for i := 0; i < len(r.retired); i += batch {
		part := r.retired[i:min(i+batch, len(r.retired))]
		wss := make([]uuid.UUID, len(part))
		for j, x := range part {
			wss[j] = x.ws
		}
		snap, err := r.sys.read(ctx, wss, noInvites)
		if err != nil {
			return err
		}
		for _, x := range part {
			if digest(snap[x.ws]) != x.sum {
				return mismatchf("workspace %s of a world the actor had left changed since (now:\n%s)", x.ws, snap[x.ws])
			}
		}
	}
	return nil
}

type retiredWS struct {
	ws  uuid.UUID
	sum uint64
}

func digest(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func noInvites(uuid.UUID) []uuid.UUID { return nil }

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
