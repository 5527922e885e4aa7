package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// KeyStore is a store with API keys (package apikey): store.Store, the
// keys' own methods, and rbac.KeyGrants, through which the Authorizer
// decides for a key's scope. memstore and bunstore are KeyStores.
type KeyStore interface {
	store.Store
	apikey.Store
	rbac.KeyGrants
}

// keyGroups are the parts of RunKeys, in order, named as in test names:
// go test -run 'TestConformance/keys/isolation'.
var keyGroups = []group{
	{"contract", func(t *testing.T, h Harness) { runKeyTests(t, h, keyContractTests) }},
	{"isolation", func(t *testing.T, h Harness) { runKeyTests(t, h, keyIsolationTests) }},
	{"concurrency", func(t *testing.T, h Harness) { runKeyTests(t, h, keyConcurrencyTests) }},
	{"services", runKeyServices},
}

// RunKeys runs the API keys' conformance suite against the stores h makes,
// each of which must be a KeyStore: every method of apikey.Store and
// rbac.KeyGrants with its documented errors, ordering and paging, the
// keys' part of CountRoleHolders and ReassignRole, their removal with
// their workspace, isolation between workspaces and accounts, the
// row-lock races the service relies on, and the apikey service itself
// over the store (authentication, revocation under concurrency, the plan
// limit, the change log). A store implementation calls it next to Run:
//
//	storetest.RunKeys(t, storetest.Harness{New: func(*testing.T) store.Store { return memstore.New() }})
//
// Its tests make fresh ids and names like Run's, so the harness may hand
// out one store to every test.
func RunKeys(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	t.Run("keys", func(t *testing.T) {
		for _, g := range keyGroups {
			t.Run(g.name, func(t *testing.T) { g.run(t, h) })
		}
	})
}

// keyStoreOf is the store under test as a KeyStore, failing the test if
// it is not one.
func keyStoreOf(t *testing.T, st store.Store) KeyStore {
	t.Helper()
	ks, ok := st.(KeyStore)
	require.True(t, ok, "storetest: %T does not implement apikey.Store and rbac.KeyGrants (RunKeys needs a KeyStore)", st)
	return ks
}

// keyEnv is env with the store's keys.
type keyEnv struct {
	*env
	ks KeyStore
}

type keyTest struct {
	name string
	run  func(t *testing.T, e *keyEnv)
}

func runKeyTests(t *testing.T, h Harness, tests []keyTest) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := h.New(t)
			ks := keyStoreOf(t, st)
			tc.run(t, &keyEnv{env: newEnv(t, st), ks: ks})
		})
	}
}

// newKey returns a key of w as a store returns it (with w's account),
// not yet stored.
func (e *keyEnv) newKey(w workspace.Workspace, name string, role workspace.Role) apikey.Key {
	return apikey.Key{
		ID: uuid.New(), WorkspaceID: w.ID, AccountID: w.AccountID, Name: name, Role: role,
		CreatedBy: e.user("creator"), CreatedAt: e.now, Hash: e.token(),
	}
}

// key stores a key of w, changed by edits first.
func (e *keyEnv) key(w workspace.Workspace, name string, role workspace.Role, edits ...func(*apikey.Key)) apikey.Key {
	e.t.Helper()
	k := e.newKey(w, name, role)
	for _, edit := range edits {
		edit(&k)
	}
	require.NoError(e.t, e.ks.CreateKey(e.ctx, k))
	return k
}

func revoked(at time.Time) func(*apikey.Key) { return func(k *apikey.Key) { k.RevokedAt = at } }
func expires(at time.Time) func(*apikey.Key) { return func(k *apikey.Key) { k.ExpiresAt = at } }

func (e *keyEnv) getKey(id uuid.UUID) apikey.Key {
	e.t.Helper()
	k, err := e.ks.GetKey(e.ctx, id)
	require.NoError(e.t, err)
	return normKey(k)
}

// lockKey runs LockKey in a transaction of its own.
func (e *keyEnv) lockKey(ws, id uuid.UUID) (apikey.Key, error) {
	var k apikey.Key
	err := e.atomic(func(ctx context.Context) error {
		var err error
		k, err = e.ks.LockKey(ctx, ws, id)
		return err
	})
	return normKey(k), err
}

// keys lists every key of the workspace.
func (e *keyEnv) keys(ws uuid.UUID) []apikey.Key {
	e.t.Helper()
	ks, err := e.ks.ListKeys(e.ctx, ws, uuid.Nil, workspace.MaxPageSize)
	require.NoError(e.t, err)
	return normKeys(ks)
}

func (e *keyEnv) grants(ws uuid.UUID) []rbac.KeyGrant {
	e.t.Helper()
	gs, err := e.ks.ListKeyGrants(e.ctx, ws)
	require.NoError(e.t, err)
	return normGrants(gs)
}

func normKey(k apikey.Key) apikey.Key {
	k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt = k.CreatedAt.UTC(), k.ExpiresAt.UTC(), k.RevokedAt.UTC(), k.LastUsedAt.UTC()
	if len(k.Hash) == 0 {
		k.Hash = nil
	}
	return k
}

func normKeys(ks []apikey.Key) []apikey.Key {
	out := make([]apikey.Key, 0, len(ks))
	for _, k := range ks {
		out = append(out, normKey(k))
	}
	return out
}

func normGrants(gs []rbac.KeyGrant) []rbac.KeyGrant {
	out := make([]rbac.KeyGrant, 0, len(gs))
	for _, g := range gs {
		g.ExpiresAt = g.ExpiresAt.UTC()
		out = append(out, g)
	}
	return out
}

func grantOf(k apikey.Key) rbac.KeyGrant {
	return rbac.KeyGrant{KeyID: k.ID, Role: k.Role, ExpiresAt: k.ExpiresAt}
}

func sortKeys(ks []apikey.Key) []apikey.Key {
	slices.SortFunc(ks, func(a, b apikey.Key) int { return compareIDs(a.ID, b.ID) })
	return ks
}

func keyIDs(ks []apikey.Key) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ks))
	for _, k := range ks {
		out = append(out, k.ID)
	}
	return out
}

var keyContractTests = []keyTest{
	{"CreateKey/GetKey round trip, with the workspace's account and the hash", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		k := e.key(w, "CI deploy", workspace.RoleMember)
		require.Equal(t, k, e.getKey(k.ID))

		full := e.newKey(w, "every field", workspace.RoleViewer)
		full.ExpiresAt, full.RevokedAt, full.LastUsedAt = e.at(time.Hour), e.at(time.Minute), e.at(time.Second)
		full.AccountID = uuid.New() // ignored: the workspace's account is returned
		require.NoError(t, e.ks.CreateKey(e.ctx, full))
		full.AccountID = a.ID
		require.Equal(t, full, e.getKey(full.ID))
	}},
	{"CreateKey with an id in use, in any workspace, is ErrConflict and changes nothing", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		other := e.workspace(e.account(e.user("other")).ID, "Sales")
		k := e.key(w, "original", workspace.RoleMember)
		for _, ws := range []workspace.Workspace{w, sibling, other} {
			dup := e.newKey(ws, "duplicate", workspace.RoleAdmin)
			dup.ID = k.ID
			conflict(t, e.ks.CreateKey(e.ctx, dup))
			if ws.ID != w.ID {
				require.Empty(t, e.keys(ws.ID))
				require.Empty(t, e.grants(ws.ID))
			}
		}
		require.Equal(t, k, e.getKey(k.ID))
		require.Equal(t, []apikey.Key{k}, e.keys(w.ID))
	}},
	{"CreateKey in an unknown workspace is ErrNotFound and leaves the id free", func(t *testing.T, e *keyEnv) {
		k := e.newKey(workspace.Workspace{ID: uuid.New()}, "orphan", workspace.RoleMember)
		notFound(t, e.ks.CreateKey(e.ctx, k))
		_, err := e.ks.GetKey(e.ctx, k.ID)
		notFound(t, err)
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		again := e.newKey(w, "reuses the id", workspace.RoleMember)
		again.ID = k.ID
		require.NoError(t, e.ks.CreateKey(e.ctx, again))
	}},
	{"CreateKey without a hash is ErrInvalid", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		for _, hash := range [][]byte{nil, {}} {
			k := e.newKey(w, "no hash", workspace.RoleMember)
			k.Hash = hash
			require.ErrorIs(t, e.ks.CreateKey(e.ctx, k), workspace.ErrInvalid)
			_, err := e.ks.GetKey(e.ctx, k.ID)
			notFound(t, err)
		}
	}},
	{"a NUL byte in a key's text is ErrInvalid and writes nothing", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		k := e.key(w, "clean", workspace.RoleMember)
		for _, edit := range []func(*apikey.Key){
			func(k *apikey.Key) { k.Name = "a\x00b" },
			func(k *apikey.Key) { k.Role = "mem\x00ber" },
			func(k *apikey.Key) { k.CreatedBy = "u\x00" },
		} {
			bad := e.newKey(w, "new", workspace.RoleMember)
			edit(&bad)
			require.ErrorIs(t, e.ks.CreateKey(e.ctx, bad), workspace.ErrInvalid)
			_, err := e.ks.GetKey(e.ctx, bad.ID)
			notFound(t, err)
			u := k
			edit(&u)
			require.ErrorIs(t, e.ks.UpdateKey(e.ctx, u), workspace.ErrInvalid)
		}
		require.Equal(t, k, e.getKey(k.ID))
	}},
	{"GetKey of an unknown id is ErrNotFound", func(t *testing.T, e *keyEnv) {
		_, err := e.ks.GetKey(e.ctx, uuid.New())
		notFound(t, err)
	}},
	{"LockKey outside a transaction is ErrNoTransaction", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		k := e.key(w, "ci", workspace.RoleMember)
		_, err := e.ks.LockKey(e.ctx, w.ID, k.ID)
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		_, err = e.ks.LockKey(e.ctx, w.ID, uuid.New())
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
	}},
	{"LockKey returns the workspace's key in any state, or ErrNotFound", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		k := e.key(w, "ci", workspace.RoleMember)
		gone := e.key(w, "gone", workspace.RoleAdmin, revoked(e.at(time.Minute)), expires(e.at(-time.Hour)))
		for _, want := range []apikey.Key{k, gone} {
			got, err := e.lockKey(w.ID, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		_, err := e.lockKey(w.ID, uuid.New())
		notFound(t, err)
		_, err = e.lockKey(sibling.ID, k.ID)
		notFound(t, err, "another workspace's key")
		// A miss leaves the transaction usable.
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			_, err := e.ks.LockKey(ctx, sibling.ID, k.ID)
			notFound(t, err)
			got, err := e.ks.LockKey(ctx, w.ID, k.ID)
			require.Equal(t, k, normKey(got))
			return err
		}))
	}},
	{"UpdateKey replaces name, role and revoked time only", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		k := e.key(w, "ci", workspace.RoleMember, expires(e.at(time.Hour)))
		require.NoError(t, e.ks.TouchKeys(e.ctx, map[uuid.UUID]time.Time{k.ID: e.at(time.Second)}))
		k.LastUsedAt = e.at(time.Second)
		u := k
		u.Name, u.Role, u.RevokedAt = "renamed", workspace.RoleViewer, e.at(time.Minute)
		u.AccountID, u.CreatedBy, u.CreatedAt = uuid.New(), e.user("mallory"), e.at(-time.Hour)
		u.ExpiresAt, u.LastUsedAt, u.Hash = time.Time{}, e.at(time.Hour), e.token()
		require.NoError(t, e.ks.UpdateKey(e.ctx, u))
		want := k
		want.Name, want.Role, want.RevokedAt = u.Name, u.Role, u.RevokedAt
		require.Equal(t, want, e.getKey(k.ID))
		// The revoked time is replaced too: zero clears it.
		want.RevokedAt = time.Time{}
		require.NoError(t, e.ks.UpdateKey(e.ctx, want))
		require.Equal(t, want, e.getKey(k.ID))
	}},
	{"UpdateKey of an unknown id, or through another workspace, is ErrNotFound", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		k := e.key(w, "ci", workspace.RoleMember)
		notFound(t, e.ks.UpdateKey(e.ctx, e.newKey(w, "unknown", workspace.RoleAdmin)))
		u := k
		u.WorkspaceID, u.Name, u.Role, u.RevokedAt = sibling.ID, "hijacked", workspace.RoleOwner, e.now
		notFound(t, e.ks.UpdateKey(e.ctx, u))
		require.Equal(t, k, e.getKey(k.ID))
		require.Empty(t, e.keys(sibling.ID))
	}},
	{"ListKeys pages through the workspace's keys, revoked and expired ones included, by id", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		e.key(e.workspace(a.ID, "Support"), "elsewhere", workspace.RoleMember)
		var want []apikey.Key
		for i := range 7 {
			var edits []func(*apikey.Key)
			switch i % 3 {
			case 1:
				edits = append(edits, revoked(e.at(time.Minute)))
			case 2:
				edits = append(edits, expires(e.at(-time.Hour)))
			}
			want = append(want, e.key(w, "key "+string(rune('a'+i)), workspace.RoleMember, edits...))
		}
		sortKeys(want)
		require.Equal(t, want, e.keys(w.ID))
		var got []apikey.Key
		after := uuid.Nil
		for {
			page, err := e.ks.ListKeys(e.ctx, w.ID, after, 3)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 3)
			if len(page) == 0 {
				break
			}
			got = append(got, normKeys(page)...)
			after = page[len(page)-1].ID
		}
		require.Equal(t, want, got)
		page, err := e.ks.ListKeys(e.ctx, w.ID, want[2].ID, 2)
		require.NoError(t, err)
		require.Equal(t, want[3:5], normKeys(page))
		page, err = e.ks.ListKeys(e.ctx, w.ID, want[6].ID, 5)
		require.NoError(t, err)
		require.Empty(t, page)
		require.Empty(t, e.keys(uuid.New()))
	}},
	{"CountActiveKeys counts keys neither revoked nor expired at now", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		for i, exp := range []time.Duration{-time.Hour, 0, time.Microsecond, time.Hour} {
			e.key(w, "k"+string(rune('a'+i)), workspace.RoleMember, expires(e.at(exp)))
		}
		e.key(w, "never expires", workspace.RoleMember)
		e.key(w, "revoked", workspace.RoleMember, revoked(e.at(-time.Minute)))
		e.key(w, "revoked, unexpired", workspace.RoleMember, revoked(e.at(-time.Minute)), expires(e.at(time.Hour)))
		count := func(at time.Time) int { return e.count(e.ks.CountActiveKeys(e.ctx, w.ID, at)) }
		require.Equal(t, 3, count(e.now), "expiring at now is expired")
		require.Equal(t, 5, count(e.at(-2*time.Hour)))
		require.Equal(t, 1, count(e.at(2*time.Hour)), "the key that never expires")
		require.Zero(t, e.count(e.ks.CountActiveKeys(e.ctx, uuid.New(), e.now)))
	}},
	{"TouchKeys keeps the later time, across workspaces, skips unknown ids and writes nothing else", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		other := e.workspace(e.account(e.user("other")).ID, "Sales")
		k1 := e.key(w, "one", workspace.RoleMember)
		k2 := e.key(other, "two", workspace.RoleAdmin, expires(e.at(time.Hour)))
		k3 := e.key(w, "revoked", workspace.RoleViewer, revoked(e.now))
		untouched := e.key(w, "untouched", workspace.RoleMember)
		require.NoError(t, e.ks.TouchKeys(e.ctx, map[uuid.UUID]time.Time{}))
		require.NoError(t, e.ks.TouchKeys(e.ctx, map[uuid.UUID]time.Time{
			k1.ID: e.at(time.Minute), k2.ID: e.at(2 * time.Minute), k3.ID: e.at(3 * time.Minute), uuid.New(): e.at(time.Hour),
		}))
		k1.LastUsedAt, k2.LastUsedAt, k3.LastUsedAt = e.at(time.Minute), e.at(2*time.Minute), e.at(3*time.Minute)
		for _, k := range []apikey.Key{k1, k2, k3, untouched} {
			require.Equal(t, k, e.getKey(k.ID))
		}
		// An earlier time loses; a later one wins.
		require.NoError(t, e.ks.TouchKeys(e.ctx, map[uuid.UUID]time.Time{k1.ID: e.at(time.Second), k2.ID: e.at(time.Hour)}))
		k2.LastUsedAt = e.at(time.Hour)
		require.Equal(t, k1, e.getKey(k1.ID))
		require.Equal(t, k2, e.getKey(k2.ID))
		require.Equal(t, []apikey.Key{k2}, e.keys(other.ID))
		// In a transaction that rolls back, nothing is kept.
		require.ErrorIs(t, e.atomic(func(ctx context.Context) error {
			require.NoError(t, e.ks.TouchKeys(ctx, map[uuid.UUID]time.Time{k1.ID: e.at(2 * time.Hour)}))
			return errBoom
		}), errBoom)
		require.Equal(t, k1, e.getKey(k1.ID))
	}},
	{"ListKeyGrants lists keys not revoked, expired ones included, by id", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		e.role(w.ID, "auditor", permRead)
		e.key(e.workspace(a.ID, "Support"), "elsewhere", workspace.RoleMember)
		want := []rbac.KeyGrant{
			grantOf(e.key(w, "member", workspace.RoleMember)),
			grantOf(e.key(w, "expired", workspace.RoleAdmin, expires(e.at(-time.Hour)))),
			grantOf(e.key(w, "expiring", "auditor", expires(e.at(time.Hour)))),
		}
		e.key(w, "revoked", workspace.RoleAdmin, revoked(e.now))
		e.key(w, "revoked later", workspace.RoleOwner, revoked(e.at(time.Hour)))
		slices.SortFunc(want, func(a, b rbac.KeyGrant) int { return compareIDs(a.KeyID, b.KeyID) })
		require.Equal(t, want, e.grants(w.ID))
		require.Empty(t, e.grants(uuid.New()))
	}},
	{"CountRoleHolders counts keys not revoked, expired ones included", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.role(w.ID, "auditor", permRead)
		e.member(w.ID, e.user("bob"), "auditor")
		e.invite(w.ID, e.email("carol"), "auditor")
		e.key(w, "active", "auditor")
		e.key(w, "expired", "auditor", expires(e.at(-time.Hour)))
		e.key(w, "revoked", "auditor", revoked(e.now))
		e.key(w, "other role", workspace.RoleMember)
		require.Equal(t, 4, e.count(e.ks.CountRoleHolders(e.ctx, w.ID, "auditor")))
		require.Equal(t, 1, e.count(e.ks.CountRoleHolders(e.ctx, w.ID, workspace.RoleMember)))
	}},
	{"ReassignRole moves keys not revoked and counts only memberships", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.role(w.ID, "auditor", permRead)
		e.member(w.ID, e.user("bob"), "auditor")
		active := e.key(w, "active", "auditor")
		expired := e.key(w, "expired", "auditor", expires(e.at(-time.Hour)))
		gone := e.key(w, "revoked", "auditor", revoked(e.now))
		other := e.key(w, "other role", workspace.RoleMember)
		n, err := e.ks.ReassignRole(e.ctx, w.ID, "auditor", workspace.RoleViewer)
		require.NoError(t, err)
		require.Equal(t, 1, n, "memberships only")
		active.Role, expired.Role = workspace.RoleViewer, workspace.RoleViewer
		for _, k := range []apikey.Key{active, expired, gone, other} {
			require.Equal(t, k, e.getKey(k.ID))
		}
		require.Zero(t, e.count(e.ks.CountRoleHolders(e.ctx, w.ID, "auditor")), "the revoked key keeps its role and is not counted")
		require.Equal(t, 3, e.count(e.ks.CountRoleHolders(e.ctx, w.ID, workspace.RoleViewer)))
	}},
	{"DeleteWorkspace removes its keys and frees their ids", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		sibling := e.workspace(a.ID, "Support")
		k := e.key(w, "ci", workspace.RoleMember)
		gone := e.key(w, "revoked", workspace.RoleMember, revoked(e.now))
		kept := e.key(sibling, "ci", workspace.RoleMember)
		require.NoError(t, e.s.DeleteWorkspace(e.ctx, w.ID))
		for _, id := range []uuid.UUID{k.ID, gone.ID} {
			_, err := e.ks.GetKey(e.ctx, id)
			notFound(t, err)
		}
		require.Empty(t, e.keys(w.ID))
		require.Empty(t, e.grants(w.ID))
		require.Zero(t, e.count(e.ks.CountActiveKeys(e.ctx, w.ID, e.now)))
		require.Equal(t, kept, e.getKey(kept.ID))
		reused := e.newKey(sibling, "reused id", workspace.RoleViewer)
		reused.ID = k.ID
		require.NoError(t, e.ks.CreateKey(e.ctx, reused))
		require.Equal(t, reused, e.getKey(k.ID))
	}},
	{"a failed key write leaves the transaction usable; a rollback takes keys back", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		k := e.key(w, "ci", workspace.RoleMember)
		var next apikey.Key
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			dup := e.newKey(w, "dup", workspace.RoleMember)
			dup.ID = k.ID
			conflict(t, e.ks.CreateKey(ctx, dup))
			notFound(t, e.ks.CreateKey(ctx, e.newKey(workspace.Workspace{ID: uuid.New()}, "orphan", workspace.RoleMember)))
			notFound(t, e.ks.UpdateKey(ctx, e.newKey(w, "unknown", workspace.RoleMember)))
			next = e.newKey(w, "next", workspace.RoleAdmin)
			return e.ks.CreateKey(ctx, next)
		}))
		require.Equal(t, next, e.getKey(next.ID))

		var lost apikey.Key
		require.ErrorIs(t, e.atomic(func(ctx context.Context) error {
			lost = e.newKey(w, "lost", workspace.RoleMember)
			require.NoError(t, e.ks.CreateKey(ctx, lost))
			u := k
			u.Name, u.RevokedAt = "renamed", e.now
			require.NoError(t, e.ks.UpdateKey(ctx, u))
			got, err := e.ks.GetKey(ctx, lost.ID)
			require.NoError(t, err, "the transaction reads its own key")
			require.Equal(t, lost, normKey(got))
			return errBoom
		}), errBoom)
		_, err := e.ks.GetKey(e.ctx, lost.ID)
		notFound(t, err)
		require.Equal(t, k, e.getKey(k.ID))
		again := e.newKey(w, "again", workspace.RoleMember)
		again.ID = lost.ID
		require.NoError(t, e.ks.CreateKey(e.ctx, again), "the rolled-back id is free")
	}},
	{"keys are copied in and out", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		k := e.newKey(w, "ci", workspace.RoleMember)
		hash := slices.Clone(k.Hash)
		require.NoError(t, e.ks.CreateKey(e.ctx, k))
		k.Hash[0] ^= 0xff
		got, err := e.ks.GetKey(e.ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, hash, got.Hash, "the caller's slice is not kept")
		got.Hash[1] ^= 0xff
		list, err := e.ks.ListKeys(e.ctx, w.ID, uuid.Nil, 10)
		require.NoError(t, err)
		require.Equal(t, hash, list[0].Hash, "a returned slice is not the store's")
		list[0].Hash[2] ^= 0xff
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			locked, err := e.ks.LockKey(ctx, w.ID, k.ID)
			require.Equal(t, hash, locked.Hash)
			return err
		}))
	}},
}
