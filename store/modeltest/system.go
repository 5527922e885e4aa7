package modeltest

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// Plan limits of every account the suite makes: small, so that the plan's
// refusals happen often.
const (
	maxWorkspaces = 3
	maxMembers    = 4
	maxAPIKeys    = 2
	inviteTTL     = 7 * 24 * time.Hour
)

var plans = workspace.FixedPlans{"": {MaxWorkspaces: maxWorkspaces, MaxMembers: maxMembers, MaxAPIKeys: maxAPIKeys}}

// clock is the services' clock, moved only by the suite (opAdvance), so
// that expiry is as predictable as everything else.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *clock) advance(d time.Duration) time.Time {
	return time.Unix(0, c.ns.Add(int64(d))).UTC()
}

// quiet drops the lifecycle service's logs (every refused switch is one).
var quiet = slog.New(slog.DiscardHandler)

// system is the target wired as a host wires it.
type system struct {
	t      *Target
	k      *kit.Kit
	keys   *apikey.Service // nil when the store has no API keys
	clock  *clock
	hostTx workspace.Transactor
}

func newSystem(t *Target, c *clock) (*system, error) {
	opts := append([]kit.Option{kit.WithClock(c.now), kit.WithLogger(quiet),
		kit.WithTeam(membership.WithInvitationTTL(inviteTTL))}, t.KitOptions...)
	k, err := kit.New(t.Store, plans, opts...)
	if err != nil {
		return nil, err
	}
	s := &system{t: t, k: k, clock: c, hostTx: t.HostTx}
	if s.hostTx == nil {
		s.hostTx = t.Store
	}
	// The API key stores may be missing from a host's store: the model's
	// keys are then left out (Config reports it).
	if ks, ok := t.Store.(apikey.Store); ok {
		s.keys = apikey.New(ks, k.Authz, plans, apikey.WithClock(c.now))
	}
	return s, nil
}
