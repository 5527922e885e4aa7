package modeltest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/workspace"
)

func keyLine(id uuid.UUID, name string, role workspace.Role, revoked bool, expires time.Time) string {
	exp := "never"
	if !expires.IsZero() {
		exp = expires.UTC().Format("2006-01-02T15:04")
	}
	return fmt.Sprintf("%s %s %s revoked=%v expires=%s; ", id, name, role, revoked, exp)
}

func sysKeyLine(k apikey.Key) string {
	return keyLine(k.ID, k.Name, k.Role, k.Revoked(), k.ExpiresAt)
}

func (k *mKey) line() string { return keyLine(k.id, k.name, k.role, k.revoked, k.expires) }

// mayManageKeys is the model of apikey's check before any change to keys:
// a person (not a key), the permission, and every role named no higher
// than the caller's.
func (m *model) mayManageKeys(sc workspace.Scope, action string, roles ...workspace.Role) string {
	if isKey(sc.UserID) {
		return errForbidden
	}
	if e := gate(m, sc, "api_keys:"+action); e != errNone {
		return e
	}
	for _, r := range roles {
		if e := m.canGrant(sc, r); e != errNone {
			return e
		}
	}
	return errNone
}

// opKeyCreate: apikey.Service.Create.
type opKeyCreate struct {
	scoped
	name    string
	role    workspace.Role
	expires time.Duration // 0: never; < 0: in the past (refused)
}

func (o *opKeyCreate) String() string {
	return fmt.Sprintf("KeyCreate(%s, %q, %s, expires=%v)", o.who(), o.name, o.role, o.expires)
}

func (o *opKeyCreate) at(now time.Time) time.Time {
	if o.expires == 0 {
		return time.Time{}
	}
	return now.Add(o.expires)
}

func (o *opKeyCreate) run(ctx context.Context, s *system) result {
	k, secret, err := s.keys.Create(o.ctx(ctx), apikey.NewKey{Name: o.name, Role: o.role, ExpiresAt: o.at(s.clock.now())})
	r := observed(err, "")
	if err == nil {
		r.val = sysKeyLine(k)
		r.new.ids, r.new.secret = []uuid.UUID{k.ID}, secret
	}
	return r
}

func (o *opKeyCreate) expect(m *model, got result) result {
	name := strings.TrimSpace(o.name)
	if name == "" || o.role.Validate() != nil || o.expires < 0 {
		return fail(errInvalid)
	}
	if e := m.mayManageKeys(o.sc, "create", o.role); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	active := 0
	for _, k := range w.keys {
		if !k.revoked && !k.expiredAt(m.now) {
			active++
		}
	}
	if active >= maxAPIKeys {
		return fail(errPlanLimit)
	}
	if len(got.new.ids) == 0 {
		return result{val: "(created)"}
	}
	k := &mKey{id: got.new.ids[0], ws: w.id, account: w.account, name: name, role: o.role,
		expires: o.at(m.now), secret: got.new.secret}
	w.keys[k.id] = k
	m.secrets[k.secret] = k.id
	return result{val: k.line()}
}

// opKeyList: apikey.Service.List.
type opKeyList struct{ scoped }

func (o *opKeyList) String() string { return fmt.Sprintf("KeyList(%s)", o.who()) }

func (o *opKeyList) run(ctx context.Context, s *system) result {
	ks, err := s.keys.List(o.ctx(ctx), workspace.Page{Limit: workspace.MaxPageSize})
	var b strings.Builder
	for _, k := range ks {
		b.WriteString(sysKeyLine(k))
	}
	return observed(err, b.String())
}

func (o *opKeyList) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "api_keys:read"); e != errNone {
		return fail(e)
	}
	w := m.ws[o.sc.WorkspaceID]
	var b strings.Builder
	for _, id := range sortedIDs(w.keys) {
		b.WriteString(w.keys[id].line())
	}
	return result{val: b.String()}
}

// opKeyGet: apikey.Service.Get.
type opKeyGet struct {
	scoped
	id uuid.UUID
}

func (o *opKeyGet) String() string { return fmt.Sprintf("KeyGet(%s, key=%s)", o.who(), short(o.id)) }

func (o *opKeyGet) run(ctx context.Context, s *system) result {
	k, err := s.keys.Get(o.ctx(ctx), o.id)
	r := observed(err, "")
	if err == nil {
		r.val = sysKeyLine(k)
	}
	return r
}

func (o *opKeyGet) expect(m *model, _ result) result {
	if e := gate(m, o.sc, "api_keys:read"); e != errNone {
		return fail(e)
	}
	k, ok := m.ws[o.sc.WorkspaceID].keys[o.id]
	if !ok {
		return fail(errNotFound)
	}
	return result{val: k.line()}
}

// opKeyChange: apikey.Service.Rename, ChangeRole or Revoke.
type opKeyChange struct {
	scoped
	id   uuid.UUID
	kind string // rename, role, revoke
	name string
	role workspace.Role
}

func (o *opKeyChange) String() string {
	switch o.kind {
	case "rename":
		return fmt.Sprintf("KeyRename(%s, key=%s, %q)", o.who(), short(o.id), o.name)
	case "role":
		return fmt.Sprintf("KeyChangeRole(%s, key=%s, %s)", o.who(), short(o.id), o.role)
	}
	return fmt.Sprintf("KeyRevoke(%s, key=%s)", o.who(), short(o.id))
}

func (o *opKeyChange) run(ctx context.Context, s *system) result {
	var (
		k   apikey.Key
		err error
	)
	switch o.kind {
	case "rename":
		k, err = s.keys.Rename(o.ctx(ctx), o.id, o.name)
	case "role":
		k, err = s.keys.ChangeRole(o.ctx(ctx), o.id, o.role)
	default:
		return observed(s.keys.Revoke(o.ctx(ctx), o.id), "")
	}
	r := observed(err, "")
	if err == nil {
		r.val = sysKeyLine(k)
	}
	return r
}

func (o *opKeyChange) expect(m *model, _ result) result {
	name := strings.TrimSpace(o.name)
	if o.kind == "rename" && name == "" {
		return fail(errInvalid)
	}
	if o.kind == "role" && o.role.Validate() != nil {
		return fail(errInvalid)
	}
	action := "update"
	if o.kind == "revoke" {
		action = "delete"
	}
	if e := m.mayManageKeys(o.sc, action); e != errNone {
		return fail(e)
	}
	k, ok := m.ws[o.sc.WorkspaceID].keys[o.id]
	if !ok {
		return fail(errNotFound)
	}
	if e := m.mayManageKeys(o.sc, action, k.role); e != errNone {
		return fail(e)
	}
	if k.revoked {
		return fail(errKeyRevoked)
	}
	switch o.kind {
	case "rename":
		if k.name != name {
			k.name = name
		}
	case "role":
		if e := m.canGrant(o.sc, o.role); e != errNone {
			return fail(e)
		}
		if k.role != o.role {
			k.role = o.role
		}
	default:
		k.revoked = true
		return result{}
	}
	return result{val: k.line()}
}

// opAuthenticate: apikey.Service.Authenticate with any secret ever handed
// out, or a forged one.
type opAuthenticate struct{ secret string }

func (o *opAuthenticate) String() string {
	s := o.secret
	if len(s) > 14 {
		s = s[:14] + "…"
	}
	return fmt.Sprintf("Authenticate(%s)", s)
}
func (o *opAuthenticate) where() (uuid.UUID, bool) { return uuid.Nil, false }

func (o *opAuthenticate) run(ctx context.Context, s *system) result {
	sc, err := s.keys.Authenticate(ctx, o.secret)
	r := observed(err, "")
	if err == nil {
		r.val = fmt.Sprintf("ws=%s user=%s role=%s", sc.WorkspaceID, sc.UserID, sc.Role)
	}
	return r
}

func (o *opAuthenticate) expect(m *model, _ result) result {
	id, ok := m.secrets[o.secret]
	if !ok {
		return fail(errKeyUnknown)
	}
	k, live := m.goneKeys[id], false
	for _, w := range m.ws {
		if x, ok := w.keys[id]; ok {
			k, live = x, true
		}
	}
	// The key service's memory follows the Authorizer's invalidations
	// (rbac's AddFollower), so it answers as the store does: a key of a
	// deleted workspace is unknown at once.
	if !live {
		return fail(errKeyUnknown)
	}
	if k.revoked {
		return fail(errKeyRevoked)
	}
	if k.expiredAt(m.now) {
		return fail(errKeyExpired)
	}
	return result{val: fmt.Sprintf("ws=%s user=%s role=%s", k.ws, workspace.KeyUser(k.id), k.role)}
}
