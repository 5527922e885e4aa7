package modeltest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// world is one sequence's actors and what they have seen: its users (ids
// unique to the sequence, so that sequences can share a database), the
// model, and every id, token and secret handed out, which later operations
// reuse, in their own workspace or, as refusals, in another.
type world struct {
	tag     string
	users   []workspace.UserID
	m       *model
	invites []uuid.UUID // every invitation id ever made
	keys    []uuid.UUID // every API key id ever made
	tokens  []string    // every invitation token ever handed out
	secrets []string    // every API key secret ever handed out
	records []uuid.UUID // every record id ever inserted, any table
	// scopes are the scopes each user was last handed (Enter, Accept):
	// kept as a host keeps them in a session, and reused after they went
	// stale.
	scopes map[workspace.UserID]map[uuid.UUID]workspace.Scope
	keys_  bool // the store has API keys
}

const nUsers = 5

func newWorld(m *model, withKeys bool) *world {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	w := &world{tag: hex.EncodeToString(b), m: m, scopes: map[workspace.UserID]map[uuid.UUID]workspace.Scope{}, keys_: withKeys}
	for i := range nUsers {
		w.users = append(w.users, workspace.UserID(fmt.Sprintf("mt-%s-u%d", w.tag, i)))
	}
	return w
}

func (w *world) email(u workspace.UserID) string { return string(u) + "@example.com" }

// allWorkspaces lists live and deleted workspaces, in a stable order.
func (w *world) allWorkspaces() []uuid.UUID {
	out := sortedIDs(w.m.ws)
	return append(out, sortedIDs(w.m.gone)...)
}

func (w *world) accountOf(ws uuid.UUID) uuid.UUID {
	if x, ok := w.m.ws[ws]; ok {
		return x.account
	}
	return w.m.gone[ws]
}

// actors are the users and every API key ever made (as their scopes'
// users).
func (w *world) actors() []workspace.UserID {
	out := slices.Clone(w.users)
	for _, k := range w.keys {
		out = append(out, workspace.KeyUser(k))
	}
	return out
}

// pickScope makes the scope an operation runs in: mostly a user in a
// workspace where they hold a role (as Switch made it), otherwise a stale
// or forged one (a removed member, a deleted workspace, another account's
// workspace, a revoked key), which every scoped call must refuse.
func (w *world) pickScope(s source) (workspace.Scope, bool) {
	all := w.allWorkspaces()
	if len(all) == 0 {
		return workspace.Scope{}, false
	}
	if !chance(s, "stale or forged scope", 20) {
		type pair struct {
			u  workspace.UserID
			ws uuid.UUID
		}
		var live []pair
		wss := sortedIDs(w.m.ws)
		for _, u := range w.actors() {
			for _, ws := range wss {
				if w.m.role(ws, u) != "" {
					live = append(live, pair{u, ws})
				}
			}
		}
		if len(live) > 0 {
			p := pick(s, "actor in workspace", live)
			return w.scope(p.u, p.ws), true
		}
	}
	u := pick(s, "actor", w.actors())
	ws := pick(s, "workspace", all)
	return w.scope(u, ws), true
}

func (w *world) scope(u workspace.UserID, ws uuid.UUID) workspace.Scope {
	if sc, ok := w.scopes[u][ws]; ok {
		return sc
	}
	return workspace.Scope{AccountID: w.accountOf(ws), WorkspaceID: ws, UserID: u}
}

func (w *world) remember(sc workspace.Scope) {
	if w.scopes[sc.UserID] == nil {
		w.scopes[sc.UserID] = map[uuid.UUID]workspace.Scope{}
	}
	w.scopes[sc.UserID][sc.WorkspaceID] = sc
}

// learn records what an operation handed out, for later operations.
func (w *world) learn(o op, got result) {
	switch o.(type) {
	case *opInvite, *opResend:
		if got.new.secret != "" {
			w.tokens = append(w.tokens, got.new.secret)
		}
		if len(got.new.ids) > 0 {
			w.invites = append(w.invites, got.new.ids[0])
		}
	case *opKeyCreate:
		if got.new.secret != "" {
			w.secrets = append(w.secrets, got.new.secret)
			w.keys = append(w.keys, got.new.ids[0])
		}
	case *opRecordWrite:
		if len(got.new.ids) > 0 {
			w.records = append(w.records, got.new.ids[0])
		}
	}
	if got.new.scope.Valid() {
		w.remember(got.new.scope)
	}
}
