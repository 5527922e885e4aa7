package modeltest

import (
	"testing"

	"pgregory.net/rapid"
)

// Run's choices must spread over their range: with rapid's integers as
// they come, 44% of choices among 120 fell in the first tenth, and the
// kinds of operation listed last were rarely drawn.
func TestRapidChoicesSpread(t *testing.T) {
	const n, draws = 120, 100
	tenths := make([]int, 10)
	total := 0
	rapid.Check(t, func(rt *rapid.T) {
		src := rapidSource{rt}
		for range draws {
			tenths[src.intn(n, "choice")*10/n]++
			total++
		}
	})
	for i, c := range tenths {
		// Uniform is 10%; measured 9.5-11.5%.
		if share := float64(c) / float64(total); share < 0.07 || share > 0.14 {
			t.Errorf("tenth %d of the range drew %.1f%% of %d choices: %v", i, 100*share, total, tenths)
		}
	}
}
