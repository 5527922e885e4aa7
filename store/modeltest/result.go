package modeltest

import (
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// Error classes: the sentinel an outcome matches, most specific first.
const (
	errNone           = ""
	errTokenUnknown   = "TokenUnknown"
	errTokenExpired   = "TokenExpired"
	errTokenRevoked   = "TokenRevoked"
	errTokenUsed      = "TokenUsed"
	errAlreadyMember  = "AlreadyMember"
	errAccountOwner   = "AccountOwner"
	errNotPending     = "NotPending"
	errUnknownRole    = "UnknownRole"
	errUnknownPerm    = "UnknownPermission"
	errRoleInUse      = "RoleInUse"
	errTooManyRoles   = "TooManyRoles"
	errKeyUnknown     = "KeyUnknown"
	errKeyRevoked     = "KeyRevoked"
	errKeyExpired     = "KeyExpired"
	errForeign        = "ForeignWorkspace"
	errNotFound       = "NotFound"
	errConflict       = "Conflict"
	errInvalid        = "Invalid"
	errPlanLimit      = "PlanLimit"
	errForbidden      = "Forbidden"
	errNoScope        = "NoScope"
	errConfirmation   = "Confirmation"
	errLastWorkspace  = "LastWorkspace"
	errOtherPrefix    = "other: "
	errFaultExplained = "fault"
)

var classes = []struct {
	err  error
	name string
}{
	{membership.ErrTokenUnknown, errTokenUnknown},
	{membership.ErrTokenExpired, errTokenExpired},
	{membership.ErrTokenRevoked, errTokenRevoked},
	{membership.ErrTokenUsed, errTokenUsed},
	{membership.ErrAlreadyMember, errAlreadyMember},
	{membership.ErrAccountOwner, errAccountOwner},
	{membership.ErrNotPending, errNotPending},
	{rbac.ErrUnknownRole, errUnknownRole},
	{rbac.ErrUnknownPermission, errUnknownPerm},
	{rbac.ErrRoleInUse, errRoleInUse},
	{rbac.ErrTooManyRoles, errTooManyRoles},
	{apikey.ErrKeyUnknown, errKeyUnknown},
	{apikey.ErrKeyRevoked, errKeyRevoked},
	{apikey.ErrKeyExpired, errKeyExpired},
	{store.ErrForeignWorkspace, errForeign},
	{workspace.ErrConfirmation, errConfirmation},
	{workspace.ErrLastWorkspace, errLastWorkspace},
	{workspace.ErrNotFound, errNotFound},
	{workspace.ErrConflict, errConflict},
	{workspace.ErrInvalid, errInvalid},
	{workspace.ErrPlanLimit, errPlanLimit},
	{workspace.ErrForbidden, errForbidden},
	{workspace.ErrNoScope, errNoScope},
}

// classify names the sentinel err matches; an error that matches none is
// "other: " and its text, which no prediction ever equals.
func classify(err error) string {
	if err == nil {
		return errNone
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return errOtherPrefix + err.Error()
}

// result is what one operation did, as far as it can be predicted: the
// error class and a canonical rendering of what it returned. New holds what
// the system generated (ids, tokens, secrets) for the model to learn.
type result struct {
	err string
	val string
	new generated
	// raw is the error itself, for messages.
	raw error
}

type generated struct {
	ids    []uuid.UUID
	secret string
	// scope is the scope an Enter or Accept handed out.
	scope workspace.Scope
}

func (r result) String() string {
	s := "ok"
	if r.err != errNone {
		s = r.err
	}
	if r.val != "" {
		s += " " + r.val
	}
	return s
}

func fail(class string) result { return result{err: class} }

func observed(err error, val string) result { return result{err: classify(err), val: val, raw: err} }

func same(want, got result) bool { return want.err == got.err && want.val == got.val }

func describeErr(r result) string {
	if r.raw != nil {
		return fmt.Sprintf("%s (%v)", r, r.raw)
	}
	return r.String()
}
