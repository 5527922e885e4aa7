package modeltest

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// opInvite: membership.Service.Invite.
type opInvite struct {
	scoped
	email string
	role  workspace.Role
}

func (o *opInvite) String() string {
	return fmt.Sprintf("Invite(%s, %s, %s)", o.who(), shortEmail(o.email), o.role)
}

func shortEmail(e string) string {
	if i := strings.LastIndex(e, "-"); i >= 0 {
		return e[i+1:]
	}
	return e
}

func (o *opInvite) run(ctx context.Context, s *system) result {
	inv, token, err := s.k.Team.Invite(o.ctx(ctx), o.email, o.role)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("%s %s", inv.Email, inv.Role)
		r.new.ids, r.new.secret = []uuid.UUID{inv.ID}, token
	}
	return r
}

func (o *opInvite) expect(m *model, got result) result {
	email := strings.ToLower(strings.TrimSpace(o.email))
	if !strings.Contains(email, "@") {
		return fail(errInvalid)
	}
	if o.role.Validate() != nil {
		return fail(errInvalid)
	}
	if e := gate(m, o.sc, "team:manage"); e != errNone {
		return fail(e)
	}
	if e := m.canGrant(o.sc, o.role); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	if m.seatsUsed(w) >= maxMembers {
		return fail(errPlanLimit)
	}
	for _, inv := range w.invites {
		if inv.email == email && inv.status == membership.StatusPending && !inv.expiredAt(m.now) {
			return fail(errConflict)
		}
	}
	if len(got.new.ids) == 1 {
		inv := &mInvite{id: got.new.ids[0], ws: w.id, email: email, role: o.role, status: membership.StatusPending,
			expires: m.now.Add(inviteTTL), token: got.new.secret}
		w.invites[inv.id] = inv
		m.tokens[got.new.secret] = inv.id
	}
	return result{val: fmt.Sprintf("%s %s", email, o.role)}
}

// findInvite finds an invitation of any live workspace.
func (m *model) findInvite(id uuid.UUID) *mInvite {
	for _, w := range m.ws {
		if inv, ok := w.invites[id]; ok {
			return inv
		}
	}
	return nil
}

// checkInvitation is the model of the service's pre-check of Resend and
// Revoke: team:manage, the invitation in the scope's workspace, and its
// role no higher than the caller's.
func (m *model) checkInvitation(sc workspace.Scope, id uuid.UUID) (*mInvite, string) {
	if e := gate(m, sc, "team:manage"); e != errNone {
		return nil, e
	}
	inv, ok := m.ws[sc.WorkspaceID].invites[id]
	if !ok {
		return nil, errNotFound
	}
	if e := m.canGrant(sc, inv.role); e != errNone {
		return nil, e
	}
	if inv.status != membership.StatusPending {
		return nil, errNotPending
	}
	return inv, errNone
}

// opResend: membership.Service.Resend.
type opResend struct {
	scoped
	id uuid.UUID
}

func (o *opResend) String() string { return fmt.Sprintf("Resend(%s, inv=%s)", o.who(), short(o.id)) }

func (o *opResend) run(ctx context.Context, s *system) result {
	inv, token, err := s.k.Team.Resend(o.ctx(ctx), o.id)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("%s %s", inv.Email, inv.Role)
		r.new.secret = token
	}
	return r
}

func (o *opResend) expect(m *model, got result) result {
	inv, e := m.checkInvitation(o.sc, o.id)
	if e != errNone {
		return fail(e)
	}
	if inv.expiredAt(m.now) && m.seatsUsed(m.ws[inv.ws]) >= maxMembers {
		return fail(errPlanLimit)
	}
	if got.new.secret != "" {
		inv.token, inv.expires = got.new.secret, m.now.Add(inviteTTL)
		m.tokens[got.new.secret] = inv.id
	}
	return result{val: fmt.Sprintf("%s %s", inv.email, inv.role)}
}

// opRevoke: membership.Service.Revoke.
type opRevoke struct {
	scoped
	id uuid.UUID
}

func (o *opRevoke) String() string { return fmt.Sprintf("Revoke(%s, inv=%s)", o.who(), short(o.id)) }

func (o *opRevoke) run(ctx context.Context, s *system) result {
	return observed(s.k.Team.Revoke(o.ctx(ctx), o.id), "")
}

func (o *opRevoke) expect(m *model, _ result) result {
	inv, e := m.checkInvitation(o.sc, o.id)
	if e != errNone {
		return fail(e)
	}
	inv.status = membership.StatusRevoked
	return result{}
}

// opAccept: membership.Service.AcceptAndEnter with a token of any age.
type opAccept struct {
	user  workspace.UserID
	token string
}

func (o *opAccept) String() string {
	t := o.token
	if len(t) > 8 {
		t = t[:8] + "…"
	}
	return fmt.Sprintf("Accept(%s, token=%s)", shortUser(o.user), t)
}
func (o *opAccept) where() (uuid.UUID, bool) { return uuid.Nil, false }

func (o *opAccept) run(ctx context.Context, s *system) result {
	_, sc, err := s.k.Team.AcceptAndEnter(ctx, o.user, o.token)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("ws=%s role=%s v=%d", sc.WorkspaceID, sc.Role, sc.MembershipVersion)
		r.new.scope = sc
	}
	return r
}

func (o *opAccept) expect(m *model, _ result) result {
	if e := validUser(o.user); e != errNone {
		return fail(e)
	}
	id, ok := m.tokens[o.token]
	inv := m.findInvite(id)
	if !ok || inv == nil || inv.token != o.token {
		return fail(errTokenUnknown)
	}
	switch {
	case inv.status == membership.StatusRevoked:
		return fail(errTokenRevoked)
	case inv.status == membership.StatusAccepted:
		return fail(errTokenUsed)
	case inv.expiredAt(m.now):
		return fail(errTokenExpired)
	}
	if _, _, _, has := m.access(inv.ws, o.user); has {
		return fail(errAlreadyMember)
	}
	m.ws[inv.ws].members[o.user] = &mMember{role: inv.role, version: 1}
	inv.status = membership.StatusAccepted
	return result{val: fmt.Sprintf("ws=%s role=%s v=%d", inv.ws, inv.role, 1)}
}

// opChangeRole: membership.Service.ChangeRole.
type opChangeRole struct {
	scoped
	user workspace.UserID
	role workspace.Role
}

func (o *opChangeRole) String() string {
	return fmt.Sprintf("ChangeRole(%s, %s -> %s)", o.who(), shortUser(o.user), o.role)
}

func (o *opChangeRole) run(ctx context.Context, s *system) result {
	mm, err := s.k.Team.ChangeRole(o.ctx(ctx), o.user, o.role)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("%s v=%d", mm.Role, mm.Version)
	}
	return r
}

// manageMember is the model of the service's check before a role change or
// a removal: team:manage, the target's stored membership (not the account
// owner), and its role no higher than the caller's.
func (m *model) manageMember(sc workspace.Scope, user workspace.UserID) (*mMember, string) {
	if e := validUser(user); e != errNone {
		return nil, e
	}
	if e := gate(m, sc, "team:manage"); e != errNone {
		return nil, e
	}
	_, _, owner, ok := m.access(sc.WorkspaceID, user)
	if !ok {
		return nil, errNotFound
	}
	if owner {
		return nil, errAccountOwner
	}
	mm := m.ws[sc.WorkspaceID].members[user]
	if e := m.canGrant(sc, mm.role); e != errNone {
		return nil, e
	}
	return mm, errNone
}

func (o *opChangeRole) expect(m *model, _ result) result {
	if o.role.Validate() != nil {
		return fail(errInvalid)
	}
	mm, e := m.manageMember(o.sc, o.user)
	if e != errNone {
		return fail(e)
	}
	if e := m.canGrant(o.sc, o.role); e != errNone {
		return fail(e)
	}
	if mm.role != o.role {
		mm.role, mm.version = o.role, mm.version+1
	}
	return result{val: fmt.Sprintf("%s v=%d", mm.role, mm.version)}
}

// opRemove: membership.Service.Remove.
type opRemove struct {
	scoped
	user workspace.UserID
}

func (o *opRemove) String() string { return fmt.Sprintf("Remove(%s, %s)", o.who(), shortUser(o.user)) }

func (o *opRemove) run(ctx context.Context, s *system) result {
	return observed(s.k.Team.Remove(o.ctx(ctx), o.user), "")
}

func (o *opRemove) expect(m *model, _ result) result {
	if _, e := m.manageMember(o.sc, o.user); e != errNone {
		return fail(e)
	}
	delete(m.ws[o.sc.WorkspaceID].members, o.user)
	return result{}
}

// opLeave: membership.Service.Leave.
type opLeave struct{ scoped }

func (o *opLeave) String() string { return fmt.Sprintf("Leave(%s)", o.who()) }

func (o *opLeave) run(ctx context.Context, s *system) result {
	return observed(s.k.Team.Leave(o.ctx(ctx)), "")
}

func (o *opLeave) expect(m *model, _ result) result {
	_, _, owner, ok := m.access(o.sc.WorkspaceID, o.sc.UserID)
	if !ok {
		return fail(errNotFound)
	}
	if owner {
		return fail(errAccountOwner)
	}
	delete(m.ws[o.sc.WorkspaceID].members, o.sc.UserID)
	return result{}
}

// opTransfer: membership.Service.TransferOwnership.
type opTransfer struct {
	scoped
	to   workspace.UserID
	prev workspace.Role
}

func (o *opTransfer) String() string {
	return fmt.Sprintf("TransferOwnership(%s, to=%s, keep=%q)", o.who(), shortUser(o.to), o.prev)
}

func (o *opTransfer) run(ctx context.Context, s *system) result {
	return observed(s.k.Team.TransferOwnership(o.ctx(ctx), o.to, o.prev), "")
}

func (o *opTransfer) expect(m *model, _ result) result {
	if e := validUser(o.to); e != errNone {
		return fail(e)
	}
	prev := o.prev
	if prev == "" {
		prev = workspace.RoleAdmin
	}
	if !prev.IsBuiltin() || o.to == o.sc.UserID {
		return fail(errInvalid)
	}
	if _, _, _, ok := m.access(o.sc.WorkspaceID, o.to); !ok {
		return fail(errNotFound)
	}
	acc := m.accounts[o.sc.AccountID]
	if acc.owner != o.sc.UserID {
		return fail(errForbidden)
	}
	for _, w := range m.accountWorkspaces(acc.id) {
		delete(w.members, o.to)
		if mm, ok := w.members[o.sc.UserID]; ok {
			mm.role, mm.version = prev, mm.version+1
		} else {
			w.members[o.sc.UserID] = &mMember{role: prev, version: 1}
		}
	}
	acc.owner, acc.version = o.to, acc.version+1
	return result{}
}
