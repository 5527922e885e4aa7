package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/workspace"
)

// ErrRefused is the cause River records for every refused job: its stored
// scope no longer allows it. Match with errors.Is.
var ErrRefused = errors.New("worker: job refused")

// reason says why a job was refused, as job_refusals stores it.
type reason string

const (
	// reasonAccessGone: the user is no longer a member of the workspace,
	// or the workspace was deleted (workspace.ErrNotFound; the two are not
	// told apart, as everywhere in the library).
	reasonAccessGone reason = "access_gone"
	// reasonForbidden: still a member, but the current role may not do
	// the job's action (rbac.ErrForbidden).
	reasonForbidden reason = "forbidden"
	// reasonInvalid: the stored scope names no workspace, account or user
	// (workspace.ErrInvalid): a job nobody could have queued through
	// enqueueExport.
	reasonInvalid reason = "invalid"
)

// refusal is a row of job_refusals, the host's audit of refused jobs.
type refusal struct {
	bun.BaseModel `bun:"table:job_refusals,alias:refusal"`
	JobID         int64            `bun:"job_id,pk"`
	Kind          string           `bun:"kind,notnull"`
	AccountID     uuid.UUID        `bun:"account_id,type:uuid,notnull"`
	WorkspaceID   uuid.UUID        `bun:"workspace_id,type:uuid,notnull"`
	UserID        workspace.UserID `bun:"user_id,notnull"`
	Reason        reason           `bun:"reason,notnull"`
	Detail        string           `bun:"detail,notnull"`
	RefusedAt     time.Time        `bun:"refused_at,notnull"`
}

// refuse records that job may not run and returns the error that makes
// River cancel it (no retry). The row comes first: if it cannot be
// written, the job fails instead and its next attempt decides afresh, so a
// refusal is never lost, only possibly decided again. A second refusal of
// the same job (River rescued it after a crash between the row and the
// cancellation) keeps the first row.
func (a *app) refuse(ctx context.Context, job *rivertype.JobRow, sc workspace.Scope, why reason, cause error) error {
	r := &refusal{
		JobID:       job.ID,
		Kind:        job.Kind,
		AccountID:   sc.AccountID,
		WorkspaceID: sc.WorkspaceID,
		UserID:      sc.UserID,
		Reason:      why,
		Detail:      cause.Error(),
		RefusedAt:   a.clock(),
	}
	if _, err := a.db.NewInsert().Model(r).On("CONFLICT (job_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("record the refusal of job %d: %w", job.ID, err)
	}
	return river.JobCancel(fmt.Errorf("%w (%s): job %d for user %q in workspace %s: %w", ErrRefused, why, job.ID, sc.UserID, sc.WorkspaceID, cause))
}

// refusalOf returns the recorded refusal of a job, or workspace.ErrNotFound.
func (a *app) refusalOf(ctx context.Context, jobID int64) (refusal, error) {
	var r refusal
	err := a.db.NewSelect().Model(&r).Where("refusal.job_id = ?", jobID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return refusal{}, fmt.Errorf("%w: no refusal of job %d", workspace.ErrNotFound, jobID)
	}
	return r, err
}
