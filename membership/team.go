package membership

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/workspacekit/workspacekit/workspace"
)

// Member is one line of a workspace's team list.
type Member struct {
	UserID workspace.UserID
	Role   workspace.Role
	// AccountOwner marks the account's owner, who is owner of every
	// workspace of the account without a stored membership.
	AccountOwner bool
	// Version is the membership version (the account's for its owner).
	Version  int64
	JoinedAt time.Time
}

// TeamPage asks for at most Limit members after the user id After ("" =
// from the start). A zero Limit means workspace.DefaultPageSize.
type TeamPage struct {
	After workspace.UserID
	Limit int
}

// Team lists the active workspace's members with their roles, ordered by user
// id (byte order), the account owner included as owner at their place.
//
// Errors: workspace.ErrNoScope, workspace.ErrForbidden (no team:read; also
// when the workspace is gone, since the caller's role went with it),
// workspace.ErrInvalid (limit out of 0-workspace.MaxPageSize, or an After
// that no user id can be: one holding a NUL byte), workspace.ErrConflict
// (the account changed owner during every read; retry).
func (s *Service) Team(ctx context.Context, p TeamPage) ([]Member, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return nil, err
	}
	if p.Limit, err = workspace.PageLimit(p.Limit); err != nil {
		return nil, err
	}
	if err := s.authz.Require(ctx, workspace.ResourceTeam, workspace.ActionRead); err != nil {
		return nil, err
	}
	w, acc, rows, err := s.teamRows(ctx, sc, p)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, p.Limit)
	owner := Member{UserID: acc.OwnerID, Role: workspace.RoleOwner, AccountOwner: true, Version: acc.Version, JoinedAt: w.CreatedAt}
	ownerPending := acc.OwnerID > p.After
	for _, m := range rows {
		if m.UserID == acc.OwnerID {
			continue
		}
		if ownerPending && acc.OwnerID < m.UserID {
			out, ownerPending = append(out, owner), false
		}
		out = append(out, Member{UserID: m.UserID, Role: m.Role, Version: m.Version, JoinedAt: m.CreatedAt})
	}
	// The owner sorts after every row read; they belong on this page only if
	// the rows ran out before the page did.
	if ownerPending && len(rows) < p.Limit+1 {
		out = append(out, owner)
	}
	if len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out, nil
}

// teamReads bounds how often Team reads again when an ownership transfer
// ran between its reads.
const teamReads = 3

// teamRows reads the workspace, its account and a page of memberships as
// one consistent view: the account (its owner) and the memberships are
// separate reads, and a TransferOwnership committing between them would
// show the old owner as owner and leave the new one out. The account's
// version grows with every transfer, so an unchanged version after the
// memberships means no transfer came between. One extra row covers a
// stored row of the account owner, which the derived owner shadows.
func (s *Service) teamRows(ctx context.Context, sc workspace.Scope, p TeamPage) (workspace.Workspace, workspace.Account, []workspace.Membership, error) {
	w, err := s.store.GetWorkspace(ctx, sc.WorkspaceID)
	if err != nil {
		return w, workspace.Account{}, nil, err
	}
	acc, err := s.store.GetAccount(ctx, w.AccountID)
	if err != nil {
		return w, acc, nil, err
	}
	for range teamReads {
		rows, err := s.store.ListMemberships(ctx, sc.WorkspaceID, p.After, p.Limit+1)
		if err != nil {
			return w, acc, nil, err
		}
		again, err := s.store.GetAccount(ctx, w.AccountID)
		if err != nil {
			return w, acc, nil, err
		}
		if again.Version == acc.Version && again.OwnerID == acc.OwnerID {
			return w, acc, rows, nil
		}
		acc = again
	}
	return w, acc, nil, fmt.Errorf("%w: the account %s changed owner while its team was read, retry", workspace.ErrConflict, w.AccountID)
}

// ChangeRole gives user a new role in the active workspace (Settings > Team).
// The caller needs team:manage, and may neither grant a role above their own
// nor change the role of someone whose role is above their own (admins cannot
// touch owners).
//
// Errors: workspace.ErrNoScope, workspace.ErrInvalid (user, role name, role
// not defined in the workspace), workspace.ErrForbidden, ErrAccountOwner,
// workspace.ErrNotFound (not a member), workspace.ErrConflict (the member's
// role changed concurrently; retry), and the store's errors.
func (s *Service) ChangeRole(ctx context.Context, user workspace.UserID, role workspace.Role) (workspace.Membership, error) {
	if err := role.Validate(); err != nil {
		return workspace.Membership{}, err
	}
	sc, seen, err := s.manageMember(ctx, user)
	if err != nil {
		return workspace.Membership{}, err
	}
	if err := s.authz.CanGrant(ctx, role); err != nil {
		return workspace.Membership{}, err
	}
	if seen.Role == role {
		return seen, nil
	}
	now := s.clock()
	// lockMember makes sure the role changes from seen.Role.
	ev := RoleChanged{EventMeta: s.meta(sc, now), Member: user, From: seen.Role, To: role}
	var m workspace.Membership
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		cur, err := s.lockMember(ctx, seen)
		if err != nil {
			return err
		}
		if err := s.mayGrant(ctx, cur.Role, role); err != nil {
			return err
		}
		if err := s.roleDefined(ctx, seen.WorkspaceID, role); err != nil {
			return err
		}
		cur.Role, cur.Version, cur.UpdatedAt = role, cur.Version+1, now
		if err := s.store.UpdateMembership(ctx, cur); err != nil {
			return err
		}
		m = cur
		return workspace.AppendEvent(ctx, s.store, workspace.ChangeMemberRoleChanged, ev)
	})
	if err != nil {
		return workspace.Membership{}, err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.authz.Invalidate(sc.WorkspaceID)
		s.events.Publish(ctx, ev)
	})
	return m, nil
}

// Remove takes user out of the active workspace. The caller needs
// team:manage and may not remove someone whose role is above their own.
//
// Errors: workspace.ErrNoScope, workspace.ErrInvalid, workspace.ErrForbidden,
// ErrAccountOwner, workspace.ErrNotFound, workspace.ErrConflict (the
// membership changed concurrently; retry), and the store's errors.
func (s *Service) Remove(ctx context.Context, user workspace.UserID) error {
	sc, seen, err := s.manageMember(ctx, user)
	if err != nil {
		return err
	}
	return s.remove(ctx, sc, seen, false)
}

// Leave takes the caller out of the active workspace. The account owner
// cannot leave (they own every workspace of the account).
//
// Errors: workspace.ErrNoScope, ErrAccountOwner, workspace.ErrNotFound,
// workspace.ErrConflict (the membership changed concurrently; retry), and the
// store's errors.
func (s *Service) Leave(ctx context.Context) error {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return err
	}
	seen, err := s.member(ctx, sc, sc.UserID)
	if err != nil {
		return err
	}
	return s.remove(ctx, sc, seen, true)
}

func (s *Service) remove(ctx context.Context, sc workspace.Scope, seen workspace.Membership, left bool) error {
	ev := Removed{EventMeta: s.meta(sc, s.clock()), Member: seen.UserID, Role: seen.Role, Left: left}
	kind := workspace.ChangeMemberRemoved
	if left {
		kind = workspace.ChangeMemberLeft
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		cur, err := s.lockMember(ctx, seen)
		if err != nil {
			return err
		}
		if !left {
			if err := s.mayGrant(ctx, cur.Role); err != nil {
				return err
			}
		}
		if err := s.store.DeleteMembership(ctx, seen.WorkspaceID, seen.UserID); err != nil {
			return err
		}
		return workspace.AppendEvent(ctx, s.store, kind, ev)
	})
	if err != nil {
		return err
	}
	workspace.AfterCommit(ctx, s.store, func(ctx context.Context) {
		s.authz.Invalidate(sc.WorkspaceID)
		s.events.Publish(ctx, ev)
	})
	return nil
}

// manageMember checks that the caller may manage the team and act on user's
// current role, and returns that membership as read before any transaction.
func (s *Service) manageMember(ctx context.Context, user workspace.UserID) (workspace.Scope, workspace.Membership, error) {
	sc, err := workspace.RequireScope(ctx)
	if err != nil {
		return sc, workspace.Membership{}, err
	}
	if err := workspace.ValidateUser(user); err != nil {
		return sc, workspace.Membership{}, err
	}
	if err := s.authz.Require(ctx, workspace.ResourceTeam, workspace.ActionManage); err != nil {
		return sc, workspace.Membership{}, err
	}
	m, err := s.member(ctx, sc, user)
	if err != nil {
		return sc, workspace.Membership{}, err
	}
	if err := s.authz.CanGrant(ctx, m.Role); err != nil {
		return sc, workspace.Membership{}, err
	}
	return sc, m, nil
}

// member returns user's stored membership in the scope's workspace, refusing
// the account owner, whose ownership is derived and fixed.
//
// A transfer of the account to user between its two reads removes the row
// it read as a member's: it reads both again, so the refusal is
// ErrAccountOwner, as any order of the two calls would give.
func (s *Service) member(ctx context.Context, sc workspace.Scope, user workspace.UserID) (workspace.Membership, error) {
	for range teamReads {
		a, err := s.store.GetAccess(ctx, sc.WorkspaceID, user)
		if err != nil {
			return workspace.Membership{}, err
		}
		if a.AccountOwner {
			return workspace.Membership{}, fmt.Errorf("%w: user %q", ErrAccountOwner, user)
		}
		m, err := s.store.GetMembership(ctx, sc.WorkspaceID, user)
		if !errors.Is(err, workspace.ErrNotFound) {
			return m, err
		}
	}
	return workspace.Membership{}, fmt.Errorf("%w: the membership of %q in workspace %s changed while it was read, retry", workspace.ErrConflict, user, sc.WorkspaceID)
}

// lockMember locks the workspace and re-reads the membership, failing with
// ErrConflict if it changed since the permission checks were made on it.
func (s *Service) lockMember(ctx context.Context, seen workspace.Membership) (workspace.Membership, error) {
	if _, err := s.store.LockWorkspace(ctx, seen.WorkspaceID); err != nil {
		return workspace.Membership{}, err
	}
	m, err := s.store.GetMembership(ctx, seen.WorkspaceID, seen.UserID)
	if errors.Is(err, workspace.ErrNotFound) || err == nil && m.Version != seen.Version {
		return workspace.Membership{}, fmt.Errorf("%w: membership of %q in %s changed concurrently, retry", workspace.ErrConflict, seen.UserID, seen.WorkspaceID)
	}
	return m, err
}
