package rbac

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/workspacekit/workspacekit/workspace"
)

// Authorizer decides what the scope in a context may do. It implements
// workspace.Authorizer and membership.Authorizer.
//
// Decisions follow the Casbin model of ModelText on the policy derived from
// the store: one g rule per membership (the account owner is owner of every
// workspace of the account), the built-in roles' p rules in domain "*", and
// each custom role's p rules in its workspace. Instead of one enforcer over
// every workspace, each workspace is compiled on first use into a snapshot
// (user -> role, role -> permission bits) and checks read it without locks
// beyond a per-shard read lock. The built-in roles' bits are obtained from
// Casbin itself when New runs; the differential test proves that the answers
// equal a plain Casbin enforcer's on the same policy.
//
// Outside a transaction, decisions come from the per-workspace snapshots;
// call Invalidate after every commit that changes memberships, custom roles,
// the account's owner or the workspace's existence (the services do, after
// the commit, through workspace.AfterCommit). Inside a transaction of the
// store (a context from Store.Atomic), a decision reads what decides it
// through that transaction — the workspace, its account, the caller's
// membership and the custom roles, four reads whatever the workspace's size —
// and caches nothing, so it sees the transaction's own writes and never
// leaks them.
type Authorizer struct {
	store    Store
	cfg      config
	matrix   *matrix
	builtins []compiledRole

	shards   [shardCount]shard
	flights  singleflight.Group
	seq      atomic.Uint64
	evicting sync.Mutex
	hand     int
	stats    counters

	followMu  sync.Mutex
	followers atomic.Pointer[[]Follower]
}

// New returns an Authorizer reading s, which must implement
// workspace.TxObserver (both stores of this module do). Errors:
// workspace.ErrInvalid (no store, a store without TxObserver, bad resource or
// action names in WithResource), ErrUnknownRole and ErrUnknownPermission (bad
// WithGrant).
func New(s Store, opts ...Option) (*Authorizer, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: rbac.New needs a store", workspace.ErrInvalid)
	}
	// Without it, a decision made inside a transaction would be cached and
	// outlive a rollback: refuse rather than answer from data that never
	// committed. A store wrapper must forward InTransaction and AfterCommit.
	if _, ok := s.(workspace.TxObserver); !ok {
		return nil, fmt.Errorf("%w: rbac.New needs a store that implements workspace.TxObserver (%T does not)", workspace.ErrInvalid, s)
	}
	cfg := config{maxWorkspaces: DefaultMaxWorkspaces, maxRoles: DefaultMaxCustomRoles, events: nopPublisher{}, clock: workspace.UTCClock}
	for _, o := range opts {
		o(&cfg)
	}
	m, err := newMatrix(&cfg)
	if err != nil {
		return nil, err
	}
	builtins, err := compileBuiltins(m)
	if err != nil {
		return nil, err
	}
	a := &Authorizer{store: s, cfg: cfg, matrix: m, builtins: builtins}
	for i := range a.shards {
		a.shards[i].m = map[uuid.UUID]*entry{}
	}
	return a, nil
}

// compileBuiltins asks Casbin, for every built-in role and every registered
// permission, whether a holder of the role may act, and records the answers
// as bits: the hot path then answers exactly what Casbin answered.
func compileBuiltins(m *matrix) ([]compiledRole, error) {
	cm, err := NewModel()
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(cm)
	if err != nil {
		return nil, fmt.Errorf("rbac: casbin enforcer: %w", err)
	}
	if _, err := e.AddPolicies(m.rules); err != nil {
		return nil, fmt.Errorf("rbac: built-in rules: %w", err)
	}
	const probeDomain = "builtin-probe"
	out := make([]compiledRole, 0, 4)
	for _, r := range workspace.BuiltinRoles() {
		probe := "probe:" + string(r)
		if _, err := e.AddGroupingPolicy(probe, RoleSubject(r), probeDomain); err != nil {
			return nil, fmt.Errorf("rbac: probe rule: %w", err)
		}
		cr := compiledRole{name: r, bits: make([]uint64, m.words())}
		for bit, p := range m.perms {
			ok, err := e.Enforce(probe, probeDomain, p.Resource, p.Action)
			if err != nil {
				return nil, fmt.Errorf("rbac: compile %s: %w", r, err)
			}
			if ok {
				cr.bits[bit>>6] |= 1 << (bit & 63)
			}
		}
		out = append(out, cr)
	}
	return out, nil
}

// Can reports whether the scope in ctx may do action on resource. The
// user's role is read from the memberships (Scope.Role is not trusted); a
// scope whose workspace is gone, whose user is no longer a member, or whose
// account id does not match the workspace's is denied. A permission no
// resource registers is an error, not a denial: a typo would otherwise deny
// everyone silently. Errors: ErrUnknownPermission (wraps
// workspace.ErrInvalid), workspace.ErrNoScope, and the store's errors when
// the workspace has to be loaded.
func (a *Authorizer) Can(ctx context.Context, resource, action string) (bool, error) {
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		return false, workspace.ErrNoScope
	}
	return a.decide(ctx, sc, resource, action)
}

func (a *Authorizer) decide(ctx context.Context, sc workspace.Scope, resource, action string) (bool, error) {
	bit, known := a.matrix.index[Permission{resource, action}]
	if !known {
		// A typo ("agentz") must not pass for a refusal: it would deny
		// everyone, silently, until someone noticed.
		return false, a.unknown(resource, action)
	}
	s, err := a.snapshot(ctx, sc.WorkspaceID, sc.UserID)
	if err != nil {
		return false, err
	}
	if s.account != sc.AccountID {
		return false, nil
	}
	r := s.roleOf(sc.UserID)
	if r == noRole {
		return false, nil
	}
	return s.roles[r].has(bit), nil
}

// unknown is the error for a permission the Authorizer does not register.
func (a *Authorizer) unknown(resource, action string) error {
	return fmt.Errorf("%w: %s:%s is not a registered permission (WithResource registers host resources)", ErrUnknownPermission, resource, action)
}

// Require returns nil when the scope in ctx may do action on resource (see
// Can). Errors: ErrForbidden (which is workspace.ErrForbidden) when it may
// not, ErrUnknownPermission, workspace.ErrNoScope, and the store's errors.
func (a *Authorizer) Require(ctx context.Context, resource, action string) error {
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		return workspace.ErrNoScope
	}
	allowed, err := a.decide(ctx, sc, resource, action)
	if err != nil {
		return err
	}
	if !allowed {
		return errDenied(sc, resource, action)
	}
	return nil
}

// Permissions lists what the scope's current role may do, in the matrix's
// order (built-in resources first, then the host's), for showing or hiding
// UI. A scope without a role gets an empty list. Errors:
// workspace.ErrNoScope, and the store's errors.
func (a *Authorizer) Permissions(ctx context.Context) ([]Permission, error) {
	_, s, r, err := a.actor(ctx)
	if err != nil {
		return nil, err
	}
	if r == noRole {
		return []Permission{}, nil
	}
	out := []Permission{}
	for bit, p := range a.matrix.perms {
		if s.roles[r].has(bit) {
			out = append(out, p)
		}
	}
	return out, nil
}

// RegisteredPermissions lists every permission of the matrix (built-in and
// host-registered), in order.
func (a *Authorizer) RegisteredPermissions() []Permission {
	return append([]Permission(nil), a.matrix.perms...)
}

// BuiltinRules returns the built-in roles' Casbin p rules (sub, dom, obj,
// act) with domain "*", as compiled by New (host grants included).
func (a *Authorizer) BuiltinRules() [][]string {
	out := make([][]string, len(a.matrix.rules))
	for i, r := range a.matrix.rules {
		out[i] = append([]string(nil), r...)
	}
	return out
}

// actor loads the scope's workspace and returns the index of the scope
// user's current role there (noRole when none, or when the scope's account
// does not match).
func (a *Authorizer) actor(ctx context.Context) (workspace.Scope, *snapshot, uint8, error) {
	sc, ok := workspace.ScopeFrom(ctx)
	if !ok {
		return sc, nil, noRole, workspace.ErrNoScope
	}
	s, err := a.snapshot(ctx, sc.WorkspaceID, sc.UserID)
	if err != nil {
		return sc, nil, noRole, err
	}
	if s.account != sc.AccountID {
		return sc, s, noRole, nil
	}
	return sc, s, s.roleOf(sc.UserID), nil
}

// CanGrant returns nil when the scope in ctx may give role to someone, and
// so may act on someone who holds it: nobody grants beyond their own. With a
// built-in role held and a built-in role asked, the rank decides
// (owner > admin > member > viewer, equal allowed); otherwise the asked
// role's permissions must all be the actor's. The actor's role is read from
// the memberships. Errors: ErrForbidden, ErrUnknownRole (wraps
// workspace.ErrInvalid) when the workspace has no such role,
// workspace.ErrNoScope, and the store's errors.
func (a *Authorizer) CanGrant(ctx context.Context, role workspace.Role) error {
	sc, s, r, err := a.actor(ctx)
	if err != nil {
		return err
	}
	target, ok := s.roleIndex(role)
	if !ok || s.gone {
		return fmt.Errorf("%w: %q in workspace %s", ErrUnknownRole, role, sc.WorkspaceID)
	}
	if r == noRole {
		return fmt.Errorf("%w: user %s holds no role in workspace %s", ErrForbidden, sc.UserID, sc.WorkspaceID)
	}
	held := s.roles[r].name
	if held.IsBuiltin() && role.IsBuiltin() {
		if held.Rank() >= role.Rank() {
			return nil
		}
	} else if s.roles[target].subsetOf(&s.roles[r]) {
		return nil
	}
	return fmt.Errorf("%w: user %s (%s) may not grant %s in workspace %s", ErrForbidden, sc.UserID, held, role, sc.WorkspaceID)
}
