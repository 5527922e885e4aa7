package main

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/workspacekit/workspacekit/workspace"
)

// exportWorker runs "export conversations" jobs.
type exportWorker struct {
	river.WorkerDefaults[exportArgs]
	app *app
}

// Work admits the job (see admit) and, if it may run, exports in the fresh
// scope. A refusal cancels the job; any other error is a failure River
// retries, deciding afresh each time.
func (w *exportWorker) Work(ctx context.Context, job *river.Job[exportArgs]) error {
	stored := job.Args.Scope.scope()
	fresh, why, err := w.app.admit(ctx, stored)
	if why != "" {
		return w.app.refuse(ctx, job.JobRow, stored, why, err)
	}
	if err != nil {
		return err
	}
	err = w.app.export(workspace.WithScope(ctx, fresh), job)
	if errors.Is(err, workspace.ErrNotFound) {
		// The workspace was deleted after admit: the export's insert met
		// the foreign key, and its transaction rolled back.
		return w.app.refuse(ctx, job.JobRow, stored, reasonAccessGone, err)
	}
	return err
}

// admit decides whether a job queued with the stored scope may run now,
// and in which scope. A non-empty reason is a refusal, err saying why; an
// error without a reason means it could not be decided (the database), and
// the job should be tried again.
//
// The checks run before the export's transaction, not under a lock: a
// revocation that commits while an admitted export runs does not stop it,
// as it does not stop a request already in flight; every job that starts
// after the revocation commits is refused.
func (a *app) admit(ctx context.Context, stored workspace.Scope) (workspace.Scope, reason, error) {
	// Apply every change committed so far, by any process, to this
	// process's Authorizer: without it, a role changed by the web tier
	// could still be cached here for up to the watcher's bound.
	if err := a.watcher.CatchUp(ctx); err != nil {
		return workspace.Scope{}, "", err
	}
	fresh, _, err := a.workspaces.Revalidate(ctx, stored)
	switch {
	case errors.Is(err, workspace.ErrNotFound):
		return workspace.Scope{}, reasonAccessGone, err
	case errors.Is(err, workspace.ErrInvalid):
		return workspace.Scope{}, reasonInvalid, err
	case err != nil:
		return workspace.Scope{}, "", err
	}
	err = a.authz.Require(workspace.WithScope(ctx, fresh), resourceConversations, actionExport)
	switch {
	case errors.Is(err, workspace.ErrForbidden):
		return workspace.Scope{}, reasonForbidden, err
	case err != nil:
		return workspace.Scope{}, "", err
	}
	return fresh, "", nil
}
