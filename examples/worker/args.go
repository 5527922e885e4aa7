package main

import (
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/workspacekit/workspacekit/workspace"
)

// storedScope is workspace.Scope as a job carries it. It has its own JSON
// names because queued jobs outlive deploys: renaming a Go field must not
// change what a job queued yesterday decodes to. It is a claim, not a
// credential: anyone who can write River's table can write one, which is
// why the worker revalidates it instead of trusting it.
type storedScope struct {
	AccountID         uuid.UUID        `json:"account_id"`
	WorkspaceID       uuid.UUID        `json:"workspace_id"`
	UserID            workspace.UserID `json:"user_id"`
	Role              workspace.Role   `json:"role"`
	MembershipVersion int64            `json:"membership_version"`
}

func storeScope(sc workspace.Scope) storedScope {
	return storedScope{
		AccountID:         sc.AccountID,
		WorkspaceID:       sc.WorkspaceID,
		UserID:            sc.UserID,
		Role:              sc.Role,
		MembershipVersion: sc.MembershipVersion,
	}
}

func (s storedScope) scope() workspace.Scope {
	return workspace.Scope{
		AccountID:         s.AccountID,
		WorkspaceID:       s.WorkspaceID,
		UserID:            s.UserID,
		Role:              s.Role,
		MembershipVersion: s.MembershipVersion,
	}
}

// exportArgs are the args of an "export conversations" job.
type exportArgs struct {
	Scope storedScope `json:"scope"`
}

// kindExport is the job's kind in River's table; like the JSON names, it
// must not change while jobs of it may be queued.
const kindExport = "export_conversations"

func (exportArgs) Kind() string { return kindExport }

// InsertOpts bounds the retries of a job that failed for a reason that may
// pass (the database was unreachable); a refusal is never retried anyway.
func (exportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }
