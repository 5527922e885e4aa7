package modeltest

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// op is one call of a public service or Repo method with its arguments,
// drawn from the world when the sequence reaches it.
type op interface {
	// String renders the call for the printed sequence.
	String() string
	// run makes the call on the system.
	run(ctx context.Context, s *system) result
	// expect predicts the outcome on m and, when it predicts success,
	// applies the call's effects to m, taking generated ids, tokens and
	// secrets from got.
	expect(m *model, got result) result
	// where is the workspace the call acts in (for faults and for the
	// scope's view checked after it), and whether it runs in the host's
	// transaction.
	where() (ws uuid.UUID, host bool)
}

// scoped is embedded by operations that run in a scope.
type scoped struct{ sc workspace.Scope }

func (s scoped) ctx(ctx context.Context) context.Context { return workspace.WithScope(ctx, s.sc) }
func (s scoped) where() (uuid.UUID, bool)                { return s.sc.WorkspaceID, false }
func (s scoped) who() string {
	u := string(s.sc.UserID)
	if i := strings.LastIndex(u, "-"); i >= 0 && !strings.HasPrefix(u, "apikey:") {
		u = u[i+1:]
	}
	if strings.HasPrefix(u, "apikey:") {
		u = "key:" + u[len("apikey:"):len("apikey:")+8]
	}
	return fmt.Sprintf("%s@%s", u, short(s.sc.WorkspaceID))
}

func short(id uuid.UUID) string {
	s := id.String()
	return s[len(s)-6:]
}

func shortUser(u workspace.UserID) string {
	s := string(u)
	if i := strings.LastIndex(s, "-"); i >= 0 && !strings.HasPrefix(s, "apikey:") {
		return s[i+1:]
	}
	return s
}

// scopeGate is what every scoped call checks first in the model: a
// scope's user must hold perm there now.
func gate(m *model, sc workspace.Scope, perm string) string {
	if !m.can(sc, perm) {
		return errForbidden
	}
	return errNone
}

func isKey(u workspace.UserID) bool {
	_, ok := u.KeyID()
	return ok
}

// validUser is workspace.ValidateUser for the ids the generator makes.
func validUser(u workspace.UserID) string {
	if isKey(u) || strings.HasPrefix(string(u), "apikey:") {
		return errInvalid
	}
	return errNone
}
