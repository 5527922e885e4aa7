package rbac

import (
	"context"
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Explanation says why a decision came out as it did, for audit logs and
// debugging.
type Explanation struct {
	Allowed     bool
	WorkspaceID uuid.UUID
	User        workspace.UserID
	Permission  Permission
	// Role is the user's current role in the workspace ("" when none);
	// AccountOwner is set when it is owner because the user owns the account.
	Role         workspace.Role
	AccountOwner bool
	// Custom is set when Role is a custom role of the workspace.
	Custom bool
	// Rule is the Casbin p rule (sub, dom, obj, act) that allowed the
	// request; nil when denied.
	Rule []string
	// Reason is one sentence for humans.
	Reason string
}

// Explain decides like Can and says which role and which rule allowed or
// denied. It runs Casbin itself (EnforceEx) on the workspace's compiled
// policy, so it is slow (a fresh enforcer per call) and meant for audits and
// debugging, not for every request. Errors: ErrUnknownPermission (as Can),
// workspace.ErrNoScope, the store's errors, and Casbin's.
func (a *Authorizer) Explain(ctx context.Context, resource, action string) (Explanation, error) {
	if _, known := a.matrix.index[Permission{resource, action}]; !known {
		return Explanation{}, a.unknown(resource, action)
	}
	sc, s, r, err := a.actor(ctx)
	if err != nil {
		return Explanation{}, err
	}
	ex := Explanation{WorkspaceID: sc.WorkspaceID, User: sc.UserID, Permission: Permission{resource, action}}
	switch {
	case s.gone:
		ex.Reason = "the workspace does not exist"
		return ex, nil
	case s.account != sc.AccountID:
		ex.Reason = "the scope's account does not own the workspace"
		return ex, nil
	case r == noRole:
		ex.Reason = "the user holds no role in the workspace"
		return ex, nil
	}
	role := s.roles[r]
	ex.Role, ex.AccountOwner, ex.Custom = role.name, sc.UserID == s.owner, role.custom != nil
	e, err := a.enforcerFor(s, sc.UserID, role.name)
	if err != nil {
		return Explanation{}, err
	}
	ok, rule, err := e.EnforceEx(UserSubject(sc.UserID), Domain(sc.WorkspaceID), resource, action)
	if err != nil {
		return Explanation{}, fmt.Errorf("rbac: explain: %w", err)
	}
	if _, isKey := sc.UserID.KeyID(); isKey && ok && !role.has(a.matrix.index[Permission{resource, action}]) {
		ex.Reason = fmt.Sprintf("API keys never hold %s:%s, whatever their role (KeyNeverHolds)", resource, action)
		return ex, nil
	}
	ex.Allowed = ok
	if ok {
		ex.Rule = rule
		ex.Reason = fmt.Sprintf("role %s allows %s:%s by rule %v", role.name, resource, action, rule)
	} else {
		ex.Reason = fmt.Sprintf("role %s has no rule for %s:%s", role.name, resource, action)
	}
	return ex, nil
}

// enforcerFor builds a plain Casbin enforcer holding the built-in rules, the
// workspace's custom-role rules and the one grouping rule of user.
func (a *Authorizer) enforcerFor(s *snapshot, user workspace.UserID, role workspace.Role) (*casbin.Enforcer, error) {
	m, err := NewModel()
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("rbac: casbin enforcer: %w", err)
	}
	rules := a.BuiltinRules()
	for _, cr := range s.roles {
		if cr.custom != nil {
			// Only registered permissions count, as in every decision: a
			// custom role stored with a permission the host no longer
			// registers must not make Explain allow what Can denies.
			r := *cr.custom
			r.Permissions = slices.DeleteFunc(slices.Clone(r.Permissions), func(p Permission) bool {
				_, ok := a.matrix.index[p]
				return !ok
			})
			rules = append(rules, CustomRoleRules(r)...)
		}
	}
	if _, err := e.AddPolicies(rules); err != nil {
		return nil, fmt.Errorf("rbac: explain rules: %w", err)
	}
	if _, err := e.AddGroupingPolicy(GroupingRule(s.id, user, role)); err != nil {
		return nil, fmt.Errorf("rbac: explain grouping rule: %w", err)
	}
	return e, nil
}
