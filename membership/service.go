package membership

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"time"

	"github.com/workspacekit/workspacekit/workspace"
)

// Authorizer is what the service needs from package rbac.
type Authorizer interface {
	workspace.Authorizer
	// CanGrant returns nil when the scope in ctx may give role to someone
	// (and so may act on someone who holds it), an error matching
	// workspace.ErrForbidden when the role is above the caller's own, and one
	// matching workspace.ErrInvalid when the workspace has no such role.
	CanGrant(ctx context.Context, role workspace.Role) error
}

// Service manages who belongs to a workspace: invitations, the team list,
// role changes, removal, leaving, and the account's ownership.
type Service struct {
	store  Store
	authz  Authorizer
	plans  workspace.Plans
	events workspace.Publisher
	clock  workspace.Clock
	newID  workspace.IDFunc
	random io.Reader
	ttl    time.Duration
	log    *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// DefaultInvitationTTL is how long an invitation stays valid.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// WithInvitationTTL replaces the 7-day invitation expiry.
func WithInvitationTTL(d time.Duration) Option { return func(s *Service) { s.ttl = d } }

// WithEvents sends every event to p (the default drops them).
func WithEvents(p workspace.Publisher) Option { return func(s *Service) { s.events = p } }

// WithClock replaces the clock (default workspace.UTCClock).
func WithClock(c workspace.Clock) Option { return func(s *Service) { s.clock = c } }

// WithIDs replaces the id generator (default workspace.NewID).
func WithIDs(f workspace.IDFunc) Option { return func(s *Service) { s.newID = f } }

// WithRandom replaces the source of invitation tokens (default
// crypto/rand.Reader). Only tests should need it.
func WithRandom(r io.Reader) Option { return func(s *Service) { s.random = r } }

// New returns a membership service. All three dependencies are required; it
// panics on a nil one because that is a wiring bug.
func New(store Store, authz Authorizer, plans workspace.Plans, opts ...Option) *Service {
	if store == nil || authz == nil || plans == nil {
		panic("membership: New needs a store, an authorizer and plans")
	}
	s := &Service{store: store, authz: authz, plans: plans, events: nopPublisher{}, clock: workspace.UTCClock,
		newID: workspace.NewID, random: rand.Reader, ttl: DefaultInvitationTTL, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	if s.ttl <= 0 {
		panic("membership: invitation TTL must be positive")
	}
	return s
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, workspace.Event) {}
