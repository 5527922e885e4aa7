package workspace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// Switch makes target the user's active workspace and returns the scope to
// put in the context (WithScope). It needs no new login: it only checks,
// fresh from the store, that the user may access the target and with which
// role.
//
// An unknown id, a deleted workspace and a workspace the user is not a member
// of all return the same ErrNotFound, so nobody can probe which workspaces
// exist; the precise reason goes to the log and a SwitchRefused event.
//
// Errors: ErrInvalid (empty user), ErrNotFound.
func (s *Service) Switch(ctx context.Context, user UserID, target uuid.UUID) (Scope, error) {
	if err := ValidateUser(user); err != nil {
		return Scope{}, err
	}
	a, err := s.store.GetAccess(ctx, target, user)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			return Scope{}, err
		}
		reason := s.refusalReason(ctx, user, target)
		s.log.InfoContext(ctx, "workspace: switch refused", slog.String("user", string(user)), slog.String("workspace", target.String()), slog.String("reason", reason))
		s.events.Publish(ctx, SwitchRefused{EventMeta: EventMeta{At: s.clock(), WorkspaceID: target, Actor: user}, Reason: reason})
		return Scope{}, fmt.Errorf("%w: workspace %s", ErrNotFound, target)
	}
	sc := ScopeFor(user, a)
	s.events.Publish(ctx, Switched{EventMeta: EventMeta{At: s.clock(), AccountID: sc.AccountID, WorkspaceID: sc.WorkspaceID, Actor: user}, Role: sc.Role})
	return sc, nil
}

// refusalReason finds out, for the log only, why a switch was refused.
func (s *Service) refusalReason(ctx context.Context, user UserID, target uuid.UUID) string {
	if _, err := s.store.GetWorkspace(ctx, target); errors.Is(err, ErrNotFound) {
		return "no such workspace (unknown id or deleted)"
	} else if err != nil {
		return "lookup failed: " + err.Error()
	}
	return fmt.Sprintf("user %q is not a member", user)
}

// Enter is Switch followed by WithScope: it returns ctx carrying the scope
// of user in target, ready for every scoped call, and the scope itself (to
// store in a session or a job). Use it wherever a request or a job starts
// acting in a workspace.
//
// Errors: those of Switch.
func (s *Service) Enter(ctx context.Context, user UserID, target uuid.UUID) (context.Context, Scope, error) {
	sc, err := s.Switch(ctx, user, target)
	if err != nil {
		return ctx, Scope{}, err
	}
	return WithScope(ctx, sc), sc, nil
}
