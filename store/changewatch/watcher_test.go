package changewatch_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// recorder is an Invalidator that remembers what it was told, in order.
type recorder struct {
	mu       sync.Mutex
	ws, accs []uuid.UUID
	all      int
}

func (r *recorder) Invalidate(id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ws = append(r.ws, id)
}

func (r *recorder) InvalidateAccount(id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accs = append(r.accs, id)
}

func (r *recorder) InvalidateAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all++
}

func (r *recorder) seen() ([]uuid.UUID, []uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uuid.UUID(nil), r.ws...), append([]uuid.UUID(nil), r.accs...)
}

func appendChange(t *testing.T, s *memstore.Store, ws, acct uuid.UUID, kind workspace.ChangeKind) int64 {
	t.Helper()
	var id int64
	require.NoError(t, s.Atomic(context.Background(), func(ctx context.Context) error {
		c, err := s.AppendChange(ctx, workspace.Change{At: time.Now().UTC(), AccountID: acct, WorkspaceID: ws, Kind: kind, Actor: "u"})
		id = c.ID
		return err
	}))
	return id
}

func TestWatcherAppliesCommittedChangesInOrder(t *testing.T) {
	s := memstore.New()
	acct := uuid.New()
	before := appendChange(t, s, uuid.New(), acct, workspace.ChangeWorkspaceCreated)
	rec := &recorder{}
	w := changewatch.New(s, []changewatch.Invalidator{rec}, changewatch.WithPollInterval(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	require.Eventually(t, w.Fresh, time.Second, time.Millisecond)
	require.Equal(t, before, w.Last(), "starts after the log's end")

	var want []uuid.UUID
	for i := 0; i < 1200; i++ { // more than two pages
		id := uuid.New()
		want = append(want, id)
		appendChange(t, s, id, acct, workspace.ChangeMemberRoleChanged)
	}
	// A rolled-back change is never seen.
	boom := errors.New("boom")
	require.ErrorIs(t, s.Atomic(context.Background(), func(ctx context.Context) error {
		_, err := s.AppendChange(ctx, workspace.Change{AccountID: acct, WorkspaceID: uuid.New(), Kind: workspace.ChangeMemberRemoved, Actor: "u"})
		require.NoError(t, err)
		return boom
	}), boom)
	last := appendChange(t, s, uuid.Nil, acct, workspace.ChangeOwnershipTransferred)
	w.Notify()
	require.Eventually(t, func() bool { return w.Last() == last }, 5*time.Second, time.Millisecond)
	got, accs := rec.seen()
	require.Equal(t, want, got, "every workspace, in commit order, nothing rolled back")
	require.Equal(t, []uuid.UUID{acct}, accs, "an account-wide change invalidates the account")

	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// Fresh holds only while the last complete read began within the bound:
// a watcher that cannot read the log stops vouching for the caches.
func TestWatcherFreshnessFollowsItsReads(t *testing.T) {
	s := memstore.New()
	const bound = 100 * time.Millisecond
	w := changewatch.New(s, nil, changewatch.WithBound(bound))
	require.False(t, w.Fresh(), "never read")
	require.NoError(t, w.CatchUp(context.Background()))
	require.True(t, w.Fresh())
	require.Eventually(t, func() bool { return !w.Fresh() }, 10*bound, time.Millisecond, "past the bound without a read")

	dead, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, w.CatchUp(dead), "a read that fails")
	require.False(t, w.Fresh(), "does not make it fresh")
	start := time.Now()
	require.NoError(t, w.CatchUp(context.Background()))
	require.True(t, w.Fresh())
	for w.Fresh() {
		time.Sleep(time.Millisecond)
	}
	require.GreaterOrEqual(t, time.Since(start), bound, "fresh for the bound after a read, not less")
}

func TestWatcherRunsOnce(t *testing.T) {
	w := changewatch.New(memstore.New(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx) }()
	require.Eventually(t, w.Fresh, time.Second, time.Millisecond)
	require.ErrorIs(t, w.Run(ctx), changewatch.ErrRunning)
}

// A log pruned past the watcher, or gone back, means changes were missed:
// everything is invalidated before the watcher counts itself fresh, and a
// later Run goes on from where the last one stopped.
func TestWatcherInvalidatesAllWhenItMissedChanges(t *testing.T) {
	s := memstore.New()
	acct := uuid.New()
	rec := &recorder{}
	var errs []error
	w := changewatch.New(s, []changewatch.Invalidator{rec}, changewatch.WithErrorLog(func(err error) { errs = append(errs, err) }))
	require.NoError(t, w.CatchUp(context.Background()))
	first := appendChange(t, s, uuid.New(), acct, workspace.ChangeMemberRoleChanged)
	_, err := s.PruneChanges(context.Background(), first)
	require.NoError(t, err)
	require.NoError(t, w.CatchUp(context.Background()))
	require.Equal(t, 1, rec.all, "pruned before it was read: everything invalidated")
	require.ErrorIs(t, errs[0], changewatch.ErrMissedChanges)
	require.Equal(t, first, w.Last())

	next := appendChange(t, s, uuid.New(), acct, workspace.ChangeMemberRoleChanged)
	require.NoError(t, w.CatchUp(context.Background()))
	require.Equal(t, 1, rec.all, "no gap: nothing more")
	require.Equal(t, next, w.Last())

	// Stopped, a change, started again: the change is applied.
	skipped := uuid.New()
	appendChange(t, s, skipped, acct, workspace.ChangeMemberRemoved)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx) }()
	require.Eventually(t, func() bool { ws, _ := rec.seen(); return len(ws) > 0 && ws[len(ws)-1] == skipped }, time.Second, time.Millisecond)
}
