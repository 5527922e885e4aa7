package modeltest

import "flag"

// Command-line flags for longer runs than a test's defaults (the release
// run; see the harness tests of store/memstore and store/bunstore):
//
//	-modeltest.scale    multiplies Config.Sequences and Load.Ops
//	-modeltest.actors   Load.Actors
//	-modeltest.duration Load.Duration (a soak of N goroutines x T)
//	-modeltest.seed     Load.Seed, to replay a concurrent run's actors
//	-modeltest.ops      Load.Total: a soak runs until its actors ran this
//	                    many operations in all (the release run)
//	-modeltest.restart  Load.Restart: operations per world of an actor
//	-modeltest.faults   Config.FaultPercent (-1: the test's own); 0 turns
//	                    faults off, so that a failure that is not a
//	                    fault's shrinks (a fault's timing does not replay)
var (
	flagScale    = flag.Float64("modeltest.scale", 1, "modeltest: multiply the number of sequences and operations")
	flagActors   = flag.Int("modeltest.actors", 0, "modeltest: concurrent actors (0: the test's own)")
	flagDuration = flag.Duration("modeltest.duration", 0, "modeltest: how long a soak runs (0: the test's own)")
	flagSeed     = flag.Uint64("modeltest.seed", 0, "modeltest: seed of the concurrent actors (0: random)")
	flagTotal    = flag.Int64("modeltest.ops", 0, "modeltest: a soak runs until this many operations in all (0: the test's own duration)")
	flagRestart  = flag.Int("modeltest.restart", 0, "modeltest: operations an actor runs in one world before a fresh one (0: the default; -1: never)")
	flagFaults   = flag.Int("modeltest.faults", -1, "modeltest: percentage of operations run under a fault (-1: the test's own)")
)

func scaled(n int) int {
	if *flagScale <= 0 || *flagScale == 1 || n == 0 {
		return n
	}
	return max(1, int(float64(n)**flagScale))
}

func (l Load) fromFlags() Load {
	l.Ops = scaled(l.Ops)
	if *flagActors > 0 {
		l.Actors = *flagActors
	}
	if *flagDuration > 0 {
		l.Duration, l.Ops = *flagDuration, 0
	}
	if *flagSeed != 0 {
		l.Seed = *flagSeed
	}
	if *flagRestart != 0 {
		l.Restart = *flagRestart
	}
	return l
}
