package modeltest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// The search of RunContended on rounds made by hand: it explains what
// some order explains, and nothing else.

var t0 = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

// at is a call that ran from a to b (µs after t0) and returned got.
func at(o op, a, b int, got result) call {
	return call{o: o, got: got, inv: t0.Add(time.Duration(a) * time.Microsecond), resp: t0.Add(time.Duration(b) * time.Microsecond)}
}

// world0: one account owned by u0, one workspace, u1 an admin, a pending
// invitation with its token.
func world0() (*model, uuid.UUID, string) {
	m := newModel(t0, []string{"agents"})
	acc, ws := uuid.New(), uuid.New()
	m.accounts[acc] = &mAccount{id: acc, name: "a", owner: "u0", version: 1}
	w := m.newWorkspace(ws, acc, "Sales", "")
	w.members["u1"] = &mMember{role: workspace.RoleAdmin, version: 1}
	inv := &mInvite{id: uuid.New(), ws: ws, email: "u2@example.com", role: workspace.RoleMember,
		status: membership.StatusPending, expires: t0.Add(inviteTTL), token: "tok"}
	w.invites[inv.id] = inv
	m.tokens["tok"] = inv.id
	return m, ws, "tok"
}

func explainRound(m *model, ws uuid.UUID, after *model, calls []call) ([]int, *search) {
	for _, loose := range []bool{false, true} {
		s := &search{calls: splitSteps(calls, loose), wss: []uuid.UUID{ws}, snap: snapshot{ws: after.render(ws)}, rows: after.totalRows(), refuted: map[string]bool{}}
		if order, _ := s.explain(m, 0, nil, nil); order != nil {
			return order, s
		}
		if loose {
			return nil, s
		}
	}
	panic("unreachable")
}

func accepted(ws uuid.UUID) result {
	return result{val: fmt.Sprintf("ws=%s role=%s v=1", ws, workspace.RoleMember)}
}

func TestSearchOneTokenTwoAccepts(t *testing.T) {
	m, ws, tok := world0()
	after := m.clone()
	(&opAccept{"u3", tok}).expect(after, result{})

	// One wins, the other finds the token used: some order explains it,
	// whichever ran first in real time among overlapping calls.
	calls := []call{at(&opAccept{"u3", tok}, 0, 10, accepted(ws)), at(&opAccept{"u4", tok}, 2, 12, fail(errTokenUsed))}
	if order, s := explainRound(m, ws, after, calls); order == nil {
		t.Fatalf("not explained:%s", s.report(t0))
	}
	// Both win: no order explains a token used twice.
	calls[1].got = accepted(ws)
	if order, _ := explainRound(m, ws, after, calls); order != nil {
		t.Fatalf("a token accepted twice was explained by %v", order)
	}
	// The loser returned before the winner started: real time forbids
	// putting the winner first.
	calls = []call{at(&opAccept{"u4", tok}, 0, 5, fail(errTokenUsed)), at(&opAccept{"u3", tok}, 6, 12, accepted(ws))}
	if order, _ := explainRound(m, ws, after, calls); order != nil {
		t.Fatalf("an order against real time was taken: %v", order)
	}
}

func TestSearchStateMustMatch(t *testing.T) {
	m, ws, _ := world0()
	sc := workspace.Scope{AccountID: m.ws[ws].account, WorkspaceID: ws, UserID: "u0"}
	// Two renames, both ok: the store's final name decides the order.
	a, b := "Ops", "Lab"
	ua := &opUpdate{scoped: scoped{sc}, id: ws, name: &a}
	ub := &opUpdate{scoped: scoped{sc}, id: ws, name: &b}
	calls := []call{at(ua, 0, 10, result{val: "Ops|"}), at(ub, 1, 11, result{val: "Lab|"})}
	for _, last := range []string{"Ops", "Lab"} {
		after := m.clone()
		after.ws[ws].name = last
		order, s := explainRound(m, ws, after, calls)
		if order == nil {
			t.Fatalf("final name %s not explained:%s", last, s.report(t0))
		}
		if got := s.calls[order[1]].o.(*opUpdate).name; *got != last {
			t.Fatalf("final name %s explained with %s last", last, *got)
		}
	}
	// A name neither wrote: no order.
	after := m.clone()
	after.ws[ws].name = "Dev"
	if order, _ := explainRound(m, ws, after, calls); order != nil {
		t.Fatalf("a state no order leaves was explained by %v", order)
	}
}

func TestSearchPlanLimit(t *testing.T) {
	m, ws, _ := world0()
	sc := workspace.Scope{AccountID: m.ws[ws].account, WorkspaceID: ws, UserID: "u1"}
	// Seats: the owner, u1 and the pending invitation are 3 of 4: one
	// more invitation fits, not two.
	ia := &opInvite{scoped{sc}, "u3@example.com", workspace.RoleViewer}
	ib := &opInvite{scoped{sc}, "u4@example.com", workspace.RoleViewer}
	idA, idB := uuid.New(), uuid.New()
	okA := result{val: "u3@example.com viewer", new: generated{ids: []uuid.UUID{idA}, secret: "ta"}}
	okB := result{val: "u4@example.com viewer", new: generated{ids: []uuid.UUID{idB}, secret: "tb"}}
	after := m.clone()
	ia.expect(after, okA)
	calls := []call{at(ia, 0, 10, okA), at(ib, 0, 10, fail(errPlanLimit))}
	if order, s := explainRound(m, ws, after, calls); order == nil {
		t.Fatalf("not explained:%s", s.report(t0))
	}
	ib.expect(after, okB) // both in the store: over the plan
	calls[1].got = okB
	if order, _ := explainRound(m, ws, after, calls); order != nil {
		t.Fatalf("two invitations over the plan were explained by %v", order)
	}
}

func TestSearchDecidedBeforeRevocation(t *testing.T) {
	m, ws, _ := world0()
	w := m.ws[ws]
	key := &mKey{id: uuid.New(), ws: ws, account: w.account, name: "ci", role: workspace.RoleMember, secret: "s"}
	w.keys[key.id] = key
	m.secrets["s"] = key.id
	owner := workspace.Scope{AccountID: w.account, WorkspaceID: ws, UserID: "u0"}
	self := workspace.Scope{AccountID: w.account, WorkspaceID: ws, UserID: workspace.KeyUser(key.id)}
	revoke := &opKeyChange{scoped: scoped{owner}, id: key.id, kind: "revoke"}
	get := &opKeyGet{scoped{self}, key.id}
	after := m.clone()
	revoke.expect(after, result{})
	revoked := *key
	revoked.revoked = true
	// The key's read of itself, permitted before the revocation, returns
	// it revoked: no single point explains it, the loose pass does.
	calls := []call{at(revoke, 0, 10, result{}), at(get, 1, 12, result{val: revoked.line()})}
	s := &search{calls: splitSteps(calls, false), wss: []uuid.UUID{ws}, snap: snapshot{ws: after.render(ws)}, rows: 0, refuted: map[string]bool{}}
	if order, _ := s.explain(m, 0, nil, nil); order != nil {
		t.Fatalf("the strict pass explained it: %v", order)
	}
	if order, s := explainRound(m, ws, after, calls); order == nil {
		t.Fatalf("not explained:%s", s.report(t0))
	}
	// Had the read started after the revocation returned, the key could
	// not have been permitted.
	calls = []call{at(revoke, 0, 10, result{}), at(get, 11, 12, result{val: revoked.line()})}
	if order, _ := explainRound(m, ws, after, calls); order != nil {
		t.Fatalf("a read permitted after its key's revocation was explained by %v", order)
	}
}
