package main

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/rivertype"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// enqueueExport queues an export of the active workspace's conversations
// on behalf of ctx's scope (one made by Switch, so read fresh) and returns
// the job's id. It refuses at once what the job would refuse now, so a
// user gets the error in the request rather than a silent refusal later.
// When ctx carries the store's transaction (bunstore.Atomic), the job is
// inserted in it: it exists only if the request's transaction commits.
// Errors: workspace.ErrNoScope, workspace.ErrForbidden, the store's and
// River's.
func (a *app) enqueueExport(ctx context.Context) (int64, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return 0, err
	}
	if err := a.authz.Require(ctx, resourceConversations, actionExport); err != nil {
		return 0, err
	}
	args := exportArgs{Scope: storeScope(sc)}
	var res *rivertype.JobInsertResult
	if tx, ok := bunstore.TxFrom(ctx); ok {
		res, err = a.queue.InsertTx(ctx, tx.Tx, args, nil)
	} else {
		res, err = a.queue.Insert(ctx, args, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue export for %s: %w", sc, err)
	}
	return res.Job.ID, nil
}
