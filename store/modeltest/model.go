package modeltest

import (
	"bytes"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// model is the reference: plain maps of what the library promises, written
// from its documentation, never from its code. Every operation predicts its
// outcome on it (ops*.go) and the checks compare the store with it.
type model struct {
	now      time.Time
	accounts map[uuid.UUID]*mAccount
	ws       map[uuid.UUID]*mWorkspace
	// gone keeps deleted workspaces' accounts, so that stale scopes of them
	// can still be made.
	gone map[uuid.UUID]uuid.UUID
	// tokens maps every invitation token ever handed out to its
	// invitation; a token is good only while it is its invitation's
	// current one.
	tokens map[string]uuid.UUID
	// secrets maps every API key secret ever handed out to its key.
	secrets map[string]uuid.UUID
	// goneKeys are keys of deleted workspaces: their secrets are
	// unknown from then on (see opAuthenticate).
	goneKeys map[uuid.UUID]*mKey
	nTables  int
	// resources are the host tables' rbac resources, by table index.
	resources []string
	// decided, while set, is the Authorizer's decision for one scope as
	// it was made earlier (RunContended: the second step of an operation
	// decided before another operation changed the scope's role).
	decided map[workspace.Scope]grant
}

// grant is a scope's role and permissions at one point.
type grant struct {
	role  workspace.Role
	perms map[string]bool
}

type mAccount struct {
	id      uuid.UUID
	name    string
	owner   workspace.UserID
	version int64
}

type mWorkspace struct {
	id, account uuid.UUID
	name, desc  string
	members     map[workspace.UserID]*mMember
	invites     map[uuid.UUID]*mInvite
	roles       map[workspace.Role][]string // sorted "resource:action"
	keys        map[uuid.UUID]*mKey
	records     []map[uuid.UUID]string // one map per host table: id -> value
	// ghost: a deleted workspace put back empty for one step of
	// RunContended (an operation decided before the deletion), no
	// sibling of any workspace.
	ghost bool
}

type mMember struct {
	role    workspace.Role
	version int64
}

type mInvite struct {
	id      uuid.UUID
	ws      uuid.UUID
	email   string
	role    workspace.Role
	status  membership.Status
	expires time.Time
	token   string
}

type mKey struct {
	id      uuid.UUID
	ws      uuid.UUID
	account uuid.UUID
	name    string
	role    workspace.Role
	expires time.Time
	revoked bool
	secret  string
}

func newModel(now time.Time, resources []string) *model {
	return &model{resources: resources, now: now, accounts: map[uuid.UUID]*mAccount{}, ws: map[uuid.UUID]*mWorkspace{},
		gone: map[uuid.UUID]uuid.UUID{}, tokens: map[string]uuid.UUID{}, secrets: map[string]uuid.UUID{},
		goneKeys: map[uuid.UUID]*mKey{}, nTables: len(resources)}
}

func (m *model) newWorkspace(id, account uuid.UUID, name, desc string) *mWorkspace {
	w := &mWorkspace{id: id, account: account, name: name, desc: desc,
		members: map[workspace.UserID]*mMember{}, invites: map[uuid.UUID]*mInvite{},
		roles: map[workspace.Role][]string{}, keys: map[uuid.UUID]*mKey{}}
	for range m.nTables {
		w.records = append(w.records, map[uuid.UUID]string{})
	}
	m.ws[id] = w
	return w
}

// clone deep-copies the model, for the concurrent check that tries
// several orders of the same operations.
func (m *model) clone() *model {
	c := &model{now: m.now, accounts: map[uuid.UUID]*mAccount{}, ws: map[uuid.UUID]*mWorkspace{},
		gone: maps.Clone(m.gone), tokens: maps.Clone(m.tokens), secrets: maps.Clone(m.secrets),
		goneKeys: map[uuid.UUID]*mKey{}, nTables: m.nTables, resources: m.resources}
	for id, a := range m.accounts {
		x := *a
		c.accounts[id] = &x
	}
	for id, k := range m.goneKeys {
		x := *k
		c.goneKeys[id] = &x
	}
	for id, w := range m.ws {
		x := *w
		x.members = map[workspace.UserID]*mMember{}
		for u, mm := range w.members {
			y := *mm
			x.members[u] = &y
		}
		x.invites = map[uuid.UUID]*mInvite{}
		for i, inv := range w.invites {
			y := *inv
			x.invites[i] = &y
		}
		x.roles = map[workspace.Role][]string{}
		for r, p := range w.roles {
			x.roles[r] = slices.Clone(p)
		}
		x.keys = map[uuid.UUID]*mKey{}
		for i, k := range w.keys {
			y := *k
			x.keys[i] = &y
		}
		x.records = nil
		for _, r := range w.records {
			x.records = append(x.records, maps.Clone(r))
		}
		c.ws[id] = &x
	}
	return c
}

// role is what user holds in workspace w now: owner for the account's
// owner (derived), the stored membership, an API key's role while the key
// can act, or "" for none (also for a deleted workspace).
func (m *model) role(w uuid.UUID, user workspace.UserID) workspace.Role {
	ws, ok := m.ws[w]
	if !ok {
		return ""
	}
	if kid, isKey := user.KeyID(); isKey {
		if k, ok := ws.keys[kid]; ok {
			if k.revoked || k.expiredAt(m.now) {
				return ""
			}
			return k.role
		}
		// Elsewhere a key holds what a stored membership gives it: one
		// made when it created a workspace (see opCreate).
	}
	if m.accounts[ws.account].owner == user {
		return workspace.RoleOwner
	}
	if mm, ok := ws.members[user]; ok {
		return mm.role
	}
	return ""
}

// access is what Switch, Get and GetAccess see: the role and version of
// a person who may use the workspace.
func (m *model) access(w uuid.UUID, user workspace.UserID) (role workspace.Role, version int64, owner bool, ok bool) {
	ws, found := m.ws[w]
	if !found {
		return "", 0, false, false
	}
	acc := m.accounts[ws.account]
	if acc.owner == user {
		return workspace.RoleOwner, acc.version, true, true
	}
	if mm, ok := ws.members[user]; ok {
		return mm.role, mm.version, false, true
	}
	return "", 0, false, false
}

// perms is what role holds in w, as "resource:action" strings.
func (m *model) perms(w uuid.UUID, role workspace.Role) map[string]bool {
	if role == "" {
		return nil
	}
	if role.IsBuiltin() {
		return builtinPerms(role)
	}
	ws, ok := m.ws[w]
	if !ok {
		return nil
	}
	out := map[string]bool{}
	for _, p := range ws.roles[role] {
		out[p] = true
	}
	return out
}

// scopeRole is the role a scope acts with: the current role of its user,
// or none when the scope names another account than its workspace's.
func (m *model) scopeRole(sc workspace.Scope) workspace.Role {
	if g, ok := m.decided[sc]; ok {
		return g.role
	}
	ws, ok := m.ws[sc.WorkspaceID]
	if !ok || ws.account != sc.AccountID {
		return ""
	}
	return m.role(sc.WorkspaceID, sc.UserID)
}

func (m *model) can(sc workspace.Scope, perm string) bool {
	return m.actorPerms(sc)[perm]
}

// keyNever is rbac.KeyNeverHolds: what no API key holds, whatever its
// role (managing the team, settings, custom roles and keys needs a person).
var keyNever = map[string]bool{
	"team:manage": true, "settings:create": true, "settings:update": true, "settings:delete": true,
	"settings:manage": true, "api_keys:create": true, "api_keys:update": true, "api_keys:delete": true,
}

// actorPerms is what the scope may do: its role's permissions, without
// keyNever for an API key.
func (m *model) actorPerms(sc workspace.Scope) map[string]bool {
	if g, ok := m.decided[sc]; ok {
		return g.perms
	}
	ps := m.perms(sc.WorkspaceID, m.scopeRole(sc))
	if _, isKey := sc.UserID.KeyID(); !isKey || ps == nil {
		return ps
	}
	out := map[string]bool{}
	for p := range ps {
		if !keyNever[p] {
			out[p] = true
		}
	}
	return out
}

// canGrant is the Authorizer's CanGrant: the role must exist in the
// workspace, the actor hold a role, and the built-in ranks or the
// permission sets allow it. It returns "" or the error class.
func (m *model) canGrant(sc workspace.Scope, role workspace.Role) string {
	ws, ok := m.ws[sc.WorkspaceID]
	if !ok {
		return errUnknownRole
	}
	if !role.IsBuiltin() {
		if _, ok := ws.roles[role]; !ok {
			return errUnknownRole
		}
	}
	held := m.scopeRole(sc)
	if held == "" {
		return errForbidden
	}
	if held.IsBuiltin() && role.IsBuiltin() {
		if held.Rank() >= role.Rank() {
			return ""
		}
		return errForbidden
	}
	mine := m.actorPerms(sc)
	for p := range m.perms(sc.WorkspaceID, role) {
		if !mine[p] {
			return errForbidden
		}
	}
	return ""
}

// seatsUsed counts the account owner, the stored memberships and the
// pending invitations that have not expired.
func (m *model) seatsUsed(ws *mWorkspace) int {
	n := 1 + len(ws.members)
	for _, inv := range ws.invites {
		if inv.status == membership.StatusPending && !inv.expiredAt(m.now) {
			n++
		}
	}
	return n
}

func (m *model) accountWorkspaces(account uuid.UUID) []*mWorkspace {
	var out []*mWorkspace
	for _, w := range m.ws {
		if w.account == account && !w.ghost {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *mWorkspace) int { return bytes.Compare(a.id[:], b.id[:]) })
	return out
}

func (m *model) deleteWorkspace(id uuid.UUID) {
	w := m.ws[id]
	for kid, k := range w.keys {
		m.goneKeys[kid] = k
	}
	m.gone[id] = w.account
	delete(m.ws, id)
}

func (i *mInvite) expiredAt(now time.Time) bool {
	return i.status == membership.StatusPending && !now.Before(i.expires)
}

func (k *mKey) expiredAt(now time.Time) bool { return !k.expires.IsZero() && !now.Before(k.expires) }

func sortedIDs[V any](m map[uuid.UUID]V) []uuid.UUID {
	ids := slices.Collect(maps.Keys(m))
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

// totalRows counts the host tables' rows of every live workspace.
func (m *model) totalRows() int {
	n := 0
	for _, w := range m.ws {
		for _, r := range w.records {
			n += len(r)
		}
	}
	return n
}

// inviteIDs lists the invitations of workspace ws.
func (m *model) inviteIDs(ws uuid.UUID) []uuid.UUID {
	if w, ok := m.ws[ws]; ok {
		return sortedIDs(w.invites)
	}
	return nil
}
