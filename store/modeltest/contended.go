package modeltest

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Contention sizes a contended run (RunContended).
type Contention struct {
	// Rounds of the run (default 40; -modeltest.scale multiplies it).
	Rounds int
	// Actors are the operations of a round, each on a goroutine of its
	// own, 2-8 (default 6): at most 8! orders to explain a round.
	Actors int
	// Restart is how many rounds run in one world before it is checked,
	// left and a fresh one started (default 25).
	Restart int
	// Seed of the generator; 0 picks one, which the run prints.
	Seed uint64
	// Stats, when set, receives the run's counts.
	Stats *Stats
}

func (c Contention) withDefaults() Contention {
	if c.Rounds <= 0 {
		c.Rounds = 40
	}
	c.Rounds = scaled(c.Rounds)
	if *flagActors > 0 {
		c.Actors = *flagActors
	}
	if c.Actors <= 0 {
		c.Actors = 6
	}
	c.Actors = min(max(c.Actors, 2), 8)
	if c.Restart <= 0 {
		c.Restart = 25
	}
	if *flagSeed != 0 {
		c.Seed = *flagSeed
	}
	if c.Seed == 0 {
		c.Seed = rand.Uint64()
	}
	if c.Stats == nil {
		c.Stats = &Stats{}
	}
	return c
}

// RunContended makes actors race on one account: the world has one
// account (its workspaces, members, invitations, custom roles, keys and
// records), and each round c.Actors operations drawn from it are released
// at once, each on its own goroutine, against one set of services. Some
// rounds draw every operation independently; focused rounds make the
// actors name the same things (the same invitation token, key, record,
// workspace name, custom role); themed rounds also give them the same
// kind of operation (six invitations for the last seats, six keys for the
// last slot of the plan, six accepts of one token, six creates of one
// name).
//
// The rule it checks is linearizability of each round: there must be an
// order of the round's operations that
//
//   - respects real time (an operation that returned before another
//     started comes first), and
//   - applied one by one to the model of the world before the round,
//     predicts every observed outcome (error class and returned data,
//     versions included), and
//   - leaves the model equal to the store after the round: every
//     workspace of the world read around the services, the host tables'
//     row count, and then every Authorizer decision of every actor and
//     the reads of every scope that acted.
//
// Where the services work in two steps (a check before the transaction,
// the transaction), an operation may be placed as two steps: always for
// membership's optimistic conflicts, and, in a second pass for the rounds
// the strict one does not explain, for the Authorizer's decision; a
// refusal in that pass may carry another check's class. Successes stay
// exact and refusals change nothing (see stepKind for the exact rules;
// Stats counts the rounds only the second pass explained).
//
// The search is Wing and Gong's: depth first over the operations that may
// come next, a prefix dropped as soon as one outcome differs, with
// Lowe's memo of (operations placed, model state) already refuted. The
// chosen order becomes the world's history and the next round starts from
// its model. A round that no order explains fails the run, printing the
// world's history, the round (each operation, its outcome and when it ran)
// and the longest prefix the search could explain with what the model
// said of each operation that could not come next. Interleavings do not
// replay: the seed reproduces the operations of the first round and of
// later ones as long as the outcomes are the same.
//
// The clock does not move during a contended run, and CreateAccount is
// only the world's first operation, so that every actor stays in the
// account.
func RunContended(t *testing.T, h Harness, c Contention) {
	t.Helper()
	c = c.withDefaults()
	target := h.New(t)
	sys, err := newSystem(target, newClock())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src := randSource{rand.New(rand.NewPCG(c.Seed, 0))}
	t.Logf("modeltest: contended, %d rounds of %d actors, seed %d (-modeltest.seed=%d)", c.Rounds, c.Actors, c.Seed, c.Seed)
	r := &runner{sys: sys, stats: c.Stats}
	fresh := func() error {
		r.w = newWorld(newModel(sys.clock.now(), resources(target)), sys.keys != nil)
		r.last, r.trace = nil, nil
		if err := r.start(ctx); err != nil { // the rows of the worlds left before
			return err
		}
		if err := r.step(ctx, r.w.next(src, false), nil); err != nil {
			return err
		}
		if len(r.w.m.accounts) != 1 {
			return fmt.Errorf("modeltest: the world's first operation made no account:\n%s", strings.Join(r.trace, "\n"))
		}
		return nil
	}
	start := time.Now()
	if err := fresh(); err != nil {
		t.Fatal(err)
	}
	var nodes int64
	for round := range c.Rounds {
		if round > 0 && round%c.Restart == 0 {
			if err := r.retire(ctx); err != nil {
				t.Fatalf("modeltest: seed %d, world %d at its end: %v\n\nthe world's history:\n%s", c.Seed, r.worlds, err, strings.Join(r.trace, "\n"))
			}
			if err := fresh(); err != nil {
				t.Fatal(err)
			}
		}
		n, err := r.round(ctx, src, c.Actors, round)
		nodes += int64(n)
		if err != nil {
			t.Fatalf("modeltest: seed %d (-modeltest.seed=%d), world %d, round %d: %v", c.Seed, c.Seed, r.worlds, round, err)
		}
	}
	if err := r.final(ctx); err != nil {
		t.Fatalf("modeltest: seed %d, world %d at the end: %v", c.Seed, r.worlds, err)
	}
	if err := r.recheck(ctx); err != nil {
		t.Fatalf("modeltest: seed %d at the end: %v", c.Seed, err)
	}
	d := time.Since(start)
	t.Logf("modeltest: contended: %s; %d rounds explained by an order of their operations (%d search steps) in %v (%.0f operations/s)",
		c.Stats, c.Rounds, nodes, d.Round(time.Millisecond), float64(c.Stats.Ops.Load())/d.Seconds())
}

// notLinearizable are operations the library does not make atomic, left
// out of the rounds (still checked alone, in Run and in the reads after
// every round), each with what this suite found. None at present:
// TransferOwnership was, while membership read the account owner and the
// memberships in separate statements (Team, Member and the checks of
// Remove and ChangeRole): a transfer committing between them gave a team
// with the old owner as owner and without the new one, a member before
// and the owner after. Membership now reads them as one view.
var notLinearizable = map[string]string{}

// contendedKinds are the kinds a round draws from: all but a new account,
// the clock, and notLinearizable.
var contendedKinds = func() []kind {
	var out []kind
	for _, k := range kinds {
		if k.name != "CreateAccount" && !k.clock && notLinearizable[k.name] == "" {
			out = append(out, k)
		}
	}
	return out
}()

// sticky is a source that answers every draw of one of its labels with
// the round's first answer: the actors of a focused round name the same
// token, key, record, workspace, name.
type sticky struct {
	s    source
	memo map[string]int
}

var stickyLabels = map[string]bool{"token": true, "invitation": true, "key": true, "secret": true, "record": true,
	"workspace": true, "name": true, "role name": true, "fresh id": true, "new id": true, "invitee": true, "table": true}

func (s sticky) intn(n int, label string) int {
	if !stickyLabels[label] {
		return s.s.intn(n, label)
	}
	k := fmt.Sprintf("%s/%d", label, n)
	if v, ok := s.memo[k]; ok {
		return v
	}
	v := s.s.intn(n, label)
	s.memo[k] = v
	return v
}

// call is one operation of a round, as it ran, or one step of it.
type call struct {
	o         op
	got       result
	inv, resp time.Time
	// step is what the search checks when it places the call; first is
	// the index of an operation's first step in its second, else -1.
	step  stepKind
	first int
}

// An operation is placed at one point of the order, with every check it
// makes and its effect: the strict pass, linearizability proper. It has
// one exception, where the services themselves work in two steps:
//
//   - Optimistic conflicts: membership reads the member or the invitation
//     it acts on, checks the caller against it, then locks and reads it
//     again in the transaction and refuses with ErrConflict ("changed
//     concurrently, retry") when it changed. Such an outcome is placed as
//     seen, where the model lets the operation through (what it acts on is
//     noted: the member's role and version, the invitation's status and
//     token), then conflicted, where what it acts on is no longer what was
//     seen. The model predicts it at no single point.
//
// A round the strict pass cannot explain gets a second, looser pass, for
// what the services do not make atomic: they decide permissions from the
// Authorizer's snapshot and read access (GetAccess) before their
// transaction, in several statements, and check again inside it. So an
// operation that overlaps a change of its actor's role, a removal, a
// revocation or a deletion may pass its first check before the change and
// meet the change in its transaction: a key's read of itself returning
// after its revocation, a removal refused NotFound because its target went
// away after the permission was granted, an update refused Forbidden
// because the Authorizer was asked after the caller left. In this pass:
//
//   - a success of a scoped operation is placed as two steps: decided,
//     where the scope's role and permissions are noted, then done, where
//     every other check and the effect happen with those permissions (a
//     workspace deleted in between is seen empty: a read must return
//     what an empty workspace holds, a write must not succeed);
//   - a refusal is placed at a point where the model refuses the
//     operation too, for whatever reason: under contention the class of a
//     refusal may be that of another check than the model's first (Run,
//     alone, checks classes exactly).
//
// Successes stay exact in both passes (their returned data and effects
// at one point, given the permissions decided), every refusal must change
// nothing (the state after the round is compared), and both steps of an
// operation lie within its interval, the first before the second.
type stepKind int

const (
	whole stepKind = iota
	seen
	conflicted
	decided
	done
	refusal
)

var stepNames = map[stepKind]string{seen: "seen", conflicted: "conflicted", decided: "decided", done: "done", refusal: "(any refusal)"}

// retryConflict reports the services' optimistic ErrConflict (one
// sentinel with a broken uniqueness rule; told apart by its text).
func retryConflict(r result) bool {
	return r.err == errConflict && r.raw != nil && strings.Contains(r.raw.Error(), "changed concurrently")
}

// splitSteps places the round's calls for a pass (loose: the second);
// the steps of one share its interval.
func splitSteps(calls []call, loose bool) []call {
	var out []call
	for _, c := range calls {
		c.first = -1
		_, scopedOp := c.o.(interface{ scopeOf() workspace.Scope })
		two := [2]stepKind{}
		switch {
		case retryConflict(c.got):
			two = [2]stepKind{seen, conflicted}
		case loose && scopedOp && c.got.err == errNone:
			two = [2]stepKind{decided, done}
		case loose && c.got.err != errNone:
			c.step = refusal
		}
		if two[0] != whole {
			a := c
			a.step = two[0]
			out = append(out, a)
			c.step, c.first = two[1], len(out)-1
		}
		out = append(out, c)
	}
	return out
}

// actsOn renders what an operation that may meet a concurrent change acts
// on (membership's lockMember and lockPending compare it); others give
// their whole workspace.
type actsOn interface{ actsOn(m *model) string }

func actedOn(o op, m *model) string {
	if a, ok := o.(actsOn); ok {
		return a.actsOn(m)
	}
	ws, _ := o.where()
	return m.render(ws)
}

func memberLine(m *model, ws uuid.UUID, u workspace.UserID) string {
	if w, ok := m.ws[ws]; ok {
		if mm, ok := w.members[u]; ok {
			return fmt.Sprintf("%s v=%d", mm.role, mm.version)
		}
	}
	return "none"
}

func inviteState(m *model, ws, id uuid.UUID) string {
	if w, ok := m.ws[ws]; ok {
		if inv, ok := w.invites[id]; ok {
			return fmt.Sprintf("%s %s", inv.status, inv.token)
		}
	}
	return "none"
}

func (o *opChangeRole) actsOn(m *model) string { return memberLine(m, o.sc.WorkspaceID, o.user) }
func (o *opRemove) actsOn(m *model) string     { return memberLine(m, o.sc.WorkspaceID, o.user) }
func (o *opLeave) actsOn(m *model) string      { return memberLine(m, o.sc.WorkspaceID, o.sc.UserID) }
func (o *opResend) actsOn(m *model) string     { return inviteState(m, o.sc.WorkspaceID, o.id) }
func (o *opRevoke) actsOn(m *model) string     { return inviteState(m, o.sc.WorkspaceID, o.id) }

// rowsOf renders what a workspace holds of its own (not the lines of its
// account).
func rowsOf(m *model, ws uuid.UUID) string {
	r := m.render(ws)
	for range 2 {
		_, r, _ = strings.Cut(r, "\n")
	}
	return r
}

// mark is what a first step noted for its second.
type mark struct {
	seen string
	g    grant
}

func (k mark) String() string { return fmt.Sprintf("%s|%s|%v", k.seen, k.g.role, sorted(k.g.perms)) }

// place checks call i at this point of an order: on m (a clone it may
// change), with marks (what first steps noted, by call). It returns
// whether the call's outcome is explained here, what the model said, and
// the marks from here on.
func (s *search) place(i int, m *model, marks map[int]mark) (ok bool, said string, _ map[int]mark) {
	c := s.calls[i]
	defer func() {
		// A model made for one point may meet a state it does not
		// expect at another (a scope's workspace gone while its decision
		// holds): not an explanation.
		if p := recover(); p != nil {
			ok, said = false, fmt.Sprintf("(the model cannot place it here: %v)", p)
		}
	}()
	note := func(k mark) map[int]mark {
		out := maps.Clone(marks)
		if out == nil {
			out = map[int]mark{}
		}
		out[i] = k
		return out
	}
	switch c.step {
	case seen:
		want := c.o.expect(m.clone(), result{})
		if want.err != errNone {
			return false, want.String(), marks
		}
		return true, want.String(), note(mark{seen: actedOn(c.o, m)})
	case conflicted:
		now := actedOn(c.o, m)
		return now != marks[c.first].seen, "unchanged since seen: " + now, marks
	case decided:
		sc := c.o.(interface{ scopeOf() workspace.Scope }).scopeOf()
		g := grant{m.scopeRole(sc), m.actorPerms(sc)}
		return true, fmt.Sprintf("role %q", g.role), note(mark{g: g})
	case done:
		sc := c.o.(interface{ scopeOf() workspace.Scope }).scopeOf()
		decide := map[workspace.Scope]grant{sc: marks[c.first].g}
		if _, live := m.ws[sc.WorkspaceID]; live {
			m.decided = decide
			want := c.o.expect(m, c.got)
			m.decided = nil
			return same(want, c.got), want.String(), marks
		}
		// The workspace was deleted since the decision: the operation
		// saw it empty.
		account, ok := m.gone[sc.WorkspaceID]
		if !ok {
			return false, "(its workspace never was)", marks
		}
		mg := m.clone()
		g := mg.newWorkspace(sc.WorkspaceID, account, "", "")
		g.ghost = true
		empty := rowsOf(mg, sc.WorkspaceID)
		mg.decided = decide
		want := c.o.expect(mg, c.got)
		mg.decided = nil
		if rowsOf(mg, sc.WorkspaceID) != empty {
			return false, "a change of a workspace gone", marks
		}
		if !same(want, c.got) {
			return false, want.String() + " (its workspace gone, seen empty)", marks
		}
		delete(mg.ws, sc.WorkspaceID)
		*m = *mg
		return true, want.String(), marks
	case refusal:
		if strings.HasPrefix(c.got.err, errOtherPrefix) {
			return false, "(not a refusal of the library's)", marks
		}
		want := c.o.expect(m.clone(), c.got)
		return want.err != errNone, want.String(), marks
	}
	want := c.o.expect(m, c.got)
	return same(want, c.got), want.String(), marks
}

// round draws, runs and explains one round; it returns the search's
// steps.
func (r *runner) round(ctx context.Context, src source, actors, n int) (int, error) {
	w := r.w
	var gen source = src
	ks := contendedKinds
	style := "mixed"
	switch src.intn(3, "round") {
	case 1:
		gen, style = sticky{src, map[string]int{}}, "focused"
	case 2:
		k := w.nextKind(src, contendedKinds)
		gen, style, ks = sticky{src, map[string]int{}}, "themed "+k.name, []kind{k}
	}
	calls := make([]call, actors)
	for i := range calls {
		calls[i].o = w.nextFrom(gen, ks)
	}
	// Release them at once.
	var ready, done sync.WaitGroup
	startGun := make(chan struct{})
	for i := range calls {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-startGun
			calls[i].inv = time.Now()
			calls[i].got = calls[i].o.run(ctx, r.sys)
			calls[i].resp = time.Now()
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(startGun)
	done.Wait()
	r.stats.Ops.Add(int64(actors))

	// What the store holds now, around the services: every workspace the
	// world knows and those the round created; every invitation the world
	// knows and those the round made.
	wss := w.allWorkspaces()
	var newInvites []uuid.UUID
	for _, c := range calls {
		switch c.o.(type) {
		case *opCreate:
			if c.got.err == errNone && len(c.got.new.ids) == 1 {
				wss = append(wss, c.got.new.ids[0])
			}
		case *opInvite:
			if c.got.err == errNone && len(c.got.new.ids) == 1 {
				newInvites = append(newInvites, c.got.new.ids[0])
			}
		}
	}
	before := w.m
	snap, err := r.sys.read(ctx, wss, func(ws uuid.UUID) []uuid.UUID { return append(before.inviteIDs(ws), newInvites...) })
	if err != nil {
		return 0, err
	}
	r.stats.Checks.Add(int64(len(wss)))
	rows := -1
	if r.sys.t.Rows != nil {
		if rows, err = r.sys.t.Rows(ctx); err != nil {
			return 0, err
		}
		rows -= r.baseRows
		r.stats.Checks.Add(1)
	}

	// The strict pass, then the loose one (see stepKind).
	var (
		s     *search
		order []int
		m     *model
		nodes int
	)
	for _, loose := range []bool{false, true} {
		s = &search{calls: splitSteps(calls, loose), wss: wss, snap: snap, rows: rows, refuted: map[string]bool{}}
		order, m = s.explain(before, 0, nil, nil)
		nodes += s.nodes
		if order != nil {
			if loose {
				r.stats.Loose.Add(1)
			}
			break
		}
	}
	if order == nil && os.Getenv("MODELTEST_DEBUG") != "" {
		s.refuted, s.debug = map[string]bool{}, true
		s.explain(before, 0, nil, nil)
	}
	if order == nil {
		return nodes, mismatchf("no order of the round's operations explains what they returned and left (%s round; MODELTEST_DEBUG=1 prints the search)%s\n\nthe world's history (operation -> outcome):\n%s",
			style, s.report(t0), strings.Join(r.trace, "\n"))
	}
	// The order found is the world's history from here.
	r.w.m = m
	r.trace = append(r.trace, fmt.Sprintf("-- round %d (%s), %d operations at once, in the order that explains them:", n, style, actors))
	for _, i := range order {
		c := s.calls[i]
		r.trace = append(r.trace, fmt.Sprintf("   %-69s -> %s", s.name(i), c.got))
		if c.step == seen || c.step == decided {
			continue // its second step follows
		}
		if c.got.err != errNone {
			r.stats.Refused.Add(1)
		} else {
			r.w.learn(c.o, c.got)
		}
	}
	r.last = snap
	// Every Authorizer decision, and each actor's own reads, against the
	// order's model.
	if err := r.decisions(ctx); err != nil {
		return nodes, fmt.Errorf("after the round, in the order that explains it: %w\n\nthe world's history:\n%s", err, strings.Join(r.trace, "\n"))
	}
	seen := map[workspace.Scope]bool{}
	for _, c := range calls {
		if so, ok := c.o.(interface{ scopeOf() workspace.Scope }); ok && !seen[so.scopeOf()] {
			seen[so.scopeOf()] = true
			if err := r.view(ctx, so.scopeOf()); err != nil {
				return nodes, fmt.Errorf("after the round, in the order that explains it: %w\n\nthe world's history:\n%s", err, strings.Join(r.trace, "\n"))
			}
		}
	}
	return nodes, nil
}

// search looks for an order of a round's calls that explains them.
type search struct {
	calls []call
	wss   []uuid.UUID
	snap  snapshot
	rows  int // the host tables' rows of the world, -1 unknown
	// refuted are the (placed, model) states no order completes from.
	refuted map[string]bool
	nodes   int
	debug   bool
	// best is the longest explained prefix and, at its end, what the
	// model said of each call that could come next; end is set when
	// every outcome was explained but no such order left the store's
	// state.
	best    []int
	bestWhy []string
	end     string
}

const maxSearch = 200_000

// explain extends the order (the calls in placed) from model m.
func (s *search) explain(m *model, placed uint, order []int, marks map[int]mark) ([]int, *model) {
	s.nodes++
	if len(order) == len(s.calls) {
		if d := s.differs(m); d != "" {
			if s.end == "" {
				s.end = d
			}
			return nil, nil
		}
		return order, m
	}
	if s.nodes > maxSearch {
		return nil, nil
	}
	key := s.key(m, placed, marks)
	if s.refuted[key] {
		return nil, nil
	}
	var why []string
	for i, c := range s.calls {
		if placed&(1<<i) != 0 || !s.mayGoNext(i, placed) {
			continue
		}
		mc := m.clone()
		ok, said, mk := s.place(i, mc, marks)
		if s.debug {
			fmt.Println("DEBUG", order, i, ok, s.name(i), c.got, "model:", said)
		}
		if !ok {
			why = append(why, fmt.Sprintf("   #%d %s: got %s, the model says %s", i, s.name(i), describeErr(c.got), said))
			continue
		}
		if o, mm := s.explain(mc, placed|1<<i, append(slices.Clone(order), i), mk); o != nil {
			return o, mm
		}
	}
	if len(order) >= len(s.best) && why != nil {
		s.best, s.bestWhy = slices.Clone(order), why
	}
	s.refuted[key] = true
	return nil, nil
}

func (s *search) name(i int) string {
	c := s.calls[i]
	if c.step == whole {
		return c.o.String()
	}
	return c.o.String() + " " + stepNames[c.step]
}

// mayGoNext: no call still to place returned before call i started.
func (s *search) mayGoNext(i int, placed uint) bool {
	if a := s.calls[i].first; a >= 0 && placed&(1<<a) == 0 {
		return false
	}
	for j, c := range s.calls {
		if j != i && placed&(1<<j) == 0 && c.resp.Before(s.calls[i].inv) {
			return false
		}
	}
	return true
}

// key is the memo's key: the calls placed and the model's state as the
// store would show it (what tokens and secrets it knows follows from the
// calls placed).
func (s *search) key(m *model, placed uint, marks map[int]mark) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%x\n", placed)
	for _, i := range slices.Sorted(maps.Keys(marks)) {
		fmt.Fprintf(&b, "%d=%s\n", i, marks[i].String())
	}
	for _, ws := range s.wss {
		b.WriteString(m.render(ws))
	}
	return b.String()
}

// differs compares a complete order's model with the store after the
// round.
func (s *search) differs(m *model) string {
	for _, ws := range s.wss {
		if want := m.render(ws); s.snap[ws] != want {
			return fmt.Sprintf("workspace %s differs from the model:\n%s", short(ws), diff(want, s.snap[ws]))
		}
	}
	if s.rows >= 0 && s.rows != m.totalRows() {
		return fmt.Sprintf("the host tables hold %d rows of the world, the model %d", s.rows, m.totalRows())
	}
	return ""
}

// report renders a round no order explains.
func (s *search) report(t0 time.Time) string {
	var b strings.Builder
	b.WriteString("\n\nthe round (started, returned, in µs from its start):\n")
	for i, c := range s.calls {
		fmt.Fprintf(&b, "   #%d [%6d, %6d] %-60s -> %s\n", i, c.inv.Sub(t0).Microseconds(), c.resp.Sub(t0).Microseconds(), s.name(i), describeErr(c.got))
	}
	if s.nodes > maxSearch {
		fmt.Fprintf(&b, "\n(the search gave up after %d steps)\n", maxSearch)
	}
	if s.end != "" {
		b.WriteString("\nevery outcome has an order that explains it, but none of them leaves what the store holds; the first:\n" + s.end)
		return b.String()
	}
	b.WriteString("\nthe longest prefix explained:")
	for _, i := range s.best {
		fmt.Fprintf(&b, " #%d", i)
	}
	b.WriteString("\nafter it, no call can come next:\n" + strings.Join(s.bestWhy, "\n"))
	return b.String()
}
