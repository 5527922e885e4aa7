package rbac

import (
	"slices"

	"github.com/google/uuid"
)

// Freshness tells an Authorizer whether its snapshots still hold: whether
// every change committed to the store, by any process, up to a bounded
// time ago has been applied to it (Invalidate called for the workspaces it
// touched). A watcher of the store's change log implements it
// (changewatch.Watcher).
type Freshness interface {
	Fresh() bool
}

// WithFreshness makes the Authorizer trust its snapshots only while
// f.Fresh(). While it is not (the watcher lost the database, or fell
// behind), every decision reads what decides it from the store, as a
// decision inside a transaction does (the workspace, its account, the
// caller's membership, the custom roles: four reads), and nothing is
// cached: answers stay exact at the cost of reads, and when the store
// cannot be read either, the error denies. Reading through was chosen
// over denying outright because a watcher falls behind for reasons that
// do not stop the store (a dropped LISTEN connection, a slow catch-up),
// and denying every request then would be an outage the store does not
// have.
func WithFreshness(f Freshness) Option { return func(c *config) { c.fresh = f } }

// trusted reports whether snapshots may answer now.
func (a *Authorizer) trusted() bool { return a.cfg.fresh == nil || a.cfg.fresh.Fresh() }

// InvalidateAccount drops the loaded snapshot of every workspace of the
// account: after a change that touches all of them, such as an ownership
// transfer, whose log entry names the account only. Entries still loading
// are dropped too (their account is not known yet, and what they read may
// predate the change): they are read again.
func (a *Authorizer) InvalidateAccount(accountID uuid.UUID) {
	a.invalidateWhere(func(s *snapshot) bool { return s == nil || s.account == accountID })
	for _, f := range a.followersNow() {
		f.InvalidateAccount(accountID)
	}
}

// InvalidateAll drops every loaded snapshot: after a watcher finds it may
// have missed changes (the log was pruned past it, or went back).
func (a *Authorizer) InvalidateAll() {
	a.invalidateWhere(func(*snapshot) bool { return true })
	for _, f := range a.followersNow() {
		f.InvalidateAll()
	}
}

func (a *Authorizer) invalidateWhere(match func(*snapshot) bool) {
	for i := range a.shards {
		sh := &a.shards[i]
		sh.mu.Lock()
		for id, e := range sh.m {
			if match(e.snap.Load()) {
				a.drop(sh, id, e)
			}
		}
		sh.mu.Unlock()
	}
	a.stats.invalidations.Add(1)
}

// Follower is told of every invalidation the Authorizer receives, from the
// services of this process and from a changewatch.Watcher: a cache derived
// from the same data stays in step without wiring of its own.
// apikey.New registers its Service.
type Follower interface {
	Invalidate(workspaceID uuid.UUID)
	InvalidateAccount(accountID uuid.UUID)
	InvalidateAll()
}

// AddFollower registers f; it is called after the Authorizer's own
// invalidation, on the invalidating goroutine.
func (a *Authorizer) AddFollower(f Follower) {
	a.followMu.Lock()
	defer a.followMu.Unlock()
	next := append(slices.Clone(a.followersNow()), f)
	a.followers.Store(&next)
}

func (a *Authorizer) followersNow() []Follower {
	if p := a.followers.Load(); p != nil {
		return *p
	}
	return nil
}
