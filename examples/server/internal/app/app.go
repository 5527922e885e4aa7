package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/workspace"
)

// App is the example host, wired: the library's services, the host's
// resources and users.
type App struct {
	// Kit holds the library's services: Workspaces, Team, Authz, and Keys
	// (the workspaces' API keys, which the API accepts as "Authorization:
	// Bearer <secret>"). Keys' last-use times are written by Keys.Run,
	// which New starts and Close stops.
	Kit *kit.Kit
	// Bus receives every service's events (an audit log would subscribe).
	Bus *workspace.Bus
	// Resources are the product doc's workspace-owned resources, in its
	// order.
	Resources []*Resource
	// Users are the demo's people, for the example-only login.
	Users []User
	// Plans is the plan catalog in use (Config.Plans or DemoPlans).
	Plans workspace.Plans
	// Store says which store runs: "memory" or "postgres".
	Store string
	// StrictKeyLocked is true on PostgreSQL when strict mode's key is
	// locked (the DSN's role is a superuser): the app role cannot change
	// its workspace even with injected SQL. Without it strict mode stops
	// mistakes, not injection.
	StrictKeyLocked bool
	// PublicURL is Config.PublicURL without a trailing slash; "" when not
	// configured (see Link).
	PublicURL string

	clock workspace.Clock
	close func() error
	// lib is the library's store: Atomic's transactions.
	lib workspace.Transactor
	// stopKeys ends Keys.Run (its last flush included) once; nil before
	// it runs.
	stopKeys func() error
	stopOnce sync.Once
}

// backend is what a store gives New: the library's store, the host's
// transactions and tables, and what to purge with a workspace.
type backend struct {
	store  kit.Store
	tx     workspace.Transactor
	tables map[string]table
	purges []workspace.Option
	// empty is true when the store holds no account yet (seed then).
	empty  bool
	locked bool
	close  func() error
}

// New wires the app on the store cfg names and seeds it when asked.
// Errors: ErrPublicURL, the store's (connection, migration, strict
// mode), kit.New's, and the seed's.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Plans == nil {
		cfg.Plans = DemoPlans()
	}
	if cfg.Clock == nil {
		cfg.Clock = workspace.UTCClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	public, err := publicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	var b *backend
	name := "memory"
	if cfg.DSN == "" {
		b = openMemory()
	} else {
		name = "postgres"
		if b, err = openPostgres(ctx, cfg.DSN, cfg.Logger); err != nil {
			return nil, err
		}
	}
	a := &App{Bus: workspace.NewBus(), Users: DemoUsers(), Plans: cfg.Plans, Store: name,
		StrictKeyLocked: b.locked, clock: cfg.Clock, close: b.close, lib: b.store, PublicURL: public}
	opts := []kit.Option{kit.WithEvents(a.Bus), kit.WithClock(cfg.Clock), kit.WithLogger(cfg.Logger), kit.WithWorkspaces(b.purges...)}
	if a.Kit, err = kit.New(b.store, cfg.Plans, opts...); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	a.runKeys(ctx)
	for _, k := range kinds {
		a.Resources = append(a.Resources, &Resource{Kind: k.name, Title: k.title, Hint: k.hint,
			authz: a.Kit.Authz, tx: b.tx, table: b.tables[k.name], clock: cfg.Clock})
	}
	if cfg.Seed && b.empty {
		if err := a.seed(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("app: seed: %w", err), a.Close())
		}
	}
	return a, nil
}

// Atomic runs fn in one transaction of the library's store: the kit's
// services called with the context fn receives join it, so several calls
// (a role's rename and its new permissions) commit together or not at
// all, and their events are published and caches invalidated only after
// the real commit. fn's error rolls everything back and is returned as is.
//
// Only the kit's services belong inside: on PostgreSQL the library's store
// runs on the library role, and the host's tables (Resource) are the app
// role's; a Resource call inside fn would run on the library role's
// transaction. Errors: fn's, and the store's (commit, serialization).
func (a *App) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	return a.lib.Atomic(ctx, fn)
}

// Link makes an absolute link to path on this server, to be sent
// elsewhere (an invitation link): on PublicURL when configured, else on
// the address r reached the server at, the connection's local address
// (http.LocalAddrContextKey), with https when r came over TLS. It never
// reads r.Host, which the client chooses. Without either (r not from an
// http.Server) it returns path as is.
func (a *App) Link(r *http.Request, path string) string {
	if a.PublicURL != "" {
		return a.PublicURL + path
	}
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if !ok {
		return path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + addr.String() + path
}

// runKeys runs Keys.Run for the app's lifetime: it writes the keys'
// last-use times every minute (apikey.DefaultLastUsedPrecision), and once
// more when Close stops it. It keeps ctx's values, not its end: the app
// lives until Close, whatever context New was given.
func (a *App) runKeys(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Kit.Keys.Run(ctx) }()
	a.stopKeys = func() error {
		cancel()
		if err := <-done; err != nil {
			return fmt.Errorf("app: last flush of API keys' last use: %w", err)
		}
		return nil
	}
}

// Now is the app's clock (Config.Clock): what the services compare
// expiries with.
func (a *App) Now() time.Time { return a.clock() }

// KeyStatus is how a key stands now: "revoked", "expired" or "active".
func (a *App) KeyStatus(k apikey.Key) string {
	switch {
	case k.Revoked():
		return "revoked"
	case k.Expired(a.clock()):
		return "expired"
	}
	return "active"
}

// Close stops Keys.Run, which writes the last-use times it still holds,
// then releases the store's connections (nothing for memory). Calling it
// again only closes the store again.
func (a *App) Close() error {
	var err error
	a.stopOnce.Do(func() {
		if a.stopKeys != nil {
			err = a.stopKeys()
		}
	})
	if a.close == nil {
		return err
	}
	return errors.Join(err, a.close())
}
