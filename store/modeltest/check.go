package modeltest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/workspacekit/workspacekit/workspace"
)

// runner runs one world's operations against the system and checks every
// one of them: its outcome, the acting scope's view, every workspace of
// the world through the independent path (and that nothing outside what
// the operation may touch changed), and the Authorizer's decisions.
type runner struct {
	w    *world
	sys  *system
	last snapshot
	// faults: percentage of operations run under an injected fault.
	faultPct int
	stats    *Stats
	// baseRows is Target.Rows before the world's first operation;
	// noRows: other worlds write at the same time, so Rows is compared
	// once at the end instead.
	baseRows int
	noRows   bool
	// trace is the sequence so far, one operation and its outcome a
	// line: what a failure prints.
	trace []string
	// worlds the actor of a concurrent run left (Load.Restart): each of
	// their workspaces with the digest of its rendering then, and their
	// host rows.
	worlds      int
	retired     []retiredWS
	retiredRows int
}

// Stats counts what a run did.
type Stats struct {
	// Ops are the generated operations run; Refused the ones whose
	// (predicted) outcome was an error.
	Ops, Refused atomic.Int64
	// Checks are the extra calls made to verify: reads of the scope's
	// view, snapshot reads, Authorizer decisions.
	Checks atomic.Int64
	// Faulted are operations run under a fault that failed because of it
	// (and were verified to have changed nothing), by fault.
	Faulted atomic.Int64
	// Loose are the contended rounds the strict pass did not explain and
	// the loose one did (RunContended).
	Loose   atomic.Int64
	mu      sync.Mutex
	byFault map[string]int
}

func (s *Stats) fault(kind string) {
	s.Faulted.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byFault == nil {
		s.byFault = map[string]int{}
	}
	s.byFault[kind]++
}

func (s *Stats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := ""
	if len(s.byFault) > 0 {
		f = fmt.Sprintf(" %v", s.byFault)
	}
	d := ""
	if n := s.Loose.Load(); n > 0 {
		d = fmt.Sprintf(", %d contended rounds explained only by the loose pass", n)
	}
	return fmt.Sprintf("%d operations (%d refusals, %d failed by an injected fault%s), %d verification calls%s",
		s.Ops.Load(), s.Refused.Load(), s.Faulted.Load(), f, s.Checks.Load(), d)
}

// mismatch is a failed check; the sequence printed before it is the
// reproduction.
type mismatch struct{ msg string }

func (m mismatch) Error() string { return m.msg }

func mismatchf(format string, args ...any) error { return mismatch{fmt.Sprintf(format, args...)} }

// step runs o and checks everything after it.
func (r *runner) step(ctx context.Context, o op, s source) error {
	r.stats.Ops.Add(1)
	before := r.w.m.clone()
	var got result
	fault := ""
	if r.sys.t.Faults != nil && r.faultPct > 0 && faultable(o) && chance(s, "fault", r.faultPct) {
		fault = pick(s, "fault kind", r.sys.t.Faults.Kinds())
	}
	if fault != "" {
		_, host := o.where()
		fctx := ctx
		if so, ok := o.(interface{ scopeOf() workspace.Scope }); ok {
			fctx = workspace.WithScope(ctx, so.scopeOf())
		}
		var inner result
		err := r.sys.t.Faults.Run(fctx, fault, host, func(fctx context.Context) error {
			inner = o.run(fctx, r.sys)
			return inner.raw
		})
		got = inner
		if errors.Is(err, ErrInjected) {
			got = observed(err, "") // what the fault made of the operation
		}
	} else {
		got = o.run(ctx, r.sys)
	}
	want := o.expect(r.w.m, got)
	r.trace = append(r.trace, fmt.Sprintf("%-72s -> %s", o.String(), got))
	if fault != "" && !same(want, got) && errors.Is(got.raw, ErrInjected) {
		// The fault failed an operation that would have succeeded (or
		// failed it differently than a refusal would): it must have been
		// all or nothing, so the model stays as it was.
		r.w.m = before
		r.stats.fault(fault)
		r.trace = append(r.trace, fmt.Sprintf("    (fault %s failed it: %v; nothing may have changed)", fault, got.raw))
		return r.verify(ctx, o, before, got)
	}
	if fault != "" {
		r.trace[len(r.trace)-1] += "    (under fault " + fault + ")"
	}
	if !same(want, got) {
		return mismatchf("%s: got %s, the model says %s", o, describeErr(got), want)
	}
	if got.err != errNone {
		r.stats.Refused.Add(1)
	} else {
		r.w.learn(o, got)
	}
	return r.verify(ctx, o, before, got)
}

// verify compares the system with the model after o.
func (r *runner) verify(ctx context.Context, o op, before *model, got result) error {
	m := r.w.m
	// The scope's own view, through the services as that scope.
	if so, ok := o.(interface{ scopeOf() workspace.Scope }); ok {
		if err := r.view(ctx, so.scopeOf()); err != nil {
			return fmt.Errorf("after %s: %w", o, err)
		}
	}
	// Every workspace of the world, around the services.
	wss := r.w.allWorkspaces()
	snap, err := r.sys.read(ctx, wss, m.inviteIDs)
	r.stats.Checks.Add(int64(len(wss)))
	if err != nil {
		return fmt.Errorf("after %s: snapshot: %w", o, err)
	}
	for _, ws := range wss {
		want := m.render(ws)
		if snap[ws] != want {
			return mismatchf("after %s: workspace %s differs from the model:\n%s", o, short(ws), diff(want, snap[ws]))
		}
		// Nothing the model says o left alone changed in the store.
		if prev, ok := r.last[ws]; ok && before.render(ws) == want && prev != snap[ws] {
			return mismatchf("after %s: workspace %s changed although the operation did not act on it:\n%s", o, short(ws), diff(prev, snap[ws]))
		}
	}
	r.last = snap
	if r.sys.t.Rows != nil && !r.noRows {
		n, err := r.sys.t.Rows(ctx)
		r.stats.Checks.Add(1)
		if err != nil {
			return fmt.Errorf("after %s: rows: %w", o, err)
		}
		if want := r.baseRows + m.totalRows(); n != want {
			return mismatchf("after %s: the host tables hold %d rows in all, the model says %d (%d before the sequence + %d of its own): a row landed outside the sequence's workspaces", o, n, want, r.baseRows, m.totalRows())
		}
	}
	// Every Authorizer decision for every actor and workspace.
	return r.decisions(ctx)
}

func (o scoped) scopeOf() workspace.Scope { return o.sc }

// view checks every read the scope can make against the model.
func (r *runner) view(ctx context.Context, sc workspace.Scope) error {
	reads := []op{&opTeam{scoped{sc}}, &opPending{scoped{sc}, false}, &opPending{scoped{sc}, true}, &opListRoles{scoped{sc}}}
	if r.w.keys_ {
		reads = append(reads, &opKeyList{scoped{sc}})
	}
	for i := range r.w.m.nTables {
		reads = append(reads, &opRecordRead{scoped: scoped{sc}, table: i, kind: "list", raw: true},
			&opRecordRead{scoped: scoped{sc}, table: i, kind: "count"})
	}
	if !isKey(sc.UserID) {
		reads = append(reads, &opList{sc.UserID})
	}
	for _, o := range reads {
		r.stats.Checks.Add(1)
		got := o.run(ctx, r.sys)
		if want := o.expect(r.w.m, got); !same(want, got) {
			return mismatchf("read %s: got %s, the model says %s", o, describeErr(got), want)
		}
	}
	return nil
}

// decisions compares the Authorizer's permission set with the model's for
// every actor of the world in every workspace it knows (deleted ones too),
// and one CanGrant per pair.
func (r *runner) decisions(ctx context.Context) error {
	m := r.w.m
	for _, ws := range r.w.allWorkspaces() {
		for _, u := range r.w.actors() {
			sc := workspace.Scope{AccountID: r.w.accountOf(ws), WorkspaceID: ws, UserID: u}
			c := workspace.WithScope(ctx, sc)
			r.stats.Checks.Add(2)
			ps, err := r.sys.k.Authz.Permissions(c)
			if err != nil {
				return fmt.Errorf("Permissions(%s): %w", scoped{sc}.who(), err)
			}
			got := map[string]bool{}
			for _, p := range ps {
				got[p.String()] = true
			}
			want := m.actorPerms(sc)
			if !sameSet(got, want) {
				return mismatchf("Permissions(%s) = %v, the model says %v (role %q)", scoped{sc}.who(), sorted(got), sorted(want), m.scopeRole(sc))
			}
			role := workspace.RoleAdmin
			if gotErr, wantErr := classify(r.sys.k.Authz.CanGrant(c, role)), m.canGrant(sc, role); gotErr != wantErr {
				return mismatchf("CanGrant(%s, %s) = %q, the model says %q", scoped{sc}.who(), role, gotErr, wantErr)
			}
		}
	}
	return nil
}

func sameSet(a, b map[string]bool) bool {
	n := 0
	for k, v := range b {
		if v {
			n++
			if !a[k] {
				return false
			}
		}
	}
	return n == len(a)
}

func sorted(s map[string]bool) []string {
	out := keys(s)
	slices.Sort(out)
	return out
}

// diff shows the lines of want and got that differ.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	in := func(xs []string, x string) bool {
		for _, y := range xs {
			if y == x {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, x := range w {
		if x != "" && !in(g, x) {
			b.WriteString("  model only: " + x + "\n")
		}
	}
	for _, x := range g {
		if x != "" && !in(w, x) {
			b.WriteString("  store only: " + x + "\n")
		}
	}
	return b.String()
}

// start takes what the checks compare against before the first operation.
func (r *runner) start(ctx context.Context) error {
	if r.sys.t.Rows == nil {
		return nil
	}
	n, err := r.sys.t.Rows(ctx)
	r.baseRows = n
	return err
}

// faultable reports whether o's effects are all in the store, so that a
// fault that fails it must leave everything as it was: not the clock, and
// not Authenticate, which caches in the process.
func faultable(o op) bool {
	switch o.(type) {
	case *opAdvance, *opAuthenticate:
		return false
	}
	return true
}
