package modeltest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Custom roles: names the generator uses ("owner" is a built-in's name,
// refused), and the permissions it builds them from (team:manage makes a
// custom role a team manager, so that CanGrant's subset rule is exercised).
var (
	roleNames = []workspace.Role{"r-alpha", "r-beta", "owner"}
	rolePerms = []string{"team:read", "team:manage", "agents:read", "agents:create", "contacts:read",
		"contacts:delete", "api_keys:read", "api_keys:create", "settings:update", "conversations:read"}
)

func toPerms(ps []string) []rbac.Permission {
	out := make([]rbac.Permission, 0, len(ps))
	for _, p := range ps {
		x, _ := rbac.ParsePermission(p)
		out = append(out, x)
	}
	return out
}

func permString(ps []rbac.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// canonPerms sorts and dedups as rbac.SortPermissions does (resource, then
// action).
func canonPerms(ps []string) []string {
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b string) int {
		ra, aa, _ := strings.Cut(a, ":")
		rb, ab, _ := strings.Cut(b, ":")
		if c := strings.Compare(ra, rb); c != 0 {
			return c
		}
		return strings.Compare(aa, ab)
	})
	return slices.Compact(out)
}

// manager is the model of the Authorizer's check before any custom-role
// change: team:manage, and then every permission named held by the actor.
func (m *model) within(sc workspace.Scope, perms []string) string {
	mine := m.actorPerms(sc)
	for _, p := range perms {
		if !mine[p] {
			return errForbidden
		}
	}
	return errNone
}

func validCustom(name workspace.Role) string {
	if name.Validate() != nil || name.IsBuiltin() {
		return errInvalid
	}
	return errNone
}

// opCreateRole: rbac.Authorizer.CreateRole.
type opCreateRole struct {
	scoped
	name  workspace.Role
	perms []string
}

func (o *opCreateRole) String() string {
	return fmt.Sprintf("CreateRole(%s, %s, [%s])", o.who(), o.name, strings.Join(o.perms, ","))
}

func (o *opCreateRole) run(ctx context.Context, s *system) result {
	r, err := s.k.Authz.CreateRole(o.ctx(ctx), o.name, toPerms(o.perms))
	res := observed(err, "")
	if err == nil {
		res.val = fmt.Sprintf("%s %s", r.Name, permString(r.Permissions))
	}
	return res
}

func (o *opCreateRole) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:manage"); e != errNone {
		return fail(e)
	}
	if e := validCustom(o.name); e != errNone {
		return fail(e)
	}
	perms := canonPerms(o.perms)
	if len(perms) == 0 {
		return fail(errInvalid)
	}
	if e := m.within(o.sc, perms); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	if _, ok := w.roles[o.name]; ok {
		return fail(errConflict)
	}
	w.roles[o.name] = perms
	return result{val: fmt.Sprintf("%s %s", o.name, strings.Join(perms, ","))}
}

// opUpdateRole: rbac.Authorizer.UpdateRole.
type opUpdateRole struct {
	scoped
	name  workspace.Role
	perms []string
}

func (o *opUpdateRole) String() string {
	return fmt.Sprintf("UpdateRole(%s, %s, [%s])", o.who(), o.name, strings.Join(o.perms, ","))
}

func (o *opUpdateRole) run(ctx context.Context, s *system) result {
	r, err := s.k.Authz.UpdateRole(o.ctx(ctx), o.name, toPerms(o.perms))
	res := observed(err, "")
	if err == nil {
		res.val = fmt.Sprintf("%s %s", r.Name, permString(r.Permissions))
	}
	return res
}

func (o *opUpdateRole) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:manage"); e != errNone {
		return fail(e)
	}
	perms := canonPerms(o.perms)
	if len(perms) == 0 {
		return fail(errInvalid)
	}
	if e := m.within(o.sc, perms); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	before, ok := w.roles[o.name]
	if !ok {
		return fail(errUnknownRole)
	}
	if e := m.within(o.sc, before); e != errNone {
		return fail(e)
	}
	w.roles[o.name] = perms
	return result{val: fmt.Sprintf("%s %s", o.name, strings.Join(perms, ","))}
}

// opRenameRole: rbac.Authorizer.RenameRole.
type opRenameRole struct {
	scoped
	from, to workspace.Role
}

func (o *opRenameRole) String() string {
	return fmt.Sprintf("RenameRole(%s, %s -> %s)", o.who(), o.from, o.to)
}

func (o *opRenameRole) run(ctx context.Context, s *system) result {
	r, err := s.k.Authz.RenameRole(o.ctx(ctx), o.from, o.to)
	res := observed(err, "")
	if err == nil {
		res.val = fmt.Sprintf("%s %s", r.Name, permString(r.Permissions))
	}
	return res
}

func (o *opRenameRole) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:manage"); e != errNone {
		return fail(e)
	}
	if e := validCustom(o.to); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	perms, ok := w.roles[o.from]
	if !ok {
		return fail(errUnknownRole)
	}
	if e := m.within(o.sc, perms); e != errNone {
		return fail(e)
	}
	if _, taken := w.roles[o.to]; taken {
		return fail(errConflict)
	}
	m.reassign(w, o.from, o.to)
	delete(w.roles, o.from)
	w.roles[o.to] = perms
	return result{val: fmt.Sprintf("%s %s", o.to, strings.Join(perms, ","))}
}

// reassign moves memberships (their versions grow), pending invitations
// and keys that are not revoked from one role to another.
func (m *model) reassign(w *mWorkspace, from, to workspace.Role) {
	for _, mm := range w.members {
		if mm.role == from {
			mm.role, mm.version = to, mm.version+1
		}
	}
	for _, inv := range w.invites {
		if inv.status == "pending" && inv.role == from {
			inv.role = to
		}
	}
	for _, k := range w.keys {
		if !k.revoked && k.role == from {
			k.role = to
		}
	}
}

func (m *model) holders(w *mWorkspace, role workspace.Role) int {
	n := 0
	for _, mm := range w.members {
		if mm.role == role {
			n++
		}
	}
	for _, inv := range w.invites {
		if inv.status == "pending" && inv.role == role {
			n++
		}
	}
	for _, k := range w.keys {
		if !k.revoked && k.role == role {
			n++
		}
	}
	return n
}

// opDeleteRole: rbac.Authorizer.DeleteRole, with or without reassigning.
type opDeleteRole struct {
	scoped
	name, to workspace.Role
}

func (o *opDeleteRole) String() string {
	return fmt.Sprintf("DeleteRole(%s, %s, reassign=%q)", o.who(), o.name, o.to)
}

func (o *opDeleteRole) run(ctx context.Context, s *system) result {
	return observed(s.k.Authz.DeleteRole(o.ctx(ctx), o.name, o.to), "")
}

func (o *opDeleteRole) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "team:manage"); e != errNone {
		return fail(e)
	}
	if o.to == o.name {
		return fail(errUnknownRole)
	}
	if o.to.IsBuiltin() {
		if e := m.within(o.sc, keys(builtinPerms(o.to))); e != errNone {
			return fail(e)
		}
	}
	w := m.ws[o.sc.WorkspaceID]
	perms, ok := w.roles[o.name]
	if !ok {
		return fail(errUnknownRole)
	}
	if e := m.within(o.sc, perms); e != errNone {
		return fail(e)
	}
	if o.to == "" {
		if m.holders(w, o.name) > 0 {
			return fail(errRoleInUse)
		}
	} else {
		if !o.to.IsBuiltin() {
			to, ok := w.roles[o.to]
			if !ok {
				return fail(errUnknownRole)
			}
			if e := m.within(o.sc, to); e != errNone {
				return fail(e)
			}
		}
		m.reassign(w, o.name, o.to)
	}
	delete(w.roles, o.name)
	return result{}
}

func keys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	return out
}
