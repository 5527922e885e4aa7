package pgtest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// Run is the body of a TestMain: it starts the package's cluster, stores it
// in *c, runs the tests, stops the cluster and returns the exit code for
// os.Exit. A SIGINT or SIGTERM stops the cluster before the process exits.
//
// Without PostgreSQL, *c is an unavailable cluster: tests calling its
// methods skip with the reason and the package's examples are skipped
// (they cannot skip themselves). Under CI=true Run instead prints the reason
// and returns 1 without running anything. A server that exists but fails to
// start is always a failure.
func Run(m *testing.M, c **Cluster) int {
	cl, err := Start()
	switch {
	case errors.Is(err, ErrUnavailable) && !CI():
		fmt.Fprintf(os.Stderr, "%v; skipping the tests that need it\n", err)
		*c = &Cluster{unavailable: err.Error()}
		skipExamples()
		return m.Run()
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		if CI() {
			fmt.Fprintln(os.Stderr, "pgtest: CI=true forbids skipping PostgreSQL tests")
		}
		return 1
	}
	*c = cl
	defer cl.Stop()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if s, ok := <-sig; ok {
			cl.Stop()
			fmt.Fprintf(os.Stderr, "pgtest: %v: cluster stopped\n", s)
			os.Exit(2)
		}
	}()
	return m.Run()
}

// skipExamples adds ^Example to -test.skip: an Example has no testing.T to
// skip with, and its // Output: would not match without a server.
func skipExamples() {
	if !flag.Parsed() {
		flag.Parse()
	}
	f := flag.Lookup("test.skip")
	if f == nil {
		return
	}
	v := "^Example"
	if cur := f.Value.String(); cur != "" {
		v = cur + "|" + v
	}
	_ = f.Value.Set(v)
}
