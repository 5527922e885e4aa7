package workspacehttp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// ErrUnauthenticated is what an Authenticate function returns (wrapped or
// not) for a request without a valid login: 401.
var ErrUnauthenticated = errors.New("workspacehttp: not authenticated")

// Problem is an RFC 9457 problem detail, with the mapping's stable code.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// mapping is the one table from errors to problems, most specific first:
// errors.Is walks the chain, so rbac.ErrTooManyRoles (wrapping
// workspace.ErrPlanLimit) and the like land on their parent's row.
var mapping = []struct {
	err    error
	status int
	code   string
	detail string
}{
	{ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "Sign in to continue."},
	{apikey.ErrKeyUnknown, http.StatusUnauthorized, "api-key-unknown", "This API key is not valid."},
	{apikey.ErrKeyRevoked, http.StatusUnauthorized, "api-key-revoked", "This API key was revoked."},
	{apikey.ErrKeyExpired, http.StatusUnauthorized, "api-key-expired", "This API key has expired."},
	// The host asked for a permission it never registered: its bug, not
	// the client's input (the error wraps ErrInvalid, hence first).
	{rbac.ErrUnknownPermission, http.StatusInternalServerError, "internal", "Something went wrong on our side."},
	{membership.ErrTokenUnknown, http.StatusNotFound, "invitation-unknown", "This invitation does not exist."},
	{membership.ErrTokenExpired, http.StatusGone, "invitation-expired", "This invitation has expired; ask for a new one."},
	{membership.ErrTokenRevoked, http.StatusGone, "invitation-revoked", "This invitation was revoked."},
	{membership.ErrTokenUsed, http.StatusConflict, "invitation-used", "This invitation was already accepted."},
	{membership.ErrAlreadyMember, http.StatusConflict, "already-member", "The user already has access to this workspace."},
	{membership.ErrAccountOwner, http.StatusConflict, "account-owner", "The account owner is owner of every workspace; transfer the account instead."},
	{membership.ErrNotPending, http.StatusConflict, "invitation-not-pending", "The invitation is no longer pending."},
	{workspace.ErrNoScope, http.StatusNotFound, "no-active-workspace", "Choose a workspace first."},
	{workspace.ErrNotFound, http.StatusNotFound, "not-found", "Not found."},
	{workspace.ErrForbidden, http.StatusForbidden, "forbidden", "Your role in this workspace does not allow this."},
	{workspace.ErrConfirmation, http.StatusUnprocessableEntity, "confirmation", "Type the workspace's name exactly to confirm."},
	{workspace.ErrLastWorkspace, http.StatusConflict, "last-workspace", "The last workspace of an account cannot be deleted."},
	{workspace.ErrPlanLimit, http.StatusPaymentRequired, "plan-limit", "Your plan allows no more; upgrade to continue."},
	{workspace.ErrConflict, http.StatusConflict, "conflict", "This conflicts with the current state; reload and try again."},
	{workspace.ErrInvalid, http.StatusUnprocessableEntity, "invalid", "The request's data is not valid."},
}

// ProblemOf maps err to its problem: the first row of the mapping err
// matches (errors.Is), else 500 "internal" (a canceled request 499
// "canceled"). The detail is the row's fixed text.
//
//	ErrUnauthenticated                     401 unauthenticated
//	apikey.ErrKeyUnknown, ...Revoked, ...Expired
//	                                       401 api-key-unknown, api-key-revoked, api-key-expired
//	membership.ErrTokenUnknown             404 invitation-unknown
//	membership.ErrTokenExpired, ...Revoked 410 invitation-expired, invitation-revoked
//	membership.ErrTokenUsed, ErrAlreadyMember, ErrAccountOwner, ErrNotPending
//	                                       409 invitation-used, already-member, account-owner, invitation-not-pending
//	workspace.ErrNoScope                   404 no-active-workspace
//	workspace.ErrNotFound                  404 not-found (also a workspace the caller cannot see)
//	workspace.ErrForbidden                 403 forbidden (rbac.ErrForbidden is the same)
//	workspace.ErrConfirmation              422 confirmation
//	workspace.ErrLastWorkspace             409 last-workspace
//	workspace.ErrPlanLimit                 402 plan-limit (rbac.ErrTooManyRoles wraps it)
//	workspace.ErrConflict                  409 conflict (rbac.ErrRoleInUse wraps it)
//	workspace.ErrInvalid                   422 invalid (rbac.ErrUnknownRole wraps it)
//	rbac.ErrUnknownPermission              500 internal (a permission the host never registered)
func ProblemOf(err error) Problem {
	for _, m := range mapping {
		if errors.Is(err, m.err) {
			return Problem{Type: "urn:workspacekit:problem:" + m.code, Title: http.StatusText(m.status), Status: m.status, Detail: m.detail, Code: m.code}
		}
	}
	if errors.Is(err, context.Canceled) {
		return Problem{Type: "urn:workspacekit:problem:canceled", Title: "Client Closed Request", Status: 499, Detail: "The request was canceled.", Code: "canceled"}
	}
	return Problem{Type: "urn:workspacekit:problem:internal", Title: http.StatusText(http.StatusInternalServerError), Status: http.StatusInternalServerError, Detail: "Something went wrong on our side.", Code: "internal"}
}

// WriteError writes err as application/problem+json (ProblemOf).
func WriteError(w http.ResponseWriter, err error) {
	p := ProblemOf(err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
