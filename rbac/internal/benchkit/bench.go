package benchkit

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// Env holds the fixture with a warm Authorizer and the two Casbin
// enforcers, built once and shared by the benchmarks.
type Env struct {
	F      *Fixture
	Ours   *rbac.Authorizer
	Synced *casbin.SyncedEnforcer
	Cached *casbin.SyncedCachedEnforcer

	ctxs []context.Context
	subs []string
	doms []string
}

// NewEnv builds the fixture, loads every workspace into a fresh Authorizer
// and the whole policy into both enforcers.
func NewEnv(workspaces, members int) (*Env, error) {
	f, err := Build(workspaces, members)
	if err != nil {
		return nil, err
	}
	e := &Env{F: f}
	if e.Ours, err = f.Authorizer(); err != nil {
		return nil, err
	}
	if e.Synced, err = f.Synced(); err != nil {
		return nil, err
	}
	if e.Cached, err = f.SyncedCached(); err != nil {
		return nil, err
	}
	for _, m := range f.Members {
		ctx := m.Ctx()
		if _, err := e.Ours.Can(ctx, rbac.ResourceAgents, rbac.ActionRead); err != nil {
			return nil, err
		}
		e.ctxs = append(e.ctxs, ctx)
		e.subs = append(e.subs, rbac.UserSubject(m.User))
		e.doms = append(e.doms, rbac.Domain(m.Workspace))
	}
	return e, nil
}

func (e *Env) check(b *testing.B, ok bool, err error) {
	if err != nil || !ok {
		b.Fatalf("check: %v %v", ok, err)
	}
}

// RepeatedOurs checks the same allowed request over and over.
func (e *Env) RepeatedOurs(b *testing.B) {
	ctx := e.ctxs[len(e.ctxs)/2]
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ok, err := e.Ours.Can(ctx, rbac.ResourceAgents, rbac.ActionRead)
		e.check(b, ok, err)
	}
}

// RepeatedSynced is RepeatedOurs on casbin's SyncedEnforcer.
func (e *Env) RepeatedSynced(b *testing.B) { e.repeated(b, e.Synced) }

// RepeatedCached is RepeatedOurs on casbin's SyncedCachedEnforcer.
func (e *Env) RepeatedCached(b *testing.B) { e.repeated(b, e.Cached) }

// enforcer is what the casbin baselines share.
type enforcer interface {
	Enforce(rvals ...interface{}) (bool, error)
}

func (e *Env) repeated(b *testing.B, enf enforcer) {
	i := len(e.ctxs) / 2
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ok, err := enf.Enforce(e.subs[i], e.doms[i], rbac.ResourceAgents, rbac.ActionRead)
		e.check(b, ok, err)
	}
}

// RotatingOurs checks every membership in turn.
func (e *Env) RotatingOurs(b *testing.B) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ok, err := e.Ours.Can(e.ctxs[i%len(e.ctxs)], rbac.ResourceAgents, rbac.ActionRead)
		e.check(b, ok, err)
	}
}

// RotatingSynced is RotatingOurs on the SyncedEnforcer.
func (e *Env) RotatingSynced(b *testing.B) { e.rotating(b, e.Synced) }

// RotatingCached is RotatingOurs on the SyncedCachedEnforcer.
func (e *Env) RotatingCached(b *testing.B) { e.rotating(b, e.Cached) }

func (e *Env) rotating(b *testing.B, enf enforcer) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := i % len(e.subs)
		ok, err := enf.Enforce(e.subs[j], e.doms[j], rbac.ResourceAgents, rbac.ActionRead)
		e.check(b, ok, err)
	}
}

// FirstCheckOurs starts a new Authorizer on the full store and makes its
// first check (which loads that one workspace).
func (e *Env) FirstCheckOurs(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		a, err := e.F.Authorizer()
		if err != nil {
			b.Fatal(err)
		}
		ok, err := a.Can(e.ctxs[(i*7919)%len(e.ctxs)], rbac.ResourceAgents, rbac.ActionRead)
		e.check(b, ok, err)
	}
}

// FirstLoadOurs times the first check of a workspace that is not loaded:
// the filtered load of one workspace from the store and its compilation
// (the workspace is invalidated before each check).
func (e *Env) FirstLoadOurs(b *testing.B) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := (i * 7919) % len(e.ctxs)
		e.Ours.Invalidate(e.F.Members[j].Workspace)
		ok, err := e.Ours.Can(e.ctxs[j], rbac.ResourceAgents, rbac.ActionRead)
		e.check(b, ok, err)
	}
}

// LoadPolicySynced is casbin's start: a full LoadPolicy.
func (e *Env) LoadPolicySynced(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		if err := e.Synced.LoadPolicy(); err != nil {
			b.Fatal(err)
		}
	}
}

// DropOurs drops one loaded workspace's policy (what deleting it does).
// Run it with -benchtime Nx, N = the number of workspaces, to avoid
// untimed reloads.
func (e *Env) DropOurs(b *testing.B) {
	ws := e.F.Workspaces
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%len(ws) == 0 {
			b.StopTimer()
			e.warm()
			b.StartTimer()
		}
		e.Ours.Invalidate(ws[i%len(ws)])
	}
	b.StopTimer()
	e.warm()
}

// warm loads every workspace (one check each).
func (e *Env) warm() {
	for _, w := range e.F.Workspaces {
		m := Member{Workspace: w, Account: e.F.accountOf(w), User: "nobody"}
		_, _ = e.Ours.Can(m.Ctx(), rbac.ResourceAgents, rbac.ActionRead)
	}
}

// DropSynced removes one workspace's grouping rules from the
// SyncedEnforcer (and puts them back, untimed).
func (e *Env) DropSynced(b *testing.B) {
	ws := e.F.Workspaces
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		dom := rbac.Domain(ws[(i*7919)%len(ws)])
		rules, err := e.Synced.GetFilteredGroupingPolicy(2, dom)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := e.Synced.RemoveFilteredGroupingPolicy(2, dom); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := e.Synced.AddGroupingPolicies(rules); err != nil {
			b.Fatal(err)
		}
	}
}

// ConcurrentOurs checks on every core, rotating over the memberships,
// while one goroutine keeps changing roles (store write + Invalidate).
func (e *Env) ConcurrentOurs(b *testing.B) {
	stop := e.churn(func(m Member, to workspace.Role) {
		ctx := context.Background()
		ms, err := e.F.Store.GetMembership(ctx, m.Workspace, m.User)
		if err != nil {
			return
		}
		ms.Role, ms.Version = to, ms.Version+1
		if e.F.Store.UpdateMembership(ctx, ms) == nil {
			e.Ours.Invalidate(m.Workspace)
		}
	})
	defer stop()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1_000_003))
		for pb.Next() {
			i++
			if _, err := e.Ours.Can(e.ctxs[i%len(e.ctxs)], rbac.ResourceAgents, rbac.ActionRead); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// ConcurrentSynced is ConcurrentOurs on the SyncedEnforcer, whose writer
// removes and adds grouping rules.
func (e *Env) ConcurrentSynced(b *testing.B) {
	stop := e.churn(func(m Member, to workspace.Role) {
		_, _ = e.Synced.RemoveGroupingPolicy(rbac.GroupingRule(m.Workspace, m.User, m.Role))
		_, _ = e.Synced.AddGroupingPolicy(rbac.GroupingRule(m.Workspace, m.User, to))
		_, _ = e.Synced.RemoveGroupingPolicy(rbac.GroupingRule(m.Workspace, m.User, to))
		_, _ = e.Synced.AddGroupingPolicy(rbac.GroupingRule(m.Workspace, m.User, m.Role))
	})
	defer stop()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1_000_003))
		for pb.Next() {
			i++
			j := i % len(e.subs)
			if _, err := e.Synced.Enforce(e.subs[j], e.doms[j], rbac.ResourceAgents, rbac.ActionRead); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// churn runs change on stored members (never the derived owners) in a loop
// until the returned stop is called; stop reports how many changes ran.
func (e *Env) churn(change func(m Member, to workspace.Role)) (stop func() int) {
	done := make(chan struct{})
	finished := make(chan int)
	go func() {
		n := 0
		for i := 0; ; i++ {
			select {
			case <-done:
				finished <- n
				return
			default:
			}
			m := e.F.Members[(i*7919)%len(e.F.Members)]
			if m.Role == workspace.RoleOwner {
				continue
			}
			to := workspace.RoleViewer
			if m.Role == workspace.RoleViewer {
				to = workspace.RoleMember
			}
			change(m, to)
			n++
			runtime.Gosched()
		}
	}()
	return func() int { close(done); return <-finished }
}

// MemoryOurs loads every workspace into a fresh Authorizer and returns the
// heap it added per loaded membership, as measured by the runtime, and the
// Authorizer's own estimate.
func (f *Fixture) MemoryOurs() (measured, estimated float64, err error) {
	before := heap()
	a, err := f.Authorizer()
	if err != nil {
		return 0, 0, err
	}
	for _, w := range f.Workspaces {
		m := Member{Workspace: w, Account: f.accountOf(w), User: "nobody"}
		if _, err := a.Can(m.Ctx(), rbac.ResourceAgents, rbac.ActionRead); err != nil {
			return 0, 0, err
		}
	}
	after := heap()
	runtime.KeepAlive(a)
	return float64(after-before) / float64(len(f.Members)), a.Stats().BytesPerMembership, nil
}

// MemoryCasbin builds a SyncedEnforcer holding the whole policy and returns
// the heap it added per membership.
func (f *Fixture) MemoryCasbin() (float64, error) {
	before := heap()
	e, err := f.Synced()
	if err != nil {
		return 0, err
	}
	after := heap()
	runtime.KeepAlive(e)
	return float64(after-before) / float64(len(f.Members)), nil
}

func (f *Fixture) accountOf(w uuid.UUID) uuid.UUID { return f.workspaceOf[w] }

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
