package workspace

import (
	"context"
	"log/slog"
	"sync"

	"github.com/google/uuid"
)

// Authorizer decides whether the scope in a context may act. Package rbac
// provides the implementation; the service depends only on this.
type Authorizer interface {
	// Require returns nil when the scope in ctx may do action on resource,
	// an error wrapping ErrForbidden when it may not, and ErrNoScope without
	// a scope.
	Require(ctx context.Context, resource, action string) error
	// Invalidate tells the authorizer that who holds which role in the
	// workspace changed (or that the workspace is gone), so that its next
	// decision reads the store again.
	Invalidate(workspaceID uuid.UUID)
}

// PurgeFunc removes everything a host keeps for one workspace. It runs inside
// the deleting transaction (use ctx for every write) and its error rolls the
// whole deletion back.
type PurgeFunc func(ctx context.Context, workspaceID uuid.UUID) error

// Service runs the workspace lifecycle: accounts, creating within plan
// limits, listing, updating, switching and deleting.
type Service struct {
	store  Store
	authz  Authorizer
	plans  Plans
	events Publisher
	clock  Clock
	newID  IDFunc
	log    *slog.Logger

	mu     sync.RWMutex
	purges []namedPurge
}

type namedPurge struct {
	name string
	fn   PurgeFunc
}

// Option configures a Service.
type Option func(*Service)

// WithEvents sends every event to p (the default drops them).
func WithEvents(p Publisher) Option { return func(s *Service) { s.events = p } }

// WithClock replaces the clock (default UTCClock).
func WithClock(c Clock) Option { return func(s *Service) { s.clock = c } }

// WithIDs replaces the id generator (default NewID, UUIDv7).
func WithIDs(f IDFunc) Option { return func(s *Service) { s.newID = f } }

// WithLogger replaces the logger used for refused switches and purges
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithPurge registers a purge function at construction; see RegisterPurge.
func WithPurge(name string, fn PurgeFunc) Option {
	return func(s *Service) { s.purges = append(s.purges, namedPurge{name, fn}) }
}

// NewService returns a lifecycle service. All three dependencies are
// required; it panics on a nil one because that is a wiring bug, not a
// runtime condition.
func NewService(store Store, authz Authorizer, plans Plans, opts ...Option) *Service {
	if store == nil || authz == nil || plans == nil {
		panic("workspace: NewService needs a store, an authorizer and plans")
	}
	s := &Service{store: store, authz: authz, plans: plans, events: discard{}, clock: UTCClock, newID: NewID, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// RegisterPurge adds fn to what Delete runs for every deleted workspace, in
// registration order, inside the deleting transaction. Register everything a
// workspace owns in the host (agents, channels, conversations, keys...).
func (s *Service) RegisterPurge(name string, fn PurgeFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purges = append(s.purges, namedPurge{name, fn})
}

func (s *Service) purgeList() []namedPurge {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]namedPurge(nil), s.purges...)
}

// The actions of the permission matrix, defined once here for every
// package (rbac and membership refer to these), and the two resources the
// library's own services check: settings (this service) and team (package
// membership). The host's resources are listed in package rbac.
const (
	ActionRead   = "read"
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionExport = "export"
	ActionManage = "manage"

	ResourceSettings = "settings"
	ResourceTeam     = "team"
)
