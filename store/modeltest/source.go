package modeltest

import (
	"math/rand/v2"

	"pgregory.net/rapid"
)

// source is where the generator's choices come from: rapid (sequences that
// shrink and replay from a seed) or a seeded math/rand (the concurrent
// runs and the soak, whose goroutines cannot share one rapid.T).
type source interface {
	intn(n int, label string) int
}

type rapidSource struct{ t *rapid.T }

func (r rapidSource) intn(n int, label string) int {
	if n <= 1 {
		return 0
	}
	return rapid.IntRange(0, n-1).Draw(r.t, label)
}

type randSource struct{ r *rand.Rand }

func (r randSource) intn(n int, _ string) int {
	if n <= 1 {
		return 0
	}
	return r.r.IntN(n)
}

func pick[T any](s source, label string, xs []T) T { return xs[s.intn(len(xs), label)] }

func chance(s source, label string, pct int) bool { return s.intn(100, label) < pct }
