package modeltest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// The reads a scope makes, each an operation of its own and, all together,
// the scope's view checked after every operation (check.go).

// opList: workspace.Service.List, the selector.
type opList struct{ user workspace.UserID }

func (o *opList) String() string           { return fmt.Sprintf("List(%s)", shortUser(o.user)) }
func (o *opList) where() (uuid.UUID, bool) { return uuid.Nil, false }

func (o *opList) run(ctx context.Context, s *system) result {
	as, err := s.k.Workspaces.List(ctx, o.user, workspace.Page{Limit: workspace.MaxPageSize})
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "%s %s %s v=%d owner=%v; ", a.Workspace.ID, a.Workspace.Name, a.Role, a.Version, a.AccountOwner)
	}
	return observed(err, b.String())
}

func (o *opList) expect(m *model, _ result) result {
	if e := validUser(o.user); e != errNone {
		return fail(e)
	}
	var b strings.Builder
	for _, id := range sortedIDs(m.ws) {
		if role, v, owner, ok := m.access(id, o.user); ok {
			fmt.Fprintf(&b, "%s %s %s v=%d owner=%v; ", id, m.ws[id].name, role, v, owner)
		}
	}
	return result{val: b.String()}
}

// opTeam: membership.Service.Team.
type opTeam struct{ scoped }

func (o *opTeam) String() string { return fmt.Sprintf("Team(%s)", o.who()) }

func (o *opTeam) run(ctx context.Context, s *system) result {
	ms, err := s.k.Team.Team(o.ctx(ctx), membership.TeamPage{Limit: workspace.MaxPageSize})
	var b strings.Builder
	for _, x := range ms {
		fmt.Fprintf(&b, "%s %s v=%d owner=%v; ", x.UserID, x.Role, x.Version, x.AccountOwner)
	}
	return observed(err, b.String())
}

func (o *opTeam) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:read"); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	acc := m.accounts[w.account]
	type line struct {
		u    workspace.UserID
		text string
	}
	lines := []line{{acc.owner, fmt.Sprintf("%s %s v=%d owner=true; ", acc.owner, workspace.RoleOwner, acc.version)}}
	for u, mm := range w.members {
		lines = append(lines, line{u, fmt.Sprintf("%s %s v=%d owner=false; ", u, mm.role, mm.version)})
	}
	slices.SortFunc(lines, func(a, b line) int { return strings.Compare(string(a.u), string(b.u)) })
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
	}
	return result{val: b.String()}
}

// opMember: membership.Service.Member.
type opMember struct {
	scoped
	user workspace.UserID
}

func (o *opMember) String() string { return fmt.Sprintf("Member(%s, %s)", o.who(), shortUser(o.user)) }

func (o *opMember) run(ctx context.Context, s *system) result {
	x, err := s.k.Team.Member(o.ctx(ctx), o.user)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("%s v=%d owner=%v", x.Role, x.Version, x.AccountOwner)
	}
	return r
}

func (o *opMember) expect(m *model, _ result) result {
	if e := validUser(o.user); e != errNone {
		return fail(e)
	}
	if e := gate(m, o.sc, "team:read"); e != errNone {
		return fail(e)
	}
	role, v, owner, ok := m.access(o.sc.WorkspaceID, o.user)
	if !ok {
		return fail(errNotFound)
	}
	return result{val: fmt.Sprintf("%s v=%d owner=%v", role, v, owner)}
}

// opPending: membership.Service.Pending, or Expired.
type opPending struct {
	scoped
	expired bool
}

func (o *opPending) String() string {
	if o.expired {
		return fmt.Sprintf("Expired(%s)", o.who())
	}
	return fmt.Sprintf("Pending(%s)", o.who())
}

func (o *opPending) run(ctx context.Context, s *system) result {
	list := s.k.Team.Pending
	if o.expired {
		list = s.k.Team.Expired
	}
	invs, err := list(o.ctx(ctx))
	var b strings.Builder
	for _, inv := range invs {
		fmt.Fprintf(&b, "%s %s %s %s; ", inv.ID, inv.Email, inv.Role, inv.ExpiresAt.UTC().Format("2006-01-02T15:04:05.000000"))
	}
	return observed(err, b.String())
}

func (o *opPending) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:read"); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	var b strings.Builder
	for _, id := range sortedIDs(w.invites) {
		inv := w.invites[id]
		if inv.status == membership.StatusPending && inv.expiredAt(m.now) == o.expired {
			fmt.Fprintf(&b, "%s %s %s %s; ", inv.id, inv.email, inv.role, inv.expires.UTC().Format("2006-01-02T15:04:05.000000"))
		}
	}
	return result{val: b.String()}
}

// opListRoles: rbac.Authorizer.ListRoles.
type opListRoles struct{ scoped }

func (o *opListRoles) String() string { return fmt.Sprintf("ListRoles(%s)", o.who()) }

func (o *opListRoles) run(ctx context.Context, s *system) result {
	rs, err := s.k.Authz.ListRoles(o.ctx(ctx))
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s; ", r.Name, permString(r.Permissions))
	}
	return observed(err, b.String())
}

func (o *opListRoles) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:read"); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	names := make([]string, 0, len(w.roles))
	for r := range w.roles {
		names = append(names, string(r))
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s; ", n, strings.Join(w.roles[workspace.Role(n)], ","))
	}
	return result{val: b.String()}
}

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
