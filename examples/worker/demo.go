package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/workspacekit/workspacekit/workspace"
)

// demoTimeout bounds the wait for the demo's jobs: they end in
// milliseconds, so reaching it means the worker is not working.
const demoTimeout = time.Minute

// demo migrates dsn's database, queues four exports through a web-tier
// app, changes who may do what, then runs a worker app and prints how each
// job ended. It may be run again on the same database: each run makes a new
// account.
func demo(ctx context.Context, dsn string, out io.Writer) (err error) {
	if err := migrate(ctx, dsn); err != nil {
		return err
	}
	web, err := open(ctx, dsn, appConfig{})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, web.close(context.WithoutCancel(ctx))) }()
	w, err := open(ctx, dsn, appConfig{work: true})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.close(context.WithoutCancel(ctx))) }()

	s, err := newStory(ctx, web)
	if err != nil {
		return err
	}
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	say("alice owns %q and %q; bob and carol are admins of %q", "Sales", "Support", "Sales")

	type queued struct {
		id    int64
		label string
	}
	var jobs []queued
	for _, q := range []struct {
		ctx   context.Context
		label string
	}{
		{s.alice, "alice exports Sales"},
		{s.bob, "bob exports Sales"},
		{s.carol, "carol exports Sales"},
		{s.aliceSupport, "alice exports Support"},
	} {
		id, err := web.enqueueExport(q.ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", q.label, err)
		}
		jobs = append(jobs, queued{id, q.label})
		say("queued job %d: %s", id, q.label)
	}

	// What happens between enqueue and run.
	if err := web.team.Remove(s.alice, "bob"); err != nil {
		return err
	}
	say("alice removes bob from Sales")
	if _, err := web.team.ChangeRole(s.alice, "carol", workspace.RoleMember); err != nil {
		return err
	}
	say("alice demotes carol to member (members may not export)")
	if err := web.workspaces.Delete(s.alice, s.support.ID, s.support.Name); err != nil {
		return err
	}
	say("alice deletes Support")

	results := w.subscribe()
	defer results.cancel()
	if err := w.start(ctx); err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.id
	}
	ended, err := results.wait(waitCtx, ids...)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		say("job %d (%s): %s", j.id, j.label, w.describe(s.alice, ended[j.id]))
	}
	return nil
}

// describe says how a job ended: what it exported, or why it was refused.
// ctx is a scope of the exported workspace (exports are read there).
func (a *app) describe(ctx context.Context, job *rivertype.JobRow) string {
	switch job.State {
	case rivertype.JobStateCompleted:
		e, err := a.exports.Get(ctx, exportID(job.ID))
		if err != nil {
			return fmt.Sprintf("completed, but its export cannot be read: %v", err)
		}
		return fmt.Sprintf("ran: exported %d conversations", e.Conversations)
	case rivertype.JobStateCancelled:
		r, err := a.refusalOf(ctx, job.ID)
		if err != nil {
			return fmt.Sprintf("cancelled, but no refusal is recorded: %v", err)
		}
		return fmt.Sprintf("refused (%s): %s", r.Reason, r.Detail)
	default:
		last := ""
		if n := len(job.Errors); n > 0 {
			last = job.Errors[n-1].Error
		}
		return fmt.Sprintf("%s: %s", job.State, last)
	}
}
