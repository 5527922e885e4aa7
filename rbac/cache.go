package rbac

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

const shardCount = 64

// shard holds the entries of the workspaces whose id hashes to it. Its lock
// is held only for map reads and writes, never while a workspace loads, so a
// load or a change of one workspace never blocks checks of others.
type shard struct {
	mu sync.RWMutex
	m  map[uuid.UUID]*entry
}

// entry is one workspace's slot. An entry is never reused: Invalidate and
// eviction remove it from the shard, and a loader installs its snapshot only
// if its entry is still the one in the shard. That is what makes the next
// decision after Invalidate read fresh data even while an older load is in
// flight.
type entry struct {
	snap atomic.Pointer[snapshot]
	// used is the CLOCK bit: set by checks, cleared by eviction sweeps.
	used atomic.Uint32
	// flight names this entry's load in the singleflight group.
	flight string
}

func (e *entry) touch() {
	if e.used.Load() == 0 {
		e.used.Store(1)
	}
}

func (a *Authorizer) shardOf(id uuid.UUID) *shard {
	// UUIDv7 ids start with a timestamp; the last byte is random.
	return &a.shards[id[15]%shardCount]
}

// snapshot returns the compiled policy of a workspace, loading it on first
// use. The fast path is a shard read lock, a map lookup and an atomic load.
//
// Inside a transaction of the store only what decides for user is read,
// through that transaction, and nothing is cached: the data may not be
// committed (and may roll back), and sharing a load with callers outside the
// transaction could wait on the very transaction the caller is in. That is
// how the services re-check permissions after locking a workspace, at a
// constant cost (four reads) whatever the workspace's size.
func (a *Authorizer) snapshot(ctx context.Context, id uuid.UUID, user workspace.UserID) (*snapshot, error) {
	if workspace.InTransaction(ctx, a.store) || !a.trusted() {
		return a.readFor(ctx, id, user)
	}
	sh := a.shardOf(id)
	sh.mu.RLock()
	e := sh.m[id]
	sh.mu.RUnlock()
	if e != nil {
		if s := e.snap.Load(); s != nil {
			if !s.keysExpire.IsZero() && !a.cfg.clock().Before(s.keysExpire) {
				// A key of it expired: read it again without that key.
				a.Invalidate(id)
				return a.snapshot(ctx, id, user)
			}
			e.touch()
			return s, nil
		}
	}
	s, current, err := a.load(ctx, sh, id)
	if err != nil || current {
		return s, err
	}
	// Invalidated while it was read: what it read may predate a change
	// this process already knows of. Read this decision's data afresh.
	return a.readFor(ctx, id, user)
}

// load reads and compiles one workspace. Concurrent first uses of the same
// entry share one load (singleflight); the load runs on a context detached
// from the first caller's cancellation so that its cancelling does not fail
// the others.
// loaded is one load's result, shared by the callers that joined it.
type loaded struct {
	s         *snapshot
	installed bool
}

// current is false when the entry was dropped (Invalidate) while the load
// read: the snapshot is then not installed, and must not answer either.
func (a *Authorizer) load(ctx context.Context, sh *shard, id uuid.UUID) (s *snapshot, current bool, err error) {
	sh.mu.Lock()
	e := sh.m[id]
	if e == nil {
		e = &entry{flight: id.String() + "/" + strconv.FormatUint(a.seq.Add(1), 10)}
		sh.m[id] = e
	}
	sh.mu.Unlock()
	if s := e.snap.Load(); s != nil {
		return s, true, nil
	}
	v, err, _ := a.flights.Do(e.flight, func() (any, error) {
		s, err := a.read(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil, err
		}
		sh.mu.Lock()
		installed := sh.m[id] == e && e.snap.Load() == nil
		if installed {
			e.snap.Store(s)
			e.used.Store(1)
		}
		sh.mu.Unlock()
		a.stats.loads.Add(1)
		if installed {
			a.stats.workspaces.Add(1)
			a.stats.members.Add(int64(s.members))
			a.stats.bytes.Add(s.bytes)
			if int(a.stats.workspaces.Load()) > a.cfg.maxWorkspaces {
				a.evict()
			}
		}
		return loaded{s, installed}, nil
	})
	if err != nil {
		return nil, false, err
	}
	l := v.(loaded)
	return l.s, l.installed, nil
}

// read loads one workspace from the store: the workspace (for its account),
// the account (for its owner), the memberships page by page and the custom
// roles. A missing workspace compiles to a snapshot that denies everything.
func (a *Authorizer) read(ctx context.Context, id uuid.UUID) (*snapshot, error) {
	w, acct, gone, err := a.readWorkspace(ctx, id)
	if gone != nil || err != nil {
		return gone, err
	}
	ms, next, err := a.readKeys(ctx, id, "")
	if err != nil {
		return nil, err
	}
	after := workspace.UserID("")
	for {
		page, err := a.store.ListMemberships(ctx, id, after, loadPage)
		if err != nil {
			return nil, fmt.Errorf("rbac: load memberships of workspace %s: %w", id, err)
		}
		ms = append(ms, page...)
		if len(page) < loadPage {
			break
		}
		after = page[len(page)-1].UserID
	}
	s, err := a.compileFrom(ctx, w, acct, ms)
	if s != nil {
		s.keysExpire = next
	}
	return s, err
}

// readKeys returns the workspace's API keys that are neither revoked nor
// expired, as memberships of their key users (all of them, or only user's
// when user is a key), and the earliest expiry among them: the snapshot
// stops answering then. A person's decision (readFor with a person) reads
// no keys.
func (a *Authorizer) readKeys(ctx context.Context, id uuid.UUID, user workspace.UserID) ([]workspace.Membership, time.Time, error) {
	ks, ok := a.store.(KeyGrants)
	if !ok {
		return nil, time.Time{}, nil
	}
	only, isKey := user.KeyID()
	if user != "" && !isKey {
		return nil, time.Time{}, nil
	}
	grants, err := ks.ListKeyGrants(ctx, id)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("rbac: load API keys of workspace %s: %w", id, err)
	}
	now := a.cfg.clock()
	var (
		ms   []workspace.Membership
		next time.Time
	)
	for _, g := range grants {
		if (isKey && g.KeyID != only) || (!g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt)) {
			continue
		}
		if !g.ExpiresAt.IsZero() && (next.IsZero() || g.ExpiresAt.Before(next)) {
			next = g.ExpiresAt
		}
		ms = append(ms, workspace.Membership{WorkspaceID: id, UserID: workspace.KeyUser(g.KeyID), Role: g.Role})
	}
	return ms, next, nil
}

// readFor reads what decides for one user in one workspace: the workspace,
// its account, the user's membership and the custom roles (a bounded list).
func (a *Authorizer) readFor(ctx context.Context, id uuid.UUID, user workspace.UserID) (*snapshot, error) {
	w, acct, gone, err := a.readWorkspace(ctx, id)
	if gone != nil || err != nil {
		return gone, err
	}
	ms, _, err := a.readKeys(ctx, id, user)
	if err != nil {
		return nil, err
	}
	m, err := a.store.GetMembership(ctx, id, user)
	switch {
	case err == nil:
		ms = append(ms, m)
	case !errors.Is(err, workspace.ErrNotFound):
		return nil, fmt.Errorf("rbac: load membership of %q in workspace %s: %w", user, id, err)
	}
	return a.compileFrom(ctx, w, acct, ms)
}

// readWorkspace reads a workspace and its account; a missing workspace
// gives a snapshot that denies everything.
func (a *Authorizer) readWorkspace(ctx context.Context, id uuid.UUID) (workspace.Workspace, workspace.Account, *snapshot, error) {
	w, err := a.store.GetWorkspace(ctx, id)
	if errors.Is(err, workspace.ErrNotFound) {
		return w, workspace.Account{}, &snapshot{id: id, gone: true, bytes: bytesPerSnapshot}, nil
	}
	if err != nil {
		return w, workspace.Account{}, nil, fmt.Errorf("rbac: load workspace %s: %w", id, err)
	}
	acct, err := a.store.GetAccount(ctx, w.AccountID)
	if err != nil {
		return w, acct, nil, fmt.Errorf("rbac: load account %s of workspace %s: %w", w.AccountID, id, err)
	}
	return w, acct, nil, nil
}

// compileFrom reads the workspace's custom roles and compiles the snapshot.
func (a *Authorizer) compileFrom(ctx context.Context, w workspace.Workspace, acct workspace.Account, ms []workspace.Membership) (*snapshot, error) {
	roles, err := a.store.ListRoles(ctx, w.ID)
	if err != nil {
		return nil, fmt.Errorf("rbac: load roles of workspace %s: %w", w.ID, err)
	}
	return compile(a.matrix, a.builtins, w, acct.OwnerID, ms, roles), nil
}

const loadPage = 1000

// drop removes a workspace's entry (Invalidate, eviction); the caller holds
// sh.mu.
func (a *Authorizer) drop(sh *shard, id uuid.UUID, e *entry) {
	delete(sh.m, id)
	if s := e.snap.Load(); s != nil {
		a.stats.workspaces.Add(-1)
		a.stats.members.Add(-int64(s.members))
		a.stats.bytes.Add(-s.bytes)
	}
}

// evict brings the loaded workspaces back to 7/8 of the bound. It first
// sweeps the shards with the CLOCK algorithm (an entry used since the last
// sweep gets a second chance: its bit is cleared), and if that was not enough
// (checks kept entries busy), drops entries regardless of use: the bound is
// a memory bound and holds whatever the traffic. A loader that pushed the
// count over the bound waits for the sweep in progress and then sweeps
// again if still needed, so the count is within the bound once loads stop.
// Each shard is locked on its own, briefly; checks of loaded workspaces never
// wait for a sweep.
func (a *Authorizer) evict() {
	a.evicting.Lock()
	defer a.evicting.Unlock()
	if a.stats.workspaces.Load() <= int64(a.cfg.maxWorkspaces) {
		return // a sweep that ran meanwhile did the work
	}
	target := int64(a.cfg.maxWorkspaces - a.cfg.maxWorkspaces/8)
	for pass := 0; pass < 2*shardCount && a.stats.workspaces.Load() > target; pass++ {
		a.sweepShard(target, true)
	}
	for pass := 0; pass < shardCount && a.stats.workspaces.Load() > target; pass++ {
		a.sweepShard(target, false)
	}
}

// sweepShard visits the shard under the clock hand: with secondChance it
// spares (and clears) entries used since the last visit, otherwise it drops
// entries until the count is at target.
func (a *Authorizer) sweepShard(target int64, secondChance bool) {
	sh := &a.shards[a.hand%shardCount]
	a.hand++
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for id, e := range sh.m {
		if secondChance && e.used.Load() != 0 {
			e.used.Store(0)
			continue
		}
		if !secondChance && a.stats.workspaces.Load() <= target {
			return
		}
		if e.snap.Load() == nil {
			continue // a load in flight; it counts once installed
		}
		a.drop(sh, id, e)
		a.stats.evictions.Add(1)
	}
}

// Invalidate forgets what this process knows about a workspace: its
// memberships changed, its custom roles changed, its account changed owner,
// or it was deleted. The very next decision about it reads the store again
// (a load already in flight is not reused). Services call it after every
// commit that changes who holds what.
func (a *Authorizer) Invalidate(workspaceID uuid.UUID) {
	sh := a.shardOf(workspaceID)
	sh.mu.Lock()
	if e := sh.m[workspaceID]; e != nil {
		a.drop(sh, workspaceID, e)
	}
	sh.mu.Unlock()
	a.stats.invalidations.Add(1)
	for _, f := range a.followersNow() {
		f.Invalidate(workspaceID)
	}
}

// Stats describes the loaded policies.
type Stats struct {
	// Workspaces and Memberships are what is loaded now.
	Workspaces  int
	Memberships int
	// Bytes estimates the heap held by the loaded policies;
	// BytesPerMembership divides it by Memberships.
	Bytes              int64
	BytesPerMembership float64
	// Loads, Evictions and Invalidations count since New.
	Loads, Evictions, Invalidations uint64
}

type counters struct {
	workspaces, members, bytes      atomic.Int64
	loads, evictions, invalidations atomic.Uint64
}

// Stats reports what is loaded and how much memory it holds.
func (a *Authorizer) Stats() Stats {
	s := Stats{
		Workspaces:    int(a.stats.workspaces.Load()),
		Memberships:   int(a.stats.members.Load()),
		Bytes:         a.stats.bytes.Load(),
		Loads:         a.stats.loads.Load(),
		Evictions:     a.stats.evictions.Load(),
		Invalidations: a.stats.invalidations.Load(),
	}
	if s.Memberships > 0 {
		s.BytesPerMembership = float64(s.Bytes) / float64(s.Memberships)
	}
	return s
}
