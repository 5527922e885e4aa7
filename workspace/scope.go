package workspace

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// Scope is the active workspace as one request sees it. Every scoped read and
// write takes the workspace from it; there is no default.
type Scope struct {
	AccountID   uuid.UUID
	WorkspaceID uuid.UUID
	UserID      UserID
	// Role is the role validated when the scope was made. Authorization does
	// not trust it: decisions read the current membership (see package rbac).
	Role Role
	// MembershipVersion is the version of the membership the scope was made
	// from; a different current version means the role changed since.
	MembershipVersion int64
}

// ScopeFor makes the scope in which user acts through access.
func ScopeFor(user UserID, a Access) Scope {
	return Scope{
		AccountID:         a.Workspace.AccountID,
		WorkspaceID:       a.Workspace.ID,
		UserID:            user,
		Role:              a.Role,
		MembershipVersion: a.Version,
	}
}

// Valid reports whether the scope names a workspace and a user.
func (s Scope) Valid() bool {
	return s.WorkspaceID != uuid.Nil && s.AccountID != uuid.Nil && s.UserID != ""
}

type scopeKey struct{}
type unscopedKey struct{}

// WithScope returns a context in which s is the active workspace. An invalid
// scope (zero workspace, account or user) is not stored, so the context stays
// unscoped and scoped operations fail closed.
func WithScope(ctx context.Context, s Scope) context.Context {
	if !s.Valid() {
		return context.WithValue(ctx, scopeKey{}, nil)
	}
	return context.WithValue(ctx, scopeKey{}, &s)
}

// ScopeFrom returns the active workspace of ctx.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	if s == nil {
		return Scope{}, false
	}
	return *s, true
}

// RequireScope returns the active workspace of ctx or ErrNoScope.
func RequireScope(ctx context.Context) (Scope, error) {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return Scope{}, ErrNoScope
	}
	return s, nil
}

// Unscoped marks ctx for system work that legitimately crosses workspaces
// (migrations, purges, reports over all tenants). It is the only way past the
// scope checks of stores that enforce them, it needs a reason, and it is logged
// at Warn level so that every use shows up in the host's logs.
func Unscoped(ctx context.Context, reason string) context.Context {
	if reason == "" {
		panic("workspace: Unscoped needs a reason")
	}
	slog.Default().WarnContext(ctx, "workspace: unscoped access", slog.String("reason", reason))
	return context.WithValue(ctx, unscopedKey{}, reason)
}

// UnscopedReason reports whether ctx was marked by Unscoped, and why.
func UnscopedReason(ctx context.Context) (string, bool) {
	r, ok := ctx.Value(unscopedKey{}).(string)
	return r, ok
}

// String renders the scope for logs.
func (s Scope) String() string {
	return fmt.Sprintf("scope{account=%s workspace=%s user=%s role=%s v=%d}", s.AccountID, s.WorkspaceID, s.UserID, s.Role, s.MembershipVersion)
}
