package memstore

import (
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

var _ store.Store = (*Store)(nil)

// Store is an in-memory store.Store. It is safe for concurrent use, copies
// every value in and out, and behaves as the PostgreSQL store does on every
// contract of store/storetest: errors, ordering, uniqueness, foreign keys and
// transactions (see Atomic). The zero value is not usable; call New.
type Store struct {
	// sem is the store lock: a one-slot channel rather than a sync.Mutex so
	// that waiting for it can give up (context, WithLockTimeout).
	sem         chan struct{}
	lockTimeout time.Duration

	accounts         *table[uuid.UUID, workspace.Account]
	accountsByOwner  *index[workspace.UserID, uuid.UUID]
	workspaces       *table[uuid.UUID, workspace.Workspace]
	workspaceNames   *table[nameKey, uuid.UUID]
	workspacesByAcct *index[uuid.UUID, uuid.UUID]

	memberships          *table[memberKey, workspace.Membership]
	membersByWorkspace   *index[uuid.UUID, workspace.UserID]
	workspacesByMember   *index[workspace.UserID, uuid.UUID]
	invitations          *table[uuid.UUID, membership.Invitation]
	invitationsByWS      *index[uuid.UUID, uuid.UUID]
	invitationsByToken   *table[string, uuid.UUID]
	roles                *table[roleKey, rbac.CustomRole]
	rolesByWorkspace     *index[uuid.UUID, workspace.Role]
	keys                 *table[uuid.UUID, apikey.Key]
	keysByWorkspace      *index[uuid.UUID, uuid.UUID]
	changes              changeLog
	hooksMu              sync.Mutex
	onDeleteWorkspaceFns []deleteHook
}

// deleteHook removes what one more table keeps for a workspace, inside the
// deleting transaction; its error rolls the deletion back.
type deleteHook func(t *tx, workspaceID uuid.UUID) error

type nameKey struct {
	account uuid.UUID
	key     string
}

type memberKey struct {
	workspace uuid.UUID
	user      workspace.UserID
}

type roleKey struct {
	workspace uuid.UUID
	name      workspace.Role
}

// Option configures a Store.
type Option func(*Store)

// WithLockTimeout makes a call that waits longer than d for the store lock
// fail with ErrLockTimeout instead of waiting on. Tests use it to turn the
// classic mistake, a call inside Atomic made with the outer context, into an
// error instead of a hang. Zero (the default) waits as long as the context
// allows.
func WithLockTimeout(d time.Duration) Option { return func(s *Store) { s.lockTimeout = d } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		sem:                make(chan struct{}, 1),
		accounts:           newTable[uuid.UUID, workspace.Account](),
		accountsByOwner:    newIndex[workspace.UserID, uuid.UUID](),
		workspaces:         newTable[uuid.UUID, workspace.Workspace](),
		workspaceNames:     newTable[nameKey, uuid.UUID](),
		workspacesByAcct:   newIndex[uuid.UUID, uuid.UUID](),
		memberships:        newTable[memberKey, workspace.Membership](),
		membersByWorkspace: newIndex[uuid.UUID, workspace.UserID](),
		workspacesByMember: newIndex[workspace.UserID, uuid.UUID](),
		invitations:        newTable[uuid.UUID, membership.Invitation](),
		invitationsByWS:    newIndex[uuid.UUID, uuid.UUID](),
		invitationsByToken: newTable[string, uuid.UUID](),
		roles:              newTable[roleKey, rbac.CustomRole](),
		rolesByWorkspace:   newIndex[uuid.UUID, workspace.Role](),
		keys:               newTable[uuid.UUID, apikey.Key](),
		keysByWorkspace:    newIndex[uuid.UUID, uuid.UUID](),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// onDeleteWorkspace registers fn to run for every workspace DeleteWorkspace
// removes, in registration order, in the same transaction. Tables added in
// other files of this package register their purge here (see doc.go).
func (s *Store) onDeleteWorkspace(fn deleteHook) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.onDeleteWorkspaceFns = append(s.onDeleteWorkspaceFns, fn)
}

func (s *Store) deleteHooks() []deleteHook {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	return append([]deleteHook(nil), s.onDeleteWorkspaceFns...)
}
