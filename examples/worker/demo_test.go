package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The demo, as `go run ./examples/worker -dsn ...` runs it, on a database
// it migrates itself: one job runs, three are refused, each for its reason.
func TestDemo(t *testing.T) {
	pg.Require(t)
	dsn := pg.NewDatabase(t)
	var out, errOut strings.Builder
	require.Equal(t, 0, cli([]string{"-dsn", dsn}, &out, &errOut), errOut.String())
	got := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`job \d+ \(alice exports Sales\): ran: exported 3 conversations`),
		regexp.MustCompile(`job \d+ \(bob exports Sales\): refused \(access_gone\): workspace: not found`),
		regexp.MustCompile(`job \d+ \(carol exports Sales\): refused \(forbidden\): workspace: forbidden`),
		regexp.MustCompile(`job \d+ \(alice exports Support\): refused \(access_gone\): workspace: not found`),
	} {
		require.Regexp(t, want, got)
	}

	// Again on the same database: a second run makes its own account.
	out.Reset()
	require.Equal(t, 0, cli([]string{"-dsn", dsn}, &out, &errOut), errOut.String())
	require.Equal(t, 1, strings.Count(out.String(), "ran: exported 3 conversations"))
}

// Without a DSN there is nothing to run on: usage, status 2.
func TestCLIWithoutDSNPrintsUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-dsn", ""}} {
		var out, errOut strings.Builder
		require.Equal(t, 2, cli(args, &out, &errOut))
		require.Empty(t, out.String())
		require.Contains(t, errOut.String(), "-dsn is required")
		require.Contains(t, errOut.String(), "usage: worker -dsn DSN")
	}
	for _, args := range [][]string{{"-no-such-flag"}, {"-dsn", "postgres://", "extra"}} {
		var errOut strings.Builder
		require.Equal(t, 2, cli(args, &strings.Builder{}, &errOut))
		require.Contains(t, errOut.String(), "usage: worker -dsn DSN")
	}
}
