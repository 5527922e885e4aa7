package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/workspace"
)

// server is one app instance: its own pool, store, Authorizer and services,
// and, when watched, a change-log watcher with LISTEN.
type server struct {
	st    *bunstore.Store
	authz *rbac.Authorizer
	ws    *workspace.Service
	team  *membership.Service
	keys  *apikey.Service
	watch *changewatch.Watcher
}

var serverPlans = workspace.FixedPlans{"": {MaxWorkspaces: 10, MaxMembers: 10, MaxAPIKeys: 10}}

func newServer(t *testing.T, dsn string, watched bool, opts ...changewatch.Option) *server {
	t.Helper()
	db, err := bunstore.Open(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s := &server{st: bunstore.New(db)}
	var ropts []rbac.Option
	if watched {
		s.watch = changewatch.New(s.st, nil, append([]changewatch.Option{changewatch.WithBound(time.Second)}, opts...)...)
		ropts = append(ropts, rbac.WithFreshness(s.watch))
	}
	s.authz, err = rbac.New(s.st, ropts...)
	require.NoError(t, err)
	s.ws = workspace.NewService(s.st, s.authz, serverPlans)
	s.team = membership.New(s.st, s.authz, serverPlans)
	var kopts []apikey.Option
	if watched {
		kopts = append(kopts, apikey.WithFreshness(s.watch))
	}
	s.keys = apikey.New(s.st, s.authz, serverPlans, kopts...) // follows s.authz's invalidations
	if watched {
		s.watch.Add(s.authz)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{}, 2)
		go func() { _ = s.watch.Run(ctx); done <- struct{}{} }()
		go func() { _ = bunstore.Listen(ctx, dsn, s.watch); done <- struct{}{} }()
		t.Cleanup(func() { cancel(); <-done; <-done })
		require.Eventually(t, s.watch.Fresh, 5*time.Second, time.Millisecond)
	}
	return s
}

func (s *server) can(t *testing.T, sc workspace.Scope, resource, action string) bool {
	t.Helper()
	ok, err := s.authz.Can(workspace.WithScope(context.Background(), sc), resource, action)
	require.NoError(t, err)
	return ok
}

// The two-server reproduction: server 1 demotes admin bob, removes
// him, deletes the workspace; server 2, which had loaded the workspace,
// follows each step within the bound. (Before the change log, server 2
// kept allowing all of it indefinitely; the unwatched server still does.)
func TestSecondServerHearsOfRevocations(t *testing.T) {
	dsn := migratedDSN(t)
	one, two, blind := newServer(t, dsn, false), newServer(t, dsn, true), newServer(t, dsn, false)
	ctx := context.Background()

	_, w, err := one.ws.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	extra, err := one.ws.Create(workspace.WithScope(ctx, workspace.Scope{AccountID: w.AccountID, WorkspaceID: w.ID, UserID: "alice"}), workspace.NewWorkspace{Name: "Extra"})
	require.NoError(t, err)
	alice, err := one.ws.Switch(ctx, "alice", w.ID)
	require.NoError(t, err)
	actx := workspace.WithScope(ctx, alice)
	_, token, err := one.team.Invite(actx, "bob@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
	bob, err := one.team.Accept(ctx, "bob", token)
	require.NoError(t, err)

	for _, s := range []*server{two, blind} {
		require.True(t, s.can(t, bob, rbac.ResourceTeam, rbac.ActionManage), "loaded: bob is admin")
	}
	within := func(what string, cond func() bool) {
		t.Helper()
		require.Eventually(t, cond, time.Second, 2*time.Millisecond, what)
	}

	_, err = one.team.ChangeRole(actx, "bob", workspace.RoleViewer)
	require.NoError(t, err)
	within("server 2 denies the demoted admin", func() bool { return !two.can(t, bob, rbac.ResourceTeam, rbac.ActionManage) })
	require.True(t, blind.can(t, bob, rbac.ResourceTeam, rbac.ActionManage), "an unwatched server still allows: the bug the log fixes")

	require.True(t, two.can(t, bob, workspace.ResourceSettings, workspace.ActionRead))
	require.NoError(t, one.team.Remove(actx, "bob"))
	within("server 2 denies the removed member", func() bool { return !two.can(t, bob, workspace.ResourceSettings, workspace.ActionRead) })

	require.True(t, two.can(t, alice, workspace.ResourceSettings, workspace.ActionDelete))
	require.NoError(t, one.ws.Delete(actx, w.ID, "Sales"))
	within("server 2 denies everything in the deleted workspace", func() bool { return !two.can(t, alice, workspace.ResourceSettings, workspace.ActionDelete) })

	// An account-wide change (its log entry names the account only):
	// ownership of every workspace moves to carol.
	xctx := workspace.WithScope(ctx, workspace.Scope{AccountID: extra.AccountID, WorkspaceID: extra.ID, UserID: "alice"})
	_, token, err = one.team.Invite(xctx, "carol@example.com", workspace.RoleAdmin)
	require.NoError(t, err)
	carol, err := one.team.Accept(ctx, "carol", token)
	require.NoError(t, err)
	require.False(t, two.can(t, carol, workspace.ResourceSettings, workspace.ActionDelete), "loaded: an admin deletes no workspace")
	require.NoError(t, one.team.TransferOwnership(xctx, "carol", ""))
	within("server 2 sees carol own the account", func() bool { return two.can(t, carol, workspace.ResourceSettings, workspace.ActionDelete) })
}

// What a dropped LISTEN connection misses is read after it reconnects:
// with polling out of the way (an hour), a change made right after the
// listener's backend is killed still reaches server 2, through pgxlisten's
// reconnect and the catch-up that follows it.
func TestWatcherCatchesUpAfterItsListenerIsKilled(t *testing.T) {
	dsn := migratedDSN(t)
	one := newServer(t, dsn, false)
	two := newServer(t, dsn, true, changewatch.WithBound(2*time.Hour), changewatch.WithPollInterval(time.Hour))
	ctx := context.Background()
	tm := newTeam(t, one) // alice owns Sales, bob is admin
	actx, bob := tm.actx, tm.bob
	var err error
	require.Eventually(t, func() bool { return two.watch.Last() > 0 }, 2*time.Second, time.Millisecond, "notifications arrive")
	require.True(t, two.can(t, bob, rbac.ResourceTeam, rbac.ActionManage))

	for round := 0; round < 3; round++ {
		var killed int
		require.Eventually(t, func() bool {
			return one.st.DB(ctx).QueryRowContext(workspace.Unscoped(ctx, "test: kill the listener"),
				"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'listen%'").Scan(&killed) == nil && killed > 0
		}, 5*time.Second, 10*time.Millisecond, "the listener's backend is found and killed")
		role := []workspace.Role{workspace.RoleViewer, workspace.RoleAdmin, workspace.RoleViewer}[round]
		_, err = one.team.ChangeRole(actx, "bob", role)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			return two.can(t, bob, rbac.ResourceTeam, rbac.ActionManage) == (role == workspace.RoleAdmin)
		}, 3*time.Second, 2*time.Millisecond, "round %d: server 2 follows after the listener came back", round)
	}
}

// A database restart cuts every connection: the watcher's LISTEN, the
// pools. Afterwards a change still reaches server 2 within the bound, and
// its watcher vouches for its snapshots again.
func TestWatcherFollowsAcrossADatabaseRestart(t *testing.T) {
	dsn := migratedDSN(t)
	one := newServer(t, dsn, false)
	two := newServer(t, dsn, true)
	ctx := context.Background()
	tm := newTeam(t, one) // alice owns Sales, bob is admin
	actx, bob := tm.actx, tm.bob
	var err error
	require.True(t, two.can(t, bob, rbac.ResourceTeam, rbac.ActionManage))

	pg.Restart(t)
	for try := 0; ; try++ { // the pool still holds connections the restart cut
		if _, err = one.team.ChangeRole(actx, "bob", workspace.RoleViewer); err == nil || try == 10 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ok, err := two.authz.Can(workspace.WithScope(ctx, bob), rbac.ResourceTeam, rbac.ActionManage)
		return err == nil && !ok
	}, 3*time.Second, 2*time.Millisecond, "server 2 follows after the restart")
	require.Eventually(t, two.watch.Fresh, 3*time.Second, time.Millisecond, "and vouches again")
}
