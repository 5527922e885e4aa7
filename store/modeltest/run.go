package modeltest

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Config sizes a run.
type Config struct {
	// Sequences is how many random sequences Run checks (rapid's checks);
	// -rapid.checks on the command line wins. Default 20.
	Sequences int
	// Steps is the average length of a sequence (rapid's steps);
	// -rapid.steps wins. Default 150: the bugs a short sequence misses
	// need a setup first (an admin who then reaches above their role, a
	// held custom role then changed, a key whose workspace is deleted
	// and then the key used), and a failure shrinks to its few steps
	// whatever the length it was found at.
	Steps int
	// FaultPercent is the share of operations run under a fault of
	// Target.Faults (ignored without). Default 0.
	FaultPercent int
	// FreshTarget makes Run call Harness.New for every sequence (cheap
	// in memory), so that a shrunk failure shows a sequence alone in its
	// store; otherwise sequences share one target.
	FreshTarget bool
	// Duration, when set, keeps Run checking batches of Sequences fresh
	// sequences until it has passed; -modeltest.duration wins. A bug
	// that needs several steps to set up (an admin, a held custom role,
	// a full plan) is met by more sequences, and Run is the test whose
	// failures shrink and replay.
	Duration time.Duration
	// Stats, when set, receives the run's counts.
	Stats *Stats
}

func (c Config) withDefaults() Config {
	if c.Sequences <= 0 {
		c.Sequences = 20
	}
	c.Sequences = scaled(c.Sequences)
	if c.Steps <= 0 {
		c.Steps = 150
	}
	if *flagFaults >= 0 {
		c.FaultPercent = *flagFaults
	}
	if *flagDuration > 0 {
		c.Duration = *flagDuration
	}
	if c.Stats == nil {
		c.Stats = &Stats{}
	}
	return c
}

// Run checks random sequences of operations from several users in several
// accounts and workspaces against the model, on the target h makes: after
// every operation its outcome, the acting scope's reads, every workspace
// of the sequence (read around the services) and every Authorizer
// decision must equal the model's, and nothing the operation did not act
// on may change. A failure prints the shrunk sequence, one operation a
// line with its outcome, and the seed that replays it (-rapid.seed).
//
//	func TestModel(t *testing.T) {
//		modeltest.Run(t, modeltest.Harness{New: newTarget}, modeltest.Config{})
//	}
func Run(t *testing.T, h Harness, cfg Config) {
	t.Helper()
	cfg = cfg.withDefaults()
	target := h.New(t)
	withRapidFlags(t, cfg.Sequences, cfg.Steps)
	start := time.Now()
	var first atomic.Bool
	check := func(rt *rapid.T) {
		tg := target
		if cfg.FreshTarget {
			tg = h.New(t)
		}
		sys, err := newSystem(tg, newClock())
		if err != nil {
			rt.Fatal(err)
		}
		w := newWorld(newModel(sys.clock.now(), resources(tg)), sys.keys != nil)
		r := &runner{w: w, sys: sys, faultPct: cfg.FaultPercent, stats: cfg.Stats}
		src := rapidSource{rt}
		ctx := context.Background()
		if err := r.start(ctx); err != nil {
			rt.Fatal(err)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"op": func(rt *rapid.T) {
				if err := r.step(ctx, w.next(src, true), src); err != nil {
					report := fmt.Sprintf("%v\n\nthe sequence (operation -> outcome):\n%s", err, strings.Join(r.trace, "\n"))
					// rapid shows the log of the case it ends with, and
					// none when the failure does not come back (a
					// fault's timing): the first one goes to t as well.
					if first.CompareAndSwap(false, true) {
						t.Logf("modeltest: the first failure, before shrinking:\n%s", report)
					}
					rt.Log(report)
					rt.Fatal(stable(err))
				}
			},
		})
	}
	rapid.Check(t, check)
	// A replay (-rapid.seed) runs its one batch.
	for cfg.Duration > 0 && time.Since(start) < cfg.Duration && !flagGiven("rapid.seed") {
		rapid.Check(t, check)
	}
	d := time.Since(start)
	t.Logf("modeltest: %s in %v (%.0f operations/s)", cfg.Stats, d.Round(time.Millisecond), float64(cfg.Stats.Ops.Load())/d.Seconds())
}

func resources(t *Target) []string {
	out := make([]string, len(t.Tables))
	for i, tb := range t.Tables {
		out[i] = tb.Resource()
	}
	return out
}

// withRapidFlags sets rapid's checks and steps for this run unless they
// were given on the command line (rapid reads them from its flags only),
// and puts them back when t ends. Fail files are off unless asked for:
// the printed seed replays a failure, and no file lands in the host's
// package directory.
func withRapidFlags(t *testing.T, checks, steps int) {
	for name, v := range map[string]string{"rapid.checks": strconv.Itoa(checks), "rapid.steps": strconv.Itoa(steps), "rapid.nofailfile": "true"} {
		f := flag.Lookup(name)
		if f == nil || flagGiven(name) {
			continue
		}
		old := f.Value.String()
		if err := f.Value.Set(v); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Value.Set(old) })
	}
}

// flagGiven reports whether the command line set the flag.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// unstable is what differs between two runs of one sequence: ids the
// store makes (and their short forms), the world's tag in user ids,
// tokens and secrets.
var unstable = []struct {
	re *regexp.Regexp
	to string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<id>"},
	{regexp.MustCompile(`mt-[0-9a-f]{8}-`), "mt-"},
	{regexp.MustCompile(`token=[^ ,)]*`), "token=…"},
	{regexp.MustCompile(`wsk_[^ ,)]*`), "wsk_…"},
	{regexp.MustCompile(`\b[0-9a-f]{6,8}\b`), "<id>"},
}

// stable is a failure's message without what differs between runs: rapid
// shrinks a sequence only while it fails with the very same message, so
// the message it is given must not carry the ids of one run. The full
// message and the sequence are logged before it.
func stable(err error) string {
	msg := err.Error()
	// What was got and what the model says also vary with the sequence
	// (a shorter one owns fewer workspaces): the message keeps where the
	// check failed, so that shrinking may remove what only adds to them.
	for _, cut := range []string{": got ", " = ", ":\n", " hold "} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i]
		}
	}
	for _, u := range unstable {
		msg = u.re.ReplaceAllString(msg, u.to)
	}
	return "modeltest: " + msg + ": not as the model says (ids and values masked; the full message and the sequence are above)"
}
