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

// intn draws near-uniformly. rapid's integers lean on small values and
// the bounds (44% of IntRange(0, 119) fell in its first tenth, measured),
// which suits a value under test but not a choice: the first kinds of
// operation crowded out the rest, and a 5% "chance" came out true half
// the time, so sequences were mostly refusals and rarely reached an
// admin, a held custom role or a full plan. Three draws XORed give the
// low bits of a full-width draw if any one of them is (about 20% over
// uniform on the first tenth, measured); each still shrinks towards 0,
// and so does their XOR.
func (r rapidSource) intn(n int, label string) int {
	if n <= 1 {
		return 0
	}
	var v uint64
	for range 3 {
		v ^= rapid.Uint64().Draw(r.t, label)
	}
	return int(v % uint64(n))
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
