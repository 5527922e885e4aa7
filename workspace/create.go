package workspace

import (
	"context"
	"fmt"
)

// NewAccount describes an account and its first workspace.
type NewAccount struct {
	Name  string
	Owner UserID
	Plan  string
	// Workspace is the account's first workspace.
	Workspace NewWorkspace
}

// NewWorkspace describes a workspace to create.
type NewWorkspace struct {
	Name        string
	Description string
}

func (n NewWorkspace) normalize() (NewWorkspace, error) {
	name, err := NormalizeName(n.Name)
	if err != nil {
		return n, err
	}
	desc, err := NormalizeDescription(n.Description)
	if err != nil {
		return n, err
	}
	return NewWorkspace{Name: name, Description: desc}, nil
}

// CreateAccount creates an account owned by a.Owner together with its first
// workspace, and returns both. The owner is owner of every workspace of the
// account without a membership row.
//
// Errors: ErrInvalid (name, owner, workspace name or description, unknown
// plan), ErrPlanLimit (a plan that allows no workspace).
func (s *Service) CreateAccount(ctx context.Context, a NewAccount) (Account, Workspace, error) {
	name, err := normalizeAccountName(a.Name)
	if err != nil {
		return Account{}, Workspace{}, err
	}
	if err := ValidateUser(a.Owner); err != nil {
		return Account{}, Workspace{}, err
	}
	nw, err := a.Workspace.normalize()
	if err != nil {
		return Account{}, Workspace{}, err
	}
	now := s.clock()
	acc := Account{ID: s.newID(), Name: name, OwnerID: a.Owner, Plan: a.Plan, Version: 1, CreatedAt: now}
	ws := Workspace{ID: s.newID(), AccountID: acc.ID, Name: nw.Name, Description: nw.Description, CreatedAt: now, UpdatedAt: now}
	ev := Created{EventMeta: EventMeta{At: now, AccountID: acc.ID, WorkspaceID: ws.ID, Actor: a.Owner}, Workspace: ws}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		limits, err := s.plans.Limits(ctx, acc)
		if err != nil {
			return err
		}
		if !allows(limits.MaxWorkspaces, 0) {
			return fmt.Errorf("%w: plan %q allows no workspace", ErrPlanLimit, acc.Plan)
		}
		if err := s.store.CreateAccount(ctx, acc); err != nil {
			return err
		}
		if err := s.store.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		return AppendEvent(ctx, s.store, ChangeWorkspaceCreated, ev)
	})
	if err != nil {
		return Account{}, Workspace{}, err
	}
	AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.events.Publish(ctx, ev)
	})
	return acc, ws, nil
}

// Create adds a workspace to the account of the active scope. The caller
// needs permission to create workspaces (settings:create) in the active
// workspace and becomes owner of the new one. The account's plan limits how
// many workspaces it may have; the limit holds under concurrent creates.
//
// Errors: ErrNoScope, ErrForbidden, ErrInvalid, ErrConflict (a workspace of
// the account already has this name, ignoring case), ErrPlanLimit,
// ErrNotFound (the account or the active workspace is gone), and the store's
// errors (such as bunstore.ErrSerialization when its retries ran out).
func (s *Service) Create(ctx context.Context, n NewWorkspace) (Workspace, error) {
	sc, err := RequireScope(ctx)
	if err != nil {
		return Workspace{}, err
	}
	if n, err = n.normalize(); err != nil {
		return Workspace{}, err
	}
	if err := s.authz.Require(ctx, ResourceSettings, ActionCreate); err != nil {
		return Workspace{}, err
	}
	now := s.clock()
	ws := Workspace{ID: s.newID(), AccountID: sc.AccountID, Name: n.Name, Description: n.Description, CreatedAt: now, UpdatedAt: now}
	ev := Created{EventMeta: EventMeta{At: now, AccountID: ws.AccountID, WorkspaceID: ws.ID, Actor: sc.UserID}, Workspace: ws}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		// The account row lock serializes creates in one account, so that
		// the count below cannot be raced past the plan's limit.
		acc, err := s.store.LockAccount(ctx, sc.AccountID)
		if err != nil {
			return err
		}
		// Decided again with the active workspace locked, on data read in
		// this transaction: the caller may have lost the role meanwhile.
		if _, err := s.store.LockWorkspace(ctx, sc.WorkspaceID); err != nil {
			return err
		}
		if err := s.authz.Require(ctx, ResourceSettings, ActionCreate); err != nil {
			return err
		}
		limits, err := s.plans.Limits(ctx, acc)
		if err != nil {
			return err
		}
		n, err := s.store.CountWorkspaces(ctx, acc.ID)
		if err != nil {
			return err
		}
		if !allows(limits.MaxWorkspaces, n) {
			return fmt.Errorf("%w: account %s has %d of %d workspaces", ErrPlanLimit, acc.ID, n, limits.MaxWorkspaces)
		}
		if err := s.store.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		// The account owner is owner by derivation; a row would only drift.
		if sc.UserID != acc.OwnerID {
			if err := s.store.CreateMembership(ctx, Membership{WorkspaceID: ws.ID, UserID: sc.UserID, Role: RoleOwner, Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return AppendEvent(ctx, s.store, ChangeWorkspaceCreated, ev)
	})
	if err != nil {
		return Workspace{}, err
	}
	AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.authz.Invalidate(ws.ID)
		s.events.Publish(ctx, ev)
	})
	return ws, nil
}
