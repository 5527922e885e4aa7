package apikey_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// env is the services on one in-memory store, with a clock the test moves.
type env struct {
	st    *memstore.Store
	authz *rbac.Authorizer
	ws    *workspace.Service
	team  *membership.Service
	keys  *apikey.Service

	mu  sync.Mutex
	now time.Time
	bus *workspace.Bus
	evs []workspace.Event
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *env) events() []workspace.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]workspace.Event(nil), e.evs...)
}

var plans = workspace.FixedPlans{
	"":      {MaxWorkspaces: 5, MaxMembers: 10, MaxAPIKeys: 3},
	"big":   {MaxWorkspaces: 5, MaxMembers: 10, MaxAPIKeys: workspace.Unlimited},
	"nokey": {MaxWorkspaces: 5, MaxMembers: 10},
}

func newEnv(t testing.TB, opts ...apikey.Option) *env {
	t.Helper()
	e := &env{st: memstore.New(), now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), bus: workspace.NewBus()}
	e.bus.Subscribe(func(_ context.Context, ev workspace.Event) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.evs = append(e.evs, ev)
	})
	var err error
	e.authz, err = rbac.New(e.st, rbac.WithClock(e.clock), rbac.WithEvents(e.bus))
	require.NoError(t, err)
	e.keys = apikey.New(e.st, e.authz, plans, append([]apikey.Option{apikey.WithClock(e.clock), apikey.WithEvents(e.bus)}, opts...)...)
	e.ws = workspace.NewService(e.st, e.authz, plans, workspace.WithClock(e.clock), workspace.WithEvents(e.bus))
	e.team = membership.New(e.st, e.authz, plans, membership.WithClock(e.clock), membership.WithEvents(e.bus))
	return e
}

// account makes an account on plan with one workspace and returns the
// owner's context in it.
func (e *env) account(t testing.TB, owner workspace.UserID, plan, name string) (context.Context, workspace.Workspace) {
	t.Helper()
	_, w, err := e.ws.CreateAccount(context.Background(), workspace.NewAccount{Name: "Acct " + string(owner), Owner: owner, Plan: plan, Workspace: workspace.NewWorkspace{Name: name}})
	require.NoError(t, err)
	ctx, _, err := e.ws.Enter(context.Background(), owner, w.ID)
	require.NoError(t, err)
	return ctx, w
}

// join adds user to the workspace of ctx with role and returns their
// context there.
func (e *env) join(t testing.TB, ctx context.Context, user workspace.UserID, role workspace.Role) context.Context {
	t.Helper()
	_, token, err := e.team.Invite(ctx, string(user)+"@example.com", role)
	require.NoError(t, err)
	uctx, _, err := e.team.AcceptAndEnter(context.Background(), user, token)
	require.NoError(t, err)
	return uctx
}

// as authenticates secret and returns the key's context.
func (e *env) as(t testing.TB, secret string) context.Context {
	t.Helper()
	sc, err := e.keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	return workspace.WithScope(context.Background(), sc)
}
