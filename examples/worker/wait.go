package main

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// awaiter collects how a worker's jobs ended, from River's event
// subscription: waiting on events, not on time, keeps the demo and the
// tests deterministic.
type awaiter struct {
	events <-chan *river.Event
	cancel func()
	ended  map[int64]*rivertype.JobRow
}

// subscribe starts collecting; call it before start, so that no job ends
// unseen, and cancel the awaiter when done.
func (a *app) subscribe() *awaiter {
	ch, cancel := a.queue.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	return &awaiter{events: ch, cancel: cancel, ended: map[int64]*rivertype.JobRow{}}
}

// wait returns the rows of jobs ids once each has ended: completed,
// cancelled (refused), or failed an attempt (River would retry it later;
// for the demo and the tests that is an end too).
// Errors: ctx's, or the subscription's end (the client stopped).
func (w *awaiter) wait(ctx context.Context, ids ...int64) (map[int64]*rivertype.JobRow, error) {
	out := map[int64]*rivertype.JobRow{}
	for {
		for _, id := range ids {
			if j, ok := w.ended[id]; ok {
				out[id] = j
			}
		}
		if len(out) == len(ids) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for jobs %v (%d ended): %w", ids, len(out), ctx.Err())
		case ev, ok := <-w.events:
			if !ok {
				return nil, fmt.Errorf("waiting for jobs %v: the subscription ended", ids)
			}
			w.ended[ev.Job.ID] = ev.Job
		}
	}
}
