package main

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// conversation is the host's workspace-owned data the job exports. Scoped
// makes every query built on it carry the active workspace, and the
// registry proves that at start-up.
type conversation struct {
	bun.BaseModel `bun:"table:conversations,alias:conversation"`
	bunstore.Scoped
	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	Subject   string    `bun:"subject,notnull"`
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

func (c *conversation) RecordID() uuid.UUID { return c.ID }

// conversationExport is a job's result, kept in the workspace it exports:
// deleting the workspace deletes its exports (the foreign key cascades).
// Its id is derived from the job's (exportID), so a job has at most one.
type conversationExport struct {
	bun.BaseModel `bun:"table:conversation_exports,alias:conversation_export"`
	bunstore.Scoped
	ID            uuid.UUID        `bun:"id,pk,type:uuid"`
	JobID         int64            `bun:"job_id,notnull"`
	RequestedBy   workspace.UserID `bun:"requested_by,notnull"`
	Conversations int              `bun:"conversations,notnull"`
	Content       string           `bun:"content,notnull"`
	CreatedAt     time.Time        `bun:"created_at,notnull"`
}

func (e *conversationExport) RecordID() uuid.UUID { return e.ID }

// exportNamespace names the ids exportID derives.
var exportNamespace = uuid.MustParse("5b0c7a52-6f0e-4d0c-9a52-7d3e0e1f2a61")

// exportID is the id of job's export: the same job always names the same
// row, so a job that ran twice (River's rescue of a job whose worker died)
// cannot leave two.
func exportID(jobID int64) uuid.UUID {
	return uuid.NewSHA1(exportNamespace, fmt.Appendf(nil, "%d", jobID))
}
