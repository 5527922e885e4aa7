package modeltest

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// kind is one kind of operation with its weight in the mix. CreateAccount
// comes first: rapid shrinks choices towards the first, so a shrunk
// sequence reads as a story that starts with an account.
type kind struct {
	name   string
	weight int
	keys   bool // needs the API key service
	clock  bool // moves the shared clock (not in concurrent runs)
	gen    func(w *world, s source) op
}

var kinds = []kind{
	{name: "CreateAccount", weight: 2, gen: genCreateAccount},
	{name: "Invite", weight: 8, gen: genInvite},
	{name: "Accept", weight: 8, gen: genAccept},
	{name: "Create", weight: 3, gen: func(w *world, s source) op { return &opCreate{scoped{w.mustScope(s)}, pick(s, "name", wsNames)} }},
	{name: "Update", weight: 3, gen: genUpdate},
	{name: "Delete", weight: 3, gen: genDelete},
	{name: "Enter", weight: 3, gen: func(w *world, s source) op { return &opEnter{w.pickUser(s), w.pickWorkspace(s)} }},
	{name: "Get", weight: 1, gen: func(w *world, s source) op { return &opGet{w.pickUser(s), w.pickWorkspace(s)} }},
	{name: "List", weight: 1, gen: func(w *world, s source) op { return &opList{w.pickUser(s)} }},
	{name: "Revalidate", weight: 2, gen: func(w *world, s source) op { return &opRevalidate{scoped{w.mustScope(s)}} }},
	{name: "Account", weight: 1, gen: func(w *world, s source) op { return &opAccount{scoped{w.mustScope(s)}} }},
	{name: "Advance", weight: 1, clock: true, gen: func(w *world, s source) op { return &opAdvance{pick(s, "hours", []int{24, 72, 170})} }},
	{name: "Resend", weight: 3, gen: func(w *world, s source) op { return &opResend{scoped{w.mustScope(s)}, w.pickInvite(s)} }},
	{name: "Revoke", weight: 3, gen: func(w *world, s source) op { return &opRevoke{scoped{w.mustScope(s)}, w.pickInvite(s)} }},
	{name: "ChangeRole", weight: 5, gen: func(w *world, s source) op {
		sc := w.mustScope(s)
		return &opChangeRole{scoped{sc}, w.pickMember(s, sc.WorkspaceID), w.pickRole(s)}
	}},
	{name: "Remove", weight: 3, gen: func(w *world, s source) op {
		sc := w.mustScope(s)
		return &opRemove{scoped{sc}, w.pickMember(s, sc.WorkspaceID)}
	}},
	{name: "Leave", weight: 2, gen: func(w *world, s source) op { return &opLeave{scoped{w.mustScope(s)}} }},
	{name: "TransferOwnership", weight: 2, gen: func(w *world, s source) op {
		sc := w.mustScope(s)
		return &opTransfer{scoped{sc}, w.pickMember(s, sc.WorkspaceID), pick(s, "keep", []workspace.Role{"", workspace.RoleMember, workspace.RoleViewer, "r-alpha"})}
	}},
	{name: "Team", weight: 1, gen: func(w *world, s source) op { return &opTeam{scoped{w.mustScope(s)}} }},
	{name: "Member", weight: 1, gen: func(w *world, s source) op {
		sc := w.mustScope(s)
		return &opMember{scoped{sc}, w.pickMember(s, sc.WorkspaceID)}
	}},
	{name: "Pending", weight: 1, gen: func(w *world, s source) op {
		return &opPending{scoped{w.mustScope(s)}, chance(s, "expired", 50)}
	}},
	{name: "ListRoles", weight: 1, gen: func(w *world, s source) op { return &opListRoles{scoped{w.mustScope(s)}} }},
	{name: "CreateRole", weight: 3, gen: func(w *world, s source) op {
		return &opCreateRole{scoped{w.mustScope(s)}, pick(s, "role name", roleNames), w.pickPerms(s)}
	}},
	{name: "UpdateRole", weight: 2, gen: func(w *world, s source) op {
		return &opUpdateRole{scoped{w.mustScope(s)}, pick(s, "role name", roleNames), w.pickPerms(s)}
	}},
	{name: "RenameRole", weight: 2, gen: func(w *world, s source) op {
		return &opRenameRole{scoped{w.mustScope(s)}, pick(s, "from", roleNames), pick(s, "to", roleNames)}
	}},
	{name: "DeleteRole", weight: 2, gen: func(w *world, s source) op {
		return &opDeleteRole{scoped{w.mustScope(s)}, pick(s, "role name", roleNames),
			pick(s, "reassign", []workspace.Role{"", workspace.RoleViewer, workspace.RoleAdmin, "r-alpha", "r-beta"})}
	}},
	{name: "RecordWrite", weight: 10, gen: genRecordWrite},
	{name: "RecordRead", weight: 3, gen: genRecordRead},
	{name: "KeyCreate", weight: 3, keys: true, gen: func(w *world, s source) op {
		return &opKeyCreate{scoped{w.mustScope(s)}, pick(s, "key name", []string{"ci", "deploy", " "}), w.pickRole(s),
			pick(s, "expires", []time.Duration{0, 0, 48 * time.Hour, 240 * time.Hour, -time.Hour})}
	}},
	{name: "KeyList", weight: 1, keys: true, gen: func(w *world, s source) op { return &opKeyList{scoped{w.mustScope(s)}} }},
	{name: "KeyGet", weight: 1, keys: true, gen: func(w *world, s source) op { return &opKeyGet{scoped{w.mustScope(s)}, w.pickKey(s)} }},
	{name: "KeyChange", weight: 4, keys: true, gen: func(w *world, s source) op {
		return &opKeyChange{scoped{w.mustScope(s)}, w.pickKey(s), pick(s, "key change", []string{"rename", "role", "revoke"}),
			pick(s, "key name", []string{"ci", "ops", ""}), w.pickRole(s)}
	}},
	{name: "Authenticate", weight: 3, keys: true, gen: func(w *world, s source) op { return &opAuthenticate{w.pickSecret(s)} }},
}

// next draws the next operation. The first of a world makes an account.
func (w *world) next(s source, clockOK bool) op {
	if len(w.m.accounts) == 0 {
		return genCreateAccount(w, s)
	}
	var ks []kind
	for _, k := range kinds {
		if !k.clock || clockOK {
			ks = append(ks, k)
		}
	}
	return w.nextFrom(s, ks)
}

// nextFrom draws an operation of one of ks.
func (w *world) nextFrom(s source, ks []kind) op { return w.nextKind(s, ks).gen(w, s) }

// nextKind draws one of ks by weight, leaving out the API key service's
// when the store has none.
func (w *world) nextKind(s source, ks []kind) kind {
	var in []kind
	total := 0
	for _, k := range ks {
		if k.keys && !w.keys_ {
			continue
		}
		in = append(in, k)
		total += k.weight
	}
	n := s.intn(total, "op")
	for _, k := range in {
		if n < k.weight {
			return k
		}
		n -= k.weight
	}
	panic("unreachable")
}

func genCreateAccount(w *world, s source) op {
	return &opCreateAccount{w.users[s.intn(len(w.users), "owner")], pick(s, "first workspace", wsNames[:5])}
}

func (w *world) mustScope(s source) workspace.Scope {
	sc, _ := w.pickScope(s)
	return sc
}

// pickUser is mostly one of the world's people, sometimes a key's id
// where a person's is expected (refused as invalid).
func (w *world) pickUser(s source) workspace.UserID {
	if len(w.keys) > 0 && chance(s, "key as user", 5) {
		return workspace.KeyUser(pick(s, "key", w.keys))
	}
	return pick(s, "user", w.users)
}

// pickMember is mostly a person who holds a role in ws, otherwise anyone
// (pickUser): the team calls must meet members, admins and custom roles
// within a short sequence, not only the refusals a stranger gets.
func (w *world) pickMember(s source, ws uuid.UUID) workspace.UserID {
	if x, ok := w.m.ws[ws]; ok && chance(s, "a member", 60) {
		var in []workspace.UserID
		for _, u := range w.users {
			if _, ok := x.members[u]; ok {
				in = append(in, u)
			}
		}
		if len(in) > 0 {
			return pick(s, "member", in)
		}
	}
	return w.pickUser(s)
}

func (w *world) pickWorkspace(s source) uuid.UUID {
	all := w.allWorkspaces()
	if len(all) == 0 || chance(s, "unknown workspace", 5) {
		return uuid.New()
	}
	return pick(s, "workspace", all)
}

func (w *world) pickRole(s source) workspace.Role {
	return pick(s, "role", []workspace.Role{workspace.RoleViewer, workspace.RoleMember, workspace.RoleAdmin,
		workspace.RoleOwner, "r-alpha", "r-beta", "Bad Role"})
}

func (w *world) pickPerms(s source) []string {
	var out []string
	for range s.intn(4, "permissions") {
		out = append(out, pick(s, "permission", rolePerms))
	}
	return out
}

func (w *world) pickInvite(s source) uuid.UUID {
	if len(w.invites) == 0 || chance(s, "unknown invitation", 5) {
		return uuid.New()
	}
	return pick(s, "invitation", w.invites)
}

func (w *world) pickKey(s source) uuid.UUID {
	if len(w.keys) == 0 || chance(s, "unknown key", 5) {
		return uuid.New()
	}
	return pick(s, "key", w.keys)
}

func (w *world) pickSecret(s source) string {
	if len(w.secrets) == 0 || chance(s, "forged secret", 10) {
		return fmt.Sprintf("wsk_%032x_%s", s.intn(1000, "forged id"), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	}
	return pick(s, "secret", w.secrets)
}

func genInvite(w *world, s source) op {
	email := w.email(pick(s, "invitee", w.users))
	if chance(s, "bad email", 5) {
		email = "not an email"
	}
	return &opInvite{scoped{w.mustScope(s)}, email, w.pickRole(s)}
}

func genAccept(w *world, s source) op {
	// Mostly the invitee accepting an invitation still open, so that
	// members, admins and holders of custom roles appear early in a
	// sequence (most of the checks that matter need them); otherwise
	// anyone with any token ever handed out, or none.
	if open := w.openInvites(); len(open) > 0 && chance(s, "invitee accepts", 50) {
		inv := pick(s, "open invitation", open)
		for _, u := range w.users {
			if w.email(u) == inv.email {
				return &opAccept{u, inv.token}
			}
		}
	}
	token := "not-a-token"
	if len(w.tokens) > 0 && !chance(s, "garbage token", 5) {
		token = pick(s, "token", w.tokens)
	}
	return &opAccept{w.pickUser(s), token}
}

func genUpdate(w *world, s source) op {
	o := &opUpdate{scoped: scoped{w.mustScope(s)}, id: w.pickWorkspace(s)}
	if chance(s, "rename", 60) {
		n := pick(s, "name", wsNames)
		o.name = &n
	}
	if chance(s, "describe", 40) {
		d := pick(s, "description", []string{"", "about", " trimmed "})
		o.desc = &d
	}
	return o
}

func genDelete(w *world, s source) op {
	o := &opDelete{scoped: scoped{w.mustScope(s)}, id: w.pickWorkspace(s)}
	name := "wrong"
	if x, ok := w.m.ws[o.id]; ok {
		name = x.name
	}
	switch s.intn(5, "confirmation") {
	case 0, 1:
		o.confirm = name
	case 2:
		o.confirm = fmt.Sprintf("%s ", name)
	case 3:
		// Names are unique per account regardless of case, but the
		// confirmation is compared exactly as typed.
		o.confirm = swapCase(name)
	default:
		o.confirm = "wrong"
	}
	return o
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
}

// openInvites are the world's pending, unexpired invitations, in a stable
// order (the choices must replay).
func (w *world) openInvites() []*mInvite {
	var out []*mInvite
	for _, id := range sortedIDs(w.m.ws) {
		x := w.m.ws[id]
		for _, iid := range sortedIDs(x.invites) {
			if inv := x.invites[iid]; inv.status == membership.StatusPending && !inv.expiredAt(w.m.now) && inv.token != "" {
				out = append(out, inv)
			}
		}
	}
	return out
}

var recordValues = []string{"a", "b", "c", "bad\x00nul"}

func (w *world) pickRecord(s source) uuid.UUID {
	if len(w.records) == 0 || chance(s, "new id", 40) {
		return uuid.New()
	}
	return pick(s, "record", w.records)
}

func genRecordWrite(w *world, s source) op {
	o := &opRecordWrite{scoped: scoped{w.mustScope(s)}, table: s.intn(w.m.nTables, "table"),
		kind: pick(s, "write", []string{"insert", "insert", "update", "delete"}), raw: chance(s, "raw", 30)}
	if o.kind == "insert" && chance(s, "fresh id", 60) {
		o.id = uuid.New()
	} else {
		o.id = w.pickRecord(s)
	}
	o.value = pick(s, "value", recordValues)
	return o
}

func genRecordRead(w *world, s source) op {
	return &opRecordRead{scoped: scoped{w.mustScope(s)}, table: s.intn(w.m.nTables, "table"),
		kind: pick(s, "read", []string{"get", "list", "count"}), id: w.pickRecord(s), raw: chance(s, "raw", 30)}
}
