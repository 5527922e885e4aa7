package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
)

// jobTimeout bounds a wait for jobs that end in milliseconds: it is a
// failure bound, never a synchronization (the waits follow River's events).
const jobTimeout = 30 * time.Second

// world is one test's host on its own database: a web tier and a worker,
// two apps with their own Authorizers as two processes would have, and the
// demo's account (alice owns Sales and Support, bob and carol are admins
// of Sales). The worker starts only at the first run, so a test decides
// what happens between enqueue and run.
type world struct {
	t           *testing.T
	dsn         string
	web, worker *app
	results     *awaiter
	started     bool
	*story
}

func newWorld(t *testing.T, worker appConfig) *world {
	t.Helper()
	w := &world{t: t, dsn: migratedDSN(t)}
	ctx := t.Context()
	var err error
	w.web, err = open(ctx, w.dsn, appConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.web.close(context.Background())) })
	worker.work = true
	w.worker, err = open(ctx, w.dsn, worker)
	require.NoError(t, err)
	// Stops River, so no goroutine of it outlives the test.
	t.Cleanup(func() { require.NoError(t, w.worker.close(context.Background())) })
	w.results = w.worker.subscribe()
	t.Cleanup(w.results.cancel)
	w.story, err = newStory(ctx, w.web)
	require.NoError(t, err)
	return w
}

// enqueue queues an export as the scope of ctx, through the web tier.
func (w *world) enqueue(ctx context.Context) int64 {
	w.t.Helper()
	id, err := w.web.enqueueExport(ctx)
	require.NoError(w.t, err)
	return id
}

// run starts the worker (once) and returns the rows of jobs ids once each
// has ended.
func (w *world) run(ids ...int64) map[int64]*rivertype.JobRow {
	w.t.Helper()
	if !w.started {
		// Not the test's context: close stops the client, in cleanup.
		require.NoError(w.t, w.worker.start(context.Background()))
		w.started = true
	}
	ctx, cancel := context.WithTimeout(w.t.Context(), jobTimeout)
	defer cancel()
	ended, err := w.results.wait(ctx, ids...)
	require.NoError(w.t, err)
	return ended
}

// exportRows counts a job's exports in every workspace, as the database's
// owner outside the guard: what no scoped read could prove absent.
func (w *world) exportRows(jobID int64) int {
	w.t.Helper()
	conn, err := pgx.Connect(w.t.Context(), w.dsn)
	require.NoError(w.t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(w.t, conn.QueryRow(w.t.Context(), "SELECT count(*) FROM conversation_exports WHERE job_id = $1", jobID).Scan(&n))
	return n
}

// requireRefused checks that job was cancelled by a refusal for why, that
// the refusal was recorded for user, and that the job left no export.
func (w *world) requireRefused(job *rivertype.JobRow, why reason, user string) refusal {
	w.t.Helper()
	require.Equal(w.t, rivertype.JobStateCancelled, job.State)
	require.NotEmpty(w.t, job.Errors)
	require.Contains(w.t, job.Errors[len(job.Errors)-1].Error, ErrRefused.Error()+" ("+string(why)+")")
	r, err := w.worker.refusalOf(w.t.Context(), job.ID)
	require.NoError(w.t, err)
	require.Equal(w.t, why, r.Reason)
	require.Equal(w.t, user, string(r.UserID))
	require.Equal(w.t, kindExport, r.Kind)
	require.Zero(w.t, w.exportRows(job.ID), "a refused job must not have exported")
	return r
}
