package modeltest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Workspace names collide on purpose ("Sales" and "sales" are one name in
// an account); "" and "  " are invalid.
var wsNames = []string{"Sales", "sales", "Ops", "Dev ", "Lab", "", "  "}

func normName(n string) (string, bool) {
	n = strings.TrimSpace(n)
	return n, n != ""
}

func nameTaken(m *model, account, except uuid.UUID, name string) bool {
	for _, w := range m.accountWorkspaces(account) {
		if w.id != except && strings.EqualFold(w.name, name) {
			return true
		}
	}
	return false
}

// opCreateAccount: workspace.Service.CreateAccount.
type opCreateAccount struct {
	owner  workspace.UserID
	wsName string
}

func (o *opCreateAccount) String() string {
	return fmt.Sprintf("CreateAccount(owner=%s, first=%q)", shortUser(o.owner), o.wsName)
}
func (o *opCreateAccount) where() (uuid.UUID, bool) { return uuid.Nil, false }

func (o *opCreateAccount) run(ctx context.Context, s *system) result {
	a, w, err := s.k.Workspaces.CreateAccount(ctx, workspace.NewAccount{Name: "Acct " + string(o.owner), Owner: o.owner,
		Workspace: workspace.NewWorkspace{Name: o.wsName}})
	r := observed(err, "")
	if err == nil {
		r.val = w.Name
		r.new.ids = []uuid.UUID{a.ID, w.ID}
	}
	return r
}

func (o *opCreateAccount) expect(m *model, got result) result {
	if e := validUser(o.owner); e != errNone {
		return fail(e)
	}
	name, ok := normName(o.wsName)
	if !ok {
		return fail(errInvalid)
	}
	if len(got.new.ids) == 2 {
		m.accounts[got.new.ids[0]] = &mAccount{id: got.new.ids[0], name: "Acct " + string(o.owner), owner: o.owner, version: 1}
		m.newWorkspace(got.new.ids[1], got.new.ids[0], name, "")
	}
	return result{val: name}
}

// opCreate: workspace.Service.Create, a sibling of the scope's workspace.
type opCreate struct {
	scoped
	name string
}

func (o *opCreate) String() string { return fmt.Sprintf("Create(%s, %q)", o.who(), o.name) }

func (o *opCreate) run(ctx context.Context, s *system) result {
	w, err := s.k.Workspaces.Create(o.ctx(ctx), workspace.NewWorkspace{Name: o.name})
	r := observed(err, "")
	if err == nil {
		r.val, r.new.ids = w.Name, []uuid.UUID{w.ID}
	}
	return r
}

func (o *opCreate) expect(m *model, got result) result {
	name, ok := normName(o.name)
	if !ok {
		return fail(errInvalid)
	}
	if e := gate(m, o.sc, "settings:create"); e != errNone {
		return fail(e)
	}
	acc := m.accounts[o.sc.AccountID]
	if len(m.accountWorkspaces(acc.id)) >= maxWorkspaces {
		return fail(errPlanLimit)
	}
	if nameTaken(m, acc.id, uuid.Nil, name) {
		return fail(errConflict)
	}
	if len(got.new.ids) == 1 {
		w := m.newWorkspace(got.new.ids[0], acc.id, name, "")
		// The creator becomes owner of the new workspace through a stored
		// membership. Never an API key: keys never hold settings:create
		// (rbac.KeyNeverHolds; this suite found that a key once could,
		// and held owner of a workspace not its own).
		if acc.owner != o.sc.UserID {
			w.members[o.sc.UserID] = &mMember{role: workspace.RoleOwner, version: 1}
		}
	}
	return result{val: name}
}

// opUpdate: workspace.Service.Update of a workspace named by id.
type opUpdate struct {
	scoped
	id   uuid.UUID
	name *string
	desc *string
}

func (o *opUpdate) String() string {
	s := fmt.Sprintf("Update(%s, ws=%s", o.who(), short(o.id))
	if o.name != nil {
		s += fmt.Sprintf(", name=%q", *o.name)
	}
	if o.desc != nil {
		s += fmt.Sprintf(", desc=%q", *o.desc)
	}
	return s + ")"
}

func (o *opUpdate) run(ctx context.Context, s *system) result {
	w, err := s.k.Workspaces.Update(o.ctx(ctx), o.id, workspace.Changes{Name: o.name, Description: o.desc})
	r := observed(err, "")
	if err == nil {
		r.val = w.Name + "|" + w.Description
	}
	return r
}

func (o *opUpdate) expect(m *model, _ result) result {
	var name, desc string
	if o.name != nil {
		n, ok := normName(*o.name)
		if !ok {
			return fail(errInvalid)
		}
		name = n
	}
	if o.desc != nil {
		desc = strings.TrimSpace(*o.desc)
	}
	role, _, _, ok := m.access(o.id, o.sc.UserID)
	if !ok {
		return fail(errNotFound)
	}
	if !m.perms(o.id, role)["settings:update"] {
		return fail(errForbidden)
	}
	w := m.ws[o.id]
	if o.name != nil && nameTaken(m, w.account, w.id, name) {
		return fail(errConflict)
	}
	if o.name != nil {
		w.name = name
	}
	if o.desc != nil {
		w.desc = desc
	}
	return result{val: w.name + "|" + w.desc}
}

// opDelete: workspace.Service.Delete with a typed confirmation.
type opDelete struct {
	scoped
	id      uuid.UUID
	confirm string
}

func (o *opDelete) String() string {
	return fmt.Sprintf("Delete(%s, ws=%s, confirm=%q)", o.who(), short(o.id), o.confirm)
}

func (o *opDelete) run(ctx context.Context, s *system) result {
	return observed(s.k.Workspaces.Delete(o.ctx(ctx), o.id, o.confirm), "")
}

func (o *opDelete) expect(m *model, _ result) result {
	role, _, _, ok := m.access(o.id, o.sc.UserID)
	if !ok {
		return fail(errNotFound)
	}
	if !m.perms(o.id, role)["settings:delete"] {
		return fail(errForbidden)
	}
	w := m.ws[o.id]
	if o.confirm != w.name {
		return fail(errConfirmation)
	}
	if len(m.accountWorkspaces(w.account)) <= 1 {
		return fail(errLastWorkspace)
	}
	m.deleteWorkspace(o.id)
	return result{}
}

// opEnter: workspace.Service.Enter (Switch and WithScope).
type opEnter struct {
	user workspace.UserID
	id   uuid.UUID
}

func (o *opEnter) String() string {
	return fmt.Sprintf("Enter(%s, ws=%s)", shortUser(o.user), short(o.id))
}
func (o *opEnter) where() (uuid.UUID, bool) { return o.id, false }

func (o *opEnter) run(ctx context.Context, s *system) result {
	_, sc, err := s.k.Workspaces.Enter(ctx, o.user, o.id)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("account=%s role=%s v=%d", sc.AccountID, sc.Role, sc.MembershipVersion)
		r.new.scope = sc
	}
	return r
}

func (o *opEnter) expect(m *model, _ result) result {
	if e := validUser(o.user); e != errNone {
		return fail(e)
	}
	role, v, _, ok := m.access(o.id, o.user)
	if !ok {
		return fail(errNotFound)
	}
	return result{val: fmt.Sprintf("account=%s role=%s v=%d", m.ws[o.id].account, role, v)}
}

// opGet: workspace.Service.Get.
type opGet struct {
	user workspace.UserID
	id   uuid.UUID
}

func (o *opGet) String() string           { return fmt.Sprintf("Get(%s, ws=%s)", shortUser(o.user), short(o.id)) }
func (o *opGet) where() (uuid.UUID, bool) { return o.id, false }
func (o *opGet) expect(m *model, _ result) result {
	if e := validUser(o.user); e != errNone {
		return fail(e)
	}
	if _, _, _, ok := m.access(o.id, o.user); !ok {
		return fail(errNotFound)
	}
	w := m.ws[o.id]
	return result{val: w.name + "|" + w.desc}
}

func (o *opGet) run(ctx context.Context, s *system) result {
	w, err := s.k.Workspaces.Get(ctx, o.user, o.id)
	r := observed(err, "")
	if err == nil {
		r.val = w.Name + "|" + w.Description
	}
	return r
}

// opRevalidate: workspace.Service.Revalidate of a scope kept earlier.
type opRevalidate struct{ scoped }

func (o *opRevalidate) String() string { return fmt.Sprintf("Revalidate(%s)", o.who()) }

func (o *opRevalidate) run(ctx context.Context, s *system) result {
	fresh, changed, err := s.k.Workspaces.Revalidate(ctx, o.sc)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("role=%s v=%d changed=%v", fresh.Role, fresh.MembershipVersion, changed)
		r.new.scope = fresh
	}
	return r
}

func (o *opRevalidate) expect(m *model, _ result) result {
	role, v, _, ok := m.access(o.sc.WorkspaceID, o.sc.UserID)
	if !ok || m.ws[o.sc.WorkspaceID].account != o.sc.AccountID {
		return fail(errNotFound)
	}
	changed := role != o.sc.Role || v != o.sc.MembershipVersion
	return result{val: fmt.Sprintf("role=%s v=%d changed=%v", role, v, changed)}
}

// opAccount: workspace.Service.Account.
type opAccount struct{ scoped }

func (o *opAccount) String() string { return fmt.Sprintf("Account(%s)", o.who()) }

func (o *opAccount) run(ctx context.Context, s *system) result {
	a, err := s.k.Workspaces.Account(o.ctx(ctx))
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("owner=%s v=%d", a.OwnerID, a.Version)
	}
	return r
}

func (o *opAccount) expect(m *model, _ result) result {
	if _, _, _, ok := m.access(o.sc.WorkspaceID, o.sc.UserID); !ok || m.ws[o.sc.WorkspaceID].account != o.sc.AccountID {
		return fail(errNotFound)
	}
	a := m.accounts[o.sc.AccountID]
	return result{val: fmt.Sprintf("owner=%s v=%d", a.owner, a.version)}
}

// opAdvance moves the clock: invitations and keys expire.
type opAdvance struct{ hours int }

func (o *opAdvance) String() string           { return fmt.Sprintf("Advance(%dh)", o.hours) }
func (o *opAdvance) where() (uuid.UUID, bool) { return uuid.Nil, false }
func (o *opAdvance) run(_ context.Context, s *system) result {
	s.clock.advance(time.Duration(o.hours) * time.Hour)
	return result{}
}
func (o *opAdvance) expect(m *model, _ result) result {
	m.now = m.now.Add(time.Duration(o.hours) * time.Hour)
	return result{}
}
