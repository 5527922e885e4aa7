package rbac

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// noRole marks a user who holds no role in a workspace (or whose role no
// longer exists): every check denies.
const noRole = 0xff

// compiledRole is one role's permission set as a bitset over the matrix's
// permission indexes.
type compiledRole struct {
	name workspace.Role
	bits []uint64
	// custom is the stored role for custom roles, nil for built-ins.
	custom *CustomRole
}

func (r *compiledRole) has(bit int) bool { return r.bits[bit>>6]&(1<<(bit&63)) != 0 }

// subsetOf reports whether every permission of r is also one of o's.
func (r *compiledRole) subsetOf(o *compiledRole) bool {
	for i, w := range r.bits {
		if w&^o.bits[i] != 0 {
			return false
		}
	}
	return true
}

// snapshot is the compiled, immutable policy of one workspace: who holds
// which role, and each role's permission bits. Changes never mutate it; they
// drop it (Invalidate) and the next check compiles a new one.
type snapshot struct {
	id      uuid.UUID
	account uuid.UUID
	// gone: the workspace does not exist (deleted, or never did). Every
	// check denies; the snapshot is kept so that probing costs no reload.
	gone  bool
	owner workspace.UserID
	// users maps user id to an index into roles. The keys are substrings of
	// one arena string, so a membership costs no allocation of its own.
	users map[string]uint8
	roles []compiledRole
	// custom maps a custom role's name to its index in roles.
	custom map[workspace.Role]uint8
	// keysExpire is the earliest expiry of the API keys in users (zero:
	// none expires); from then on the snapshot is read again.
	keysExpire time.Time
	// members counts stored memberships; bytes estimates the heap held.
	members int
	bytes   int64
}

// roleOf returns the index of user's role, or noRole. The account owner is
// owner of every workspace of the account, whatever is stored.
func (s *snapshot) roleOf(u workspace.UserID) uint8 {
	if s.gone {
		return noRole
	}
	if u == s.owner {
		return 0
	}
	r, ok := s.users[string(u)]
	if !ok {
		return noRole
	}
	return r
}

// roleIndex finds a role (built-in or custom) of this workspace by name.
func (s *snapshot) roleIndex(name workspace.Role) (uint8, bool) {
	if name.IsBuiltin() {
		return uint8(4 - name.Rank()), true
	}
	i, ok := s.custom[name]
	return i, ok
}

// Estimated heap per map entry (a 16-byte string header, a 1-byte value,
// slot padding, control bytes and the map's spare capacity) and per
// snapshot; the benchmark measures the real figure (see PERFORMANCE.md).
const (
	bytesPerUserEntry = 40
	bytesPerSnapshot  = 400
)

// compile builds the snapshot of workspace w. builtins are the shared
// compiled built-in roles (owner, admin, member, viewer, in that order).
func compile(m *matrix, builtins []compiledRole, w workspace.Workspace, owner workspace.UserID, ms []workspace.Membership, customs []CustomRole) *snapshot {
	s := &snapshot{id: w.ID, account: w.AccountID, owner: owner, members: len(ms)}
	s.roles = make([]compiledRole, len(builtins), len(builtins)+len(customs))
	copy(s.roles, builtins)
	s.bytes = bytesPerSnapshot
	if len(customs) > 0 {
		s.custom = make(map[workspace.Role]uint8, len(customs))
		for i := range customs {
			c := customs[i]
			cr := compiledRole{name: c.Name, bits: make([]uint64, m.words()), custom: &c}
			for _, p := range c.Permissions {
				// A permission that is no longer registered is denied
				// everywhere, so it grants nothing here either.
				if bit, ok := m.index[p]; ok {
					cr.bits[bit>>6] |= 1 << (bit & 63)
				}
			}
			s.custom[c.Name] = uint8(len(s.roles))
			s.roles = append(s.roles, cr)
			s.bytes += int64(100 + 8*len(cr.bits) + 32*len(c.Permissions))
		}
	}
	// API keys get a copy of their role without KeyNeverHolds, after the
	// workspace's roles: at most 2x(4 + DefaultMaxCustomRoles) indexes.
	keyRoles := uint8(0)
	for _, mb := range ms {
		if _, isKey := mb.UserID.KeyID(); isKey {
			keyRoles = uint8(len(s.roles))
			for i := range int(keyRoles) {
				r := s.roles[i]
				masked := compiledRole{name: r.name, bits: make([]uint64, len(r.bits)), custom: r.custom}
				for w := range r.bits {
					masked.bits[w] = r.bits[w] &^ m.keyDeny[w]
				}
				s.roles = append(s.roles, masked)
			}
			break
		}
	}
	var arena strings.Builder
	for _, mb := range ms {
		arena.WriteString(string(mb.UserID))
	}
	all := arena.String()
	s.users = make(map[string]uint8, len(ms))
	off := 0
	for _, mb := range ms {
		key := all[off : off+len(mb.UserID)]
		off += len(mb.UserID)
		idx, ok := s.roleIndex(mb.Role)
		if !ok {
			idx = noRole
		} else if _, isKey := mb.UserID.KeyID(); isKey {
			idx += keyRoles
		}
		s.users[key] = idx
	}
	s.bytes += int64(len(all)) + int64(len(ms))*bytesPerUserEntry
	return s
}
