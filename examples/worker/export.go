package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// exportPage is how many conversations one read fetches, so that no
// result set grows with the workspace. The export itself is one row built
// in memory: fine for an example; a host with large workspaces would
// stream it to object storage and keep the reference here.
const exportPage = 500

// export does an admitted job's work in ctx's scope, in one transaction:
// it reads the active workspace's conversations through the scoped
// repository (it cannot name another workspace's), writes the export to
// the same workspace, and completes the River job, so that the export
// exists if and only if the job completed.
func (a *app) export(ctx context.Context, job *river.Job[exportArgs]) error {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return err
	}
	return a.store.Atomic(ctx, func(ctx context.Context) error {
		var out strings.Builder
		enc := json.NewEncoder(&out)
		n := 0
		for after := uuid.Nil; ; {
			page, err := a.conversations.List(ctx, workspace.Page{After: after, Limit: exportPage})
			if err != nil {
				return err
			}
			for _, c := range page {
				if err := enc.Encode(exportLine{ID: c.ID, Subject: c.Subject, Body: c.Body}); err != nil {
					return err
				}
			}
			n += len(page)
			if len(page) < exportPage {
				break
			}
			after = page[len(page)-1].ID
		}
		e := &conversationExport{
			ID:            exportID(job.ID),
			JobID:         job.ID,
			RequestedBy:   sc.UserID,
			Conversations: n,
			Content:       out.String(),
			CreatedAt:     a.clock(),
		}
		if err := a.exports.Insert(ctx, e); err != nil {
			return err
		}
		tx, ok := bunstore.TxFrom(ctx)
		if !ok {
			return errors.New("export: Atomic gave no transaction")
		}
		_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.Tx, job)
		return err
	})
}

// exportLine is one conversation in an export (JSON lines).
type exportLine struct {
	ID      uuid.UUID `json:"id"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
}
