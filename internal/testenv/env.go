// Package testenv wires the services on the in-memory store the way a host
// would, for the tests of several packages.
package testenv

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Env is one wired set of services.
type Env struct {
	Store  store.Store
	Authz  *rbac.Authorizer
	WS     *workspace.Service
	Team   *membership.Service
	Events *Recorder
}

// Unlimited is a plan without limits.
var Unlimited = workspace.FixedPlans{"": {MaxWorkspaces: workspace.Unlimited, MaxMembers: workspace.Unlimited, MaxAPIKeys: workspace.Unlimited}}

// New wires services on a fresh in-memory store.
func New(t testing.TB, plans workspace.Plans, opts ...workspace.Option) *Env {
	t.Helper()
	return NewOn(t, memstore.New(), plans, opts...)
}

// NewOn wires services on st.
func NewOn(t testing.TB, st store.Store, plans workspace.Plans, opts ...workspace.Option) *Env {
	t.Helper()
	authz, err := rbac.New(st)
	require.NoError(t, err)
	bus := workspace.NewBus()
	rec := &Recorder{}
	bus.Subscribe(rec.record)
	opts = append([]workspace.Option{workspace.WithEvents(bus)}, opts...)
	return &Env{
		Store:  st,
		Authz:  authz,
		WS:     workspace.NewService(st, authz, plans, opts...),
		Team:   membership.New(st, authz, plans, membership.WithEvents(bus)),
		Events: rec,
	}
}

// Account creates an account owned by owner with a first workspace named
// first, and returns the owner's scoped context in it.
func (e *Env) Account(t testing.TB, owner workspace.UserID, first string) (context.Context, workspace.Workspace) {
	t.Helper()
	_, w, err := e.WS.CreateAccount(context.Background(), workspace.NewAccount{Name: "Acme " + string(owner), Owner: owner, Workspace: workspace.NewWorkspace{Name: first}})
	require.NoError(t, err)
	return e.SwitchTo(t, owner, w), w
}

// SwitchTo switches user into w and returns the scoped context.
func (e *Env) SwitchTo(t testing.TB, user workspace.UserID, w workspace.Workspace) context.Context {
	t.Helper()
	sc, err := e.WS.Switch(context.Background(), user, w.ID)
	require.NoError(t, err)
	return workspace.WithScope(context.Background(), sc)
}

// Join invites user into the workspace of ctx with role, accepts, and
// returns the user's scoped context there.
func (e *Env) Join(t testing.TB, ctx context.Context, user workspace.UserID, role workspace.Role) context.Context {
	t.Helper()
	_, token, err := e.Team.Invite(ctx, string(user)+"@example.com", role)
	require.NoError(t, err)
	sc, err := e.Team.Accept(context.Background(), user, token)
	require.NoError(t, err)
	return workspace.WithScope(context.Background(), sc)
}

// Recorder keeps every published event.
type Recorder struct {
	mu     sync.Mutex
	events []workspace.Event
}

func (r *Recorder) record(_ context.Context, e workspace.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// All returns the events so far, oldest first.
func (r *Recorder) All() []workspace.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]workspace.Event(nil), r.events...)
}

// Last returns the most recent event of type T, failing the test if none.
func Last[T workspace.Event](t testing.TB, r *Recorder) T {
	t.Helper()
	ev := r.All()
	for i := len(ev) - 1; i >= 0; i-- {
		if e, ok := ev[i].(T); ok {
			return e
		}
	}
	var zero T
	t.Fatalf("no event of type %T", zero)
	return zero
}

// Count returns how many events of type T were published.
func Count[T workspace.Event](r *Recorder) int {
	n := 0
	for _, e := range r.All() {
		if _, ok := e.(T); ok {
			n++
		}
	}
	return n
}
