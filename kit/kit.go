package kit

import (
	"errors"
	"log/slog"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Store is what the services need of a store together; memstore and
// bunstore provide it.
type Store interface {
	membership.Store // includes workspace.Store
	rbac.Store
	rbac.KeyGrants // the Authorizer decides API keys' scopes
	apikey.Store
}

// Kit holds the three services, wired to one another.
type Kit struct {
	// Workspaces: accounts, create within the plan, list, switch/enter,
	// update, delete, revalidate.
	Workspaces *workspace.Service
	// Team: invitations, the team, roles, ownership transfer.
	Team *membership.Service
	// Authz decides every action; the services check with it too.
	Authz *rbac.Authorizer
	// Keys: the workspaces' API keys (create, revoke, authenticate).
	Keys *apikey.Service
}

// Option configures New.
type Option func(*config)

type config struct {
	events     workspace.Publisher
	clock      workspace.Clock
	ids        workspace.IDFunc
	logger     *slog.Logger
	authz      []rbac.Option
	workspaces []workspace.Option
	team       []membership.Option
	keys       []apikey.Option
}

// WithEvents sends every service's events to p (typically one
// *workspace.Bus). Default: events are dropped.
func WithEvents(p workspace.Publisher) Option { return func(c *config) { c.events = p } }

// WithClock gives every service the same clock. Default: workspace.UTCClock.
func WithClock(clk workspace.Clock) Option { return func(c *config) { c.clock = clk } }

// WithIDs gives the services the same id generator. Default:
// workspace.NewID.
func WithIDs(f workspace.IDFunc) Option { return func(c *config) { c.ids = f } }

// WithLogger sets the lifecycle service's logger (refused switches are
// logged there). Default: slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithAuthorizer passes options to rbac.New (resources, grants, freshness).
// They are applied after the shared ones, so they win.
func WithAuthorizer(opts ...rbac.Option) Option {
	return func(c *config) { c.authz = append(c.authz, opts...) }
}

// WithWorkspaces passes options to workspace.NewService (purge functions),
// applied after the shared ones.
func WithWorkspaces(opts ...workspace.Option) Option {
	return func(c *config) { c.workspaces = append(c.workspaces, opts...) }
}

// WithTeam passes options to membership.New (invitation TTL, randomness),
// applied after the shared ones.
func WithTeam(opts ...membership.Option) Option {
	return func(c *config) { c.team = append(c.team, opts...) }
}

// WithKeys passes options to apikey.New (freshness, last-use precision),
// applied after the shared ones.
func WithKeys(opts ...apikey.Option) Option {
	return func(c *config) { c.keys = append(c.keys, opts...) }
}

// New wires the Authorizer and the services over st with the plan catalog
// plans.
//
// Errors: a nil store or plans is an error; otherwise rbac.New's.
func New(st Store, plans workspace.Plans, opts ...Option) (*Kit, error) {
	if st == nil || plans == nil {
		return nil, errors.New("kit: New needs a store and plans")
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	var (
		ao []rbac.Option
		wo []workspace.Option
		mo []membership.Option
		ko []apikey.Option
	)
	if c.events != nil {
		ao = append(ao, rbac.WithEvents(c.events))
		wo = append(wo, workspace.WithEvents(c.events))
		mo = append(mo, membership.WithEvents(c.events))
		ko = append(ko, apikey.WithEvents(c.events))
	}
	if c.clock != nil {
		ao = append(ao, rbac.WithClock(c.clock))
		wo = append(wo, workspace.WithClock(c.clock))
		mo = append(mo, membership.WithClock(c.clock))
		ko = append(ko, apikey.WithClock(c.clock))
	}
	if c.ids != nil {
		wo = append(wo, workspace.WithIDs(c.ids))
		mo = append(mo, membership.WithIDs(c.ids))
		ko = append(ko, apikey.WithIDs(c.ids))
	}
	if c.logger != nil {
		wo = append(wo, workspace.WithLogger(c.logger))
	}
	authz, err := rbac.New(st, append(ao, c.authz...)...)
	if err != nil {
		return nil, err
	}
	return &Kit{
		Workspaces: workspace.NewService(st, authz, plans, append(wo, c.workspaces...)...),
		Team:       membership.New(st, authz, plans, append(mo, c.team...)...),
		Authz:      authz,
		Keys:       apikey.New(st, authz, plans, append(ko, c.keys...)...),
	}, nil
}
