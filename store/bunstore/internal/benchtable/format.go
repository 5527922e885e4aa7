package main

import (
	"testing"
	"time"

	"github.com/workspacekit/workspacekit/store/bunstore"
)

// formatResult is the hook's formatting cost: the median of the
// differences between back-to-back batches of the two sides.
type formatResult struct {
	batch, pairs         int
	hand, diff, lo, hi   float64 // ns per query
	allocHand, allocHook int64
}

// formatOverhead times batches of the hand-written PK select and of the
// hooked one alternately (the order flipping every pair): formatting is
// pure CPU, and a batch of ~1 ms is short enough that load on a shared
// machine hits both of a pair alike, long enough for the clock.
func formatOverhead(env *env) formatResult {
	hand := func() {
		var a plainAgent
		_ = env.bare.NewSelect().Model(&a).Where("?TableAlias.id = ?", env.id).Where("?TableAlias.workspace_id = ?", env.ws).String()
	}
	hook := func() {
		var a agent
		q := env.bare.NewSelect().Model(&a).Where("?TableAlias.id = ?", env.id)
		// What bun's Scan calls before formatting.
		_ = (*bunstore.Scoped).BeforeSelect(nil, env.sctx, q)
		_ = a.BeforeAppendModel(env.sctx, q)
		_ = q.String()
	}
	r := formatResult{batch: 200, pairs: 4000}
	timeBatch := func(f func()) float64 {
		start := time.Now()
		for range r.batch {
			f()
		}
		return float64(time.Since(start).Nanoseconds()) / float64(r.batch)
	}
	for range 50 { // warm-up
		timeBatch(hand)
		timeBatch(hook)
	}
	diffs := make([]float64, 0, r.pairs)
	hands := make([]float64, 0, r.pairs)
	for i := range r.pairs {
		var h, k float64
		if i%2 == 0 {
			h, k = timeBatch(hand), timeBatch(hook)
		} else {
			k, h = timeBatch(hook), timeBatch(hand)
		}
		diffs, hands = append(diffs, k-h), append(hands, h)
	}
	r.diff, r.lo, r.hi = medianCI(diffs)
	r.hand = median(hands)
	r.allocHand = int64(testing.AllocsPerRun(1000, hand))
	r.allocHook = int64(testing.AllocsPerRun(1000, hook))
	return r
}
