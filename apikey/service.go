package apikey

import (
	"context"
	"crypto/rand"
	"io"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Authorizer is what the service needs from package rbac.
type Authorizer interface {
	workspace.Authorizer
	// CanGrant returns nil when the scope in ctx may give role to someone
	// (and so may act on what holds it), an error matching
	// workspace.ErrForbidden when the role is above the caller's own, and
	// one matching workspace.ErrInvalid when the workspace has no such
	// role. Inside a transaction it reads the store in that transaction.
	CanGrant(ctx context.Context, role workspace.Role) error
}

// Freshness tells the service whether what it cached may still be
// trusted: a watcher of the store's change log (changewatch.Watcher), the
// same one the Authorizer is given.
type Freshness interface {
	Fresh() bool
}

// Service manages a workspace's API keys and authenticates their secrets.
type Service struct {
	store     Store
	authz     Authorizer
	plans     workspace.Plans
	events    workspace.Publisher
	clock     workspace.Clock
	newID     workspace.IDFunc
	random    io.Reader
	fresh     Freshness
	precision time.Duration

	mu sync.RWMutex
	// cache holds authenticated keys by id; gen grows with every
	// invalidation, so a read that began before one is not cached.
	cache map[uuid.UUID]*cached
	gen   uint64
	// unflushed keeps last-used times of entries dropped from the cache
	// before FlushLastUsed wrote them.
	unflushed map[uuid.UUID]time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithEvents sends every event to p (the default drops them).
func WithEvents(p workspace.Publisher) Option { return func(s *Service) { s.events = p } }

// WithClock replaces the clock (default workspace.UTCClock).
func WithClock(c workspace.Clock) Option { return func(s *Service) { s.clock = c } }

// WithIDs replaces the id generator (default workspace.NewID).
func WithIDs(f workspace.IDFunc) Option { return func(s *Service) { s.newID = f } }

// WithRandom replaces the source of secrets (default crypto/rand.Reader).
// Only tests should need it.
func WithRandom(r io.Reader) Option { return func(s *Service) { s.random = r } }

// WithFreshness makes Authenticate trust its cache only while f.Fresh():
// otherwise it reads the key from the store every time. Give it the
// watcher that keeps the Authorizer fresh, so that a key revoked on
// another instance stops here within the watcher's bound.
func WithFreshness(f Freshness) Option { return func(s *Service) { s.fresh = f } }

// DefaultLastUsedPrecision is how stale a key's LastUsedAt may be.
const DefaultLastUsedPrecision = time.Minute

// WithLastUsedPrecision sets how often Run writes last-used times, and so
// how far LastUsedAt may lag behind the real last use (default one
// minute). Authenticate itself never writes.
func WithLastUsedPrecision(d time.Duration) Option { return func(s *Service) { s.precision = d } }

// New returns an API key service. All three dependencies are required; it
// panics on a nil one because that is a wiring bug.
func New(store Store, authz Authorizer, plans workspace.Plans, opts ...Option) *Service {
	if store == nil || authz == nil || plans == nil {
		panic("apikey: New needs a store, an authorizer and plans")
	}
	s := &Service{store: store, authz: authz, plans: plans, events: nopPublisher{}, clock: workspace.UTCClock,
		newID: workspace.NewID, random: rand.Reader, precision: DefaultLastUsedPrecision,
		cache: map[uuid.UUID]*cached{}, unflushed: map[uuid.UUID]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	if s.precision <= 0 {
		panic("apikey: last-used precision must be positive")
	}
	// Follow the Authorizer's invalidations (rbac.Authorizer.AddFollower):
	// the services of this process and a changewatch.Watcher tell it of
	// every change, so the keys cached here drop with its snapshots, with
	// no wiring a host could forget.
	if f, ok := authz.(interface{ AddFollower(rbac.Follower) }); ok {
		f.AddFollower(s)
	}
	return s
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, workspace.Event) {}

func (s *Service) meta(sc workspace.Scope, at time.Time) workspace.EventMeta {
	return workspace.EventMeta{At: at, AccountID: sc.AccountID, WorkspaceID: sc.WorkspaceID, Actor: sc.UserID}
}
