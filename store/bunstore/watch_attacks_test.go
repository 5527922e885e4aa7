package bunstore_test

// Attacks on the multi-instance invalidation (issue 9): each test builds a
// second instance with its own pool, store, Authorizer WithFreshness(watcher),
// watcher Run + Listen, commits a change through instance 1, and checks that
// instance 2 stops allowing what the change forbids within the bound. Each
// test FAILS on the code it was written against; the failure message names
// the hole.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/workspace"
)

const attackBound = time.Second

// heldReader is the watcher's view of the log; hold.Lock() pauses the
// watcher's reads (a GC pause, a stalled connection, a suspended VM) without
// touching the Authorizer's own reads.
type heldReader struct {
	st   *bunstore.Store
	hold sync.RWMutex
}

func (r *heldReader) ChangesAfter(ctx context.Context, after int64, limit int) ([]workspace.Change, error) {
	r.hold.RLock()
	defer r.hold.RUnlock()
	return r.st.ChangesAfter(ctx, after, limit)
}

func (r *heldReader) LastChange(ctx context.Context) (int64, error) {
	r.hold.RLock()
	defer r.hold.RUnlock()
	return r.st.LastChange(ctx)
}

// slowStore makes the Authorizer's snapshot load slow at its last read
// (ListRoles), as a workspace with many members is: while armed, a load
// reports that it entered and waits for release.
type slowStore struct {
	*bunstore.Store
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed, s.entered, s.release = true, make(chan struct{}, 16), make(chan struct{})
}

func (s *slowStore) ListRoles(ctx context.Context, id uuid.UUID) ([]rbac.CustomRole, error) {
	s.mu.Lock()
	armed, entered, release := s.armed, s.entered, s.release
	s.mu.Unlock()
	if armed && !workspace.InTransaction(ctx, s.Store) {
		entered <- struct{}{}
		<-release
	}
	return s.Store.ListRoles(ctx, id)
}

// attacked is instance 2, built by hand so that its watcher's reads can be
// paused, its loads slowed, and its Run stopped and started again.
type attacked struct {
	*server
	reader *heldReader
	slow   *slowStore
	dsn    string
	runs   sync.WaitGroup
	stop   context.CancelFunc
}

func newAttacked(t *testing.T, dsn string) *attacked {
	t.Helper()
	db, err := bunstore.Open(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	st := bunstore.New(db)
	a := &attacked{server: &server{st: st}, reader: &heldReader{st: st}, slow: &slowStore{Store: st}, dsn: dsn}
	a.watch = changewatch.New(a.reader, nil, changewatch.WithBound(attackBound))
	a.authz, err = rbac.New(a.slow, rbac.WithFreshness(a.watch))
	require.NoError(t, err)
	a.ws = workspace.NewService(st, a.authz, serverPlans)
	a.team = membership.New(st, a.authz, serverPlans)
	a.watch.Add(a.authz)
	a.start(t)
	t.Cleanup(func() { a.stop(); a.runs.Wait() })
	return a
}

// start runs the watcher and its listener until stop.
func (a *attacked) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	a.runs.Add(2)
	go func() { defer a.runs.Done(); _ = a.watch.Run(ctx) }()
	go func() { defer a.runs.Done(); _ = bunstore.Listen(ctx, a.dsn, a.watch) }()
	require.Eventually(t, a.watch.Fresh, 5*time.Second, time.Millisecond)
}

// caughtUp waits until instance 2's watcher has applied everything
// committed so far.
func (a *attacked) caughtUp(t *testing.T) {
	t.Helper()
	last, err := a.st.LastChange(context.Background())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return a.watch.Last() >= last }, 5*time.Second, time.Millisecond, "watcher reaches change %d", last)
}

// team1 is an account on instance 1: alice owns it, bob is admin, carol is
// admin, in workspace Sales.
type team1 struct {
	w                 workspace.Workspace
	alice, bob, carol workspace.Scope
	actx              context.Context
}

func newTeam(t *testing.T, one *server) team1 {
	t.Helper()
	ctx := context.Background()
	_, w, err := one.ws.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
	alice, err := one.ws.Switch(ctx, "alice", w.ID)
	require.NoError(t, err)
	actx := workspace.WithScope(ctx, alice)
	tm := team1{w: w, alice: alice, actx: actx}
	for _, u := range []string{"bob", "carol"} {
		_, token, err := one.team.Invite(actx, u+"@example.com", workspace.RoleAdmin)
		require.NoError(t, err)
		sc, err := one.team.Accept(ctx, workspace.UserID(u), token)
		require.NoError(t, err)
		if u == "bob" {
			tm.bob = sc
		} else {
			tm.carol = sc
		}
	}
	return tm
}

// HOLE 1. InvalidateAccount drops only snapshots already installed
// (e.snap != nil && s.account == accountID); an entry whose load is in
// flight has no snapshot yet, so it survives, and the load then installs
// what it read before the transfer. Nothing in the log names that
// workspace again, so the old owner stays owner on instance 2 for good.
// The load is held at its last read (ListRoles) by a real PostgreSQL lock
// on custom_roles, which the transfer does not touch.
func TestWatchAttackOwnershipTransferDuringLoad(t *testing.T) {
	dsn := migratedDSN(t)
	one := newServer(t, dsn, false)
	two := newAttacked(t, dsn)
	tm := newTeam(t, one)
	ctx := context.Background()
	two.caughtUp(t)

	locker, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer locker.Close(ctx)
	lockTx, err := locker.Begin(ctx)
	require.NoError(t, err)
	_, err = lockTx.Exec(ctx, "LOCK TABLE custom_roles IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)

	loaded := make(chan bool, 1)
	go func() {
		ok, _ := two.authz.Can(workspace.WithScope(ctx, tm.alice), workspace.ResourceSettings, workspace.ActionDelete)
		loaded <- ok
	}()
	require.Eventually(t, func() bool {
		var n int
		// Not on locker: inside its transaction pg_stat_activity stays
		// the snapshot its first read took.
		return one.st.DB(ctx).QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
			AND query ILIKE '%custom_roles%' AND pid <> pg_backend_pid()`).Scan(&n) == nil && n > 0
	}, 5*time.Second, 25*time.Millisecond, "instance 2's load waits at ListRoles, the account already read")

	require.NoError(t, one.team.TransferOwnership(tm.actx, "carol", workspace.RoleViewer))
	committed := time.Now()
	two.caughtUp(t) // InvalidateAccount ran on instance 2
	require.NoError(t, lockTx.Rollback(ctx))
	<-loaded

	time.Sleep(attackBound + 200*time.Millisecond)
	require.True(t, two.watch.Fresh())
	allowed := two.can(t, tm.alice, workspace.ResourceSettings, workspace.ActionDelete)
	carolOwns := two.can(t, tm.carol, workspace.ResourceSettings, workspace.ActionDelete)
	require.False(t, allowed, "instance 2 still lets alice (now viewer) delete the workspace %v after the transfer committed: the in-flight load survived InvalidateAccount", time.Since(committed))
	require.True(t, carolOwns, "and denies the new owner")
}

// HOLE 2. A load that the watcher's Invalidate dropped still answers its
// callers with what it read: a caller that joined it after the commit gets
// an allow long after the bound. Instance 2's watcher is paused for a few
// milliseconds (well within the bound, so it stays fresh) to order the
// caller after the commit deterministically; the load is slow like a large
// workspace's.
func TestWatchAttackDroppedLoadStillAnswers(t *testing.T) {
	dsn := migratedDSN(t)
	one := newServer(t, dsn, false)
	two := newAttacked(t, dsn)
	tm := newTeam(t, one)
	ctx := context.Background()
	two.caughtUp(t)

	two.slow.arm()
	first := make(chan bool, 1)
	go func() {
		ok, _ := two.authz.Can(workspace.WithScope(ctx, tm.carol), rbac.ResourceTeam, rbac.ActionRead)
		first <- ok
	}()
	<-two.slow.entered // a load of Sales is in flight

	two.reader.hold.Lock() // the watcher's next read waits a moment
	_, err := one.team.ChangeRole(tm.actx, "bob", workspace.RoleViewer)
	require.NoError(t, err)
	committed := time.Now()
	type answer struct {
		ok, fresh bool
		at        time.Time
	}
	late := make(chan answer, 1)
	go func() { // a check that begins after the commit, while fresh
		fresh := two.watch.Fresh()
		ok, _ := two.authz.Can(workspace.WithScope(ctx, tm.bob), rbac.ResourceTeam, rbac.ActionManage)
		late <- answer{ok, fresh, time.Now()}
	}()
	time.Sleep(20 * time.Millisecond) // it joins the load in flight
	two.reader.hold.Unlock()
	two.caughtUp(t) // Invalidate(Sales) dropped the entry on instance 2

	time.Sleep(attackBound + 300*time.Millisecond) // the load is slow
	close(two.slow.release)
	<-first
	a := <-late
	require.True(t, a.fresh, "the late check began while the watcher was fresh")
	require.False(t, a.ok, "instance 2 allowed demoted bob team:manage %v after the commit (check began %v after it), from a load its watcher had already invalidated",
		a.at.Sub(committed), 20*time.Millisecond)
}

// HOLE 3. PruneChanges below a watcher's cursor is invisible to it: the
// watcher reads "after N", gets the first change that survived, counts
// itself fresh, and never applies what was pruned. Ids are gapless, so the
// jump is detectable, but nothing detects it. Here the watcher is paused for
// milliseconds (no bound expires) while the host's retention job prunes up
// to the log's end.
func TestWatchAttackPruneBelowCursor(t *testing.T) {
	dsn := migratedDSN(t)
	one := newServer(t, dsn, false)
	two := newAttacked(t, dsn)
	tm := newTeam(t, one)
	ctx := context.Background()
	two.caughtUp(t)
	require.True(t, two.can(t, tm.bob, rbac.ResourceTeam, rbac.ActionManage), "loaded: bob is admin")

	two.reader.hold.Lock()
	_, err := one.team.ChangeRole(tm.actx, "bob", workspace.RoleViewer)
	require.NoError(t, err)
	last, err := one.st.LastChange(ctx)
	require.NoError(t, err)
	_, err = one.st.PruneChanges(ctx, last)
	require.NoError(t, err)
	// A later, unrelated change: the watcher sees it right after its cursor's gap.
	_, _, err = one.ws.CreateAccount(ctx, workspace.NewAccount{Name: "Other", Owner: "zed", Workspace: workspace.NewWorkspace{Name: "Z"}})
	require.NoError(t, err)
	two.reader.hold.Unlock()
	two.caughtUp(t)

	time.Sleep(attackBound + 200*time.Millisecond)
	require.True(t, two.watch.Fresh(), "the watcher vouches for its snapshots")
	require.False(t, two.can(t, tm.bob, rbac.ResourceTeam, rbac.ActionManage),
		"instance 2 lets demoted bob manage the team for good: the change was pruned before its watcher read it, and the gap (cursor %d, next id %d) went unnoticed", last-1, last+1)
}

// HOLE 4. Run sets the cursor to LastChange every time it starts, also on
// a watcher that ran before and whose Authorizer still holds snapshots: a
// host that restarts its watcher (a supervisor loop, a reconfiguration)
// skips every change committed while it was stopped.
func TestWatchAttackRunRestartSkips(t *testing.T) {
	dsn := migratedDSN(t)
	one := newServer(t, dsn, false)
	two := newAttacked(t, dsn)
	tm := newTeam(t, one)
	two.caughtUp(t)
	require.True(t, two.can(t, tm.bob, rbac.ResourceTeam, rbac.ActionManage), "loaded: bob is admin")

	two.stop()
	two.runs.Wait()
	_, err := one.team.ChangeRole(tm.actx, "bob", workspace.RoleViewer)
	require.NoError(t, err)
	two.start(t)
	two.caughtUp(t)

	time.Sleep(attackBound + 200*time.Millisecond)
	require.True(t, two.watch.Fresh())
	require.False(t, two.can(t, tm.bob, rbac.ResourceTeam, rbac.ActionManage),
		"instance 2 lets demoted bob manage the team for good: the restarted Run jumped its cursor over the change")
}
