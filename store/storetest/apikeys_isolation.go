package storetest

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// keyIsolation is the isolation seed (workspace a, its sibling a2, b in
// another account, alike) with alike keys in each: the same names and
// roles, so that a filter on anything but the workspace shows up.
type keyIsolation struct {
	isolation
	// keys of a, a2 and b: [0] member, [1] the custom role auditor,
	// [2] revoked admin, [3] expired viewer.
	a, a2, b []apikey.Key
}

// keyRoles are the roles the seeded keys hold.
var keyRoles = []workspace.Role{workspace.RoleMember, "auditor", workspace.RoleAdmin, workspace.RoleViewer}

func (e *keyEnv) seedKeys(w workspace.Workspace) []apikey.Key {
	e.t.Helper()
	return []apikey.Key{
		e.key(w, "ci", workspace.RoleMember),
		e.key(w, "deploy", "auditor", expires(e.at(time.Hour))),
		e.key(w, "old", workspace.RoleAdmin, revoked(e.at(-time.Minute))),
		e.key(w, "expired", workspace.RoleViewer, expires(e.at(-time.Hour))),
	}
}

func (e *keyEnv) seedKeyIsolation() keyIsolation {
	e.t.Helper()
	is := keyIsolation{isolation: e.seedIsolation()}
	is.a, is.a2, is.b = e.seedKeys(is.isolation.a.ws), e.seedKeys(is.isolation.a2.ws), e.seedKeys(is.isolation.b.ws)
	return is
}

// keyState is everything the store shows about some workspaces' keys.
type keyState struct {
	Keys    map[uuid.UUID]apikey.Key
	Lists   map[uuid.UUID][]apikey.Key
	Grants  map[uuid.UUID][]rbac.KeyGrant
	Active  map[uuid.UUID]int
	Holders map[uuid.UUID]map[workspace.Role]int
}

func (e *keyEnv) keyState(ws []uuid.UUID, keys []apikey.Key) keyState {
	e.t.Helper()
	st := keyState{
		Keys: map[uuid.UUID]apikey.Key{}, Lists: map[uuid.UUID][]apikey.Key{}, Grants: map[uuid.UUID][]rbac.KeyGrant{},
		Active: map[uuid.UUID]int{}, Holders: map[uuid.UUID]map[workspace.Role]int{},
	}
	for _, k := range keys {
		if got, err := e.ks.GetKey(e.ctx, k.ID); err == nil {
			st.Keys[k.ID] = normKey(got)
		}
	}
	for _, id := range ws {
		st.Lists[id] = e.keys(id)
		st.Grants[id] = e.grants(id)
		st.Active[id] = e.count(e.ks.CountActiveKeys(e.ctx, id, e.now))
		st.Holders[id] = map[workspace.Role]int{}
		for _, r := range keyRoles {
			st.Holders[id][r] = e.count(e.ks.CountRoleHolders(e.ctx, id, r))
		}
	}
	return st
}

// othersKeys is the state of the keys of every workspace but a.
func (e *keyEnv) othersKeys(is keyIsolation) keyState {
	return e.keyState([]uuid.UUID{is.isolation.a2.ws.ID, is.isolation.b.ws.ID}, slices.Concat(is.a2, is.b))
}

// keysIsolated seeds alike workspaces with alike keys, runs op on a, and
// requires that nothing outside a changed: keys, memberships,
// invitations, roles.
func keysIsolated(op func(t *testing.T, e *keyEnv, is keyIsolation)) func(t *testing.T, e *keyEnv) {
	return func(t *testing.T, e *keyEnv) {
		is := e.seedKeyIsolation()
		before, beforeKeys := e.others(is.isolation), e.othersKeys(is)
		op(t, e, is)
		require.Equal(t, beforeKeys, e.othersKeys(is), "an operation on workspace a changed another workspace's keys")
		require.Equal(t, before, e.others(is.isolation), "an operation on workspace a changed another workspace")
	}
}

var keyIsolationTests = []keyTest{
	{"LockKey and UpdateKey with a's id and another workspace's key find nothing", keysIsolated(func(t *testing.T, e *keyEnv, is keyIsolation) {
		a := is.isolation.a.ws.ID
		for _, k := range slices.Concat(is.a2, is.b) {
			_, err := e.lockKey(a, k.ID)
			notFound(t, err)
			u := k
			u.WorkspaceID, u.Name, u.Role, u.RevokedAt = a, "hijacked", workspace.RoleOwner, time.Time{}
			notFound(t, e.ks.UpdateKey(e.ctx, u))
			u.RevokedAt = e.now
			notFound(t, e.ks.UpdateKey(e.ctx, u))
		}
		require.ElementsMatch(t, is.a, e.keys(a))
	})},
	{"GetKey returns each key with its own workspace and account", keysIsolated(func(t *testing.T, e *keyEnv, is keyIsolation) {
		for _, tc := range []struct {
			keys []apikey.Key
			tn   tenant
		}{{is.a, is.isolation.a}, {is.a2, is.isolation.a2}, {is.b, is.isolation.b}} {
			for _, k := range tc.keys {
				got := e.getKey(k.ID)
				require.Equal(t, k, got)
				require.Equal(t, tc.tn.ws.ID, got.WorkspaceID)
				require.Equal(t, tc.tn.acct.ID, got.AccountID)
			}
		}
	})},
	{"lists and counts of a hold only a's keys", keysIsolated(func(t *testing.T, e *keyEnv, is keyIsolation) {
		a := is.isolation.a.ws.ID
		list := e.keys(a)
		require.ElementsMatch(t, keyIDs(is.a), keyIDs(list))
		onlyWorkspace(t, a, list, func(k apikey.Key) uuid.UUID { return k.WorkspaceID })
		// Paging from another workspace's id stays in a.
		for _, k := range slices.Concat(is.a2, is.b) {
			page, err := e.ks.ListKeys(e.ctx, a, k.ID, 10)
			require.NoError(t, err)
			onlyWorkspace(t, a, page, func(k apikey.Key) uuid.UUID { return k.WorkspaceID })
		}
		grants := e.grants(a)
		require.ElementsMatch(t, []uuid.UUID{is.a[0].ID, is.a[1].ID, is.a[3].ID}, grantIDs(grants))
		require.Equal(t, 2, e.count(e.ks.CountActiveKeys(e.ctx, a, e.now)))
		require.Equal(t, 3, e.count(e.ks.CountRoleHolders(e.ctx, a, "auditor")), "u3, the pending invitation and one key")
		require.Equal(t, 2, e.count(e.ks.CountRoleHolders(e.ctx, a, workspace.RoleViewer)), "the pending invitation and the expired key")
	})},
	{"writes to a's keys leave alike keys elsewhere alone", keysIsolated(func(t *testing.T, e *keyEnv, is keyIsolation) {
		a := is.isolation.a.ws.ID
		u := is.a[0]
		u.Name, u.Role, u.RevokedAt = "renamed", workspace.RoleAdmin, e.now
		require.NoError(t, e.ks.UpdateKey(e.ctx, u))
		require.NoError(t, e.ks.TouchKeys(e.ctx, map[uuid.UUID]time.Time{is.a[1].ID: e.at(time.Minute), is.a[2].ID: e.at(time.Minute)}))
		e.key(is.isolation.a.ws, "ci", workspace.RoleMember)
		n, err := e.ks.ReassignRole(e.ctx, a, "auditor", workspace.RoleViewer)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, workspace.RoleViewer, e.getKey(is.a[1].ID).Role)
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			_, err := e.ks.LockWorkspace(ctx, a)
			require.NoError(t, err)
			k, err := e.ks.LockKey(ctx, a, is.a[3].ID)
			require.NoError(t, err)
			k.RevokedAt = e.now
			return e.ks.UpdateKey(ctx, k)
		}))
		require.Equal(t, 2, e.count(e.ks.CountActiveKeys(e.ctx, a, e.now)), "the reassigned key and the new one")
	})},
	{"DeleteWorkspace of a removes its keys only", keysIsolated(func(t *testing.T, e *keyEnv, is keyIsolation) {
		require.NoError(t, e.s.DeleteWorkspace(e.ctx, is.isolation.a.ws.ID))
		for _, k := range is.a {
			_, err := e.ks.GetKey(e.ctx, k.ID)
			notFound(t, err)
		}
		require.Empty(t, e.keys(is.isolation.a.ws.ID))
		require.Empty(t, e.grants(is.isolation.a.ws.ID))
	})},
}

func grantIDs(gs []rbac.KeyGrant) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.KeyID)
	}
	return out
}

var errAlreadyRevoked = errors.New("storetest: the key was already revoked")

var keyConcurrencyTests = []keyTest{
	{"LockKey serializes revokes: exactly one sees the key not revoked", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		k := e.key(w, "ci", workspace.RoleMember)
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				got, err := e.ks.LockKey(ctx, w.ID, k.ID)
				if err != nil {
					return err
				}
				runtime.Gosched()
				if got.Revoked() {
					return errAlreadyRevoked
				}
				got.RevokedAt = e.at(time.Duration(i+1) * time.Second)
				return e.ks.UpdateKey(ctx, got)
			})
		})
		winner := -1
		for i, err := range errs {
			if err == nil {
				winner = i
				continue
			}
			require.ErrorIs(t, err, errAlreadyRevoked)
		}
		require.Equal(t, 1, countNil(errs))
		require.Equal(t, e.at(time.Duration(winner+1)*time.Second), e.getKey(k.ID).RevokedAt, "the winner's revocation stands")
	}},
	{"LockWorkspace serializes count-then-create: a key limit of 4 admits exactly 4", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		e.key(w, "revoked", workspace.RoleMember, revoked(e.now))
		e.key(w, "expired", workspace.RoleMember, expires(e.now))
		const limit = 4
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				if _, err := e.ks.LockWorkspace(ctx, w.ID); err != nil {
					return err
				}
				n, err := e.ks.CountActiveKeys(ctx, w.ID, e.now)
				if err != nil {
					return err
				}
				runtime.Gosched()
				if n >= limit {
					return errSkipped
				}
				return e.ks.CreateKey(ctx, e.newKey(w, "k"+strconv.Itoa(i), workspace.RoleMember))
			})
		})
		for _, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, errSkipped)
			}
		}
		require.Equal(t, limit, countNil(errs))
		require.Equal(t, limit, e.count(e.ks.CountActiveKeys(e.ctx, w.ID, e.now)))
		require.Len(t, e.keys(w.ID), limit+2)
	}},
	{"concurrent creates of one key id in different workspaces: exactly one wins", func(t *testing.T, e *keyEnv) {
		a := e.account(e.user("owner"))
		b := e.account(e.user("other"))
		ws := make([]workspace.Workspace, racers)
		for i := range ws {
			acct := a
			if i%2 == 1 {
				acct = b
			}
			ws[i] = e.workspace(acct.ID, "W"+strconv.Itoa(i))
		}
		id := uuid.New()
		errs := raceAll(func(i int) error {
			k := e.newKey(ws[i], "twin", workspace.RoleMember)
			k.ID = id
			return e.ks.CreateKey(e.ctx, k)
		})
		require.Equal(t, 1, countNil(errs))
		winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		for _, err := range errs {
			if err != nil {
				conflict(t, err)
			}
		}
		got := e.getKey(id)
		require.Equal(t, ws[winner].ID, got.WorkspaceID)
		require.Equal(t, ws[winner].AccountID, got.AccountID)
		for i, w := range ws {
			if i != winner {
				require.Empty(t, e.keys(w.ID))
			}
		}
	}},
	{"concurrent TouchKeys of many keys keep the latest time, without deadlocks", func(t *testing.T, e *keyEnv) {
		a := e.workspace(e.account(e.user("owner")).ID, "Sales")
		b := e.workspace(e.account(e.user("other")).ID, "Sales")
		var keys []apikey.Key
		for i := range 12 {
			keys = append(keys, e.key([]workspace.Workspace{a, b}[i%2], "k"+strconv.Itoa(i), workspace.RoleMember))
		}
		for range 3 {
			errs := raceAll(func(i int) error {
				// Every racer touches every key, each with a time of its
				// own (racer i's times are a rotation): the latest must
				// stand, whoever commits last, and flushes of several
				// instances must not deadlock each other.
				used := map[uuid.UUID]time.Time{}
				for j, k := range keys {
					used[k.ID] = e.at(time.Duration((i+j)%racers) * time.Second)
				}
				return e.ks.TouchKeys(e.ctx, used)
			})
			require.Equal(t, racers, countNil(errs), "%v", errs)
		}
		for _, k := range keys {
			require.Equal(t, e.at((racers-1)*time.Second), e.getKey(k.ID).LastUsedAt)
		}
	}},
	{"TouchKeys racing a revoke loses neither write", func(t *testing.T, e *keyEnv) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		for i := range 6 {
			k := e.key(w, "k"+strconv.Itoa(i), workspace.RoleMember)
			errs := race(2, func(j int) error {
				if j == 0 {
					return e.ks.TouchKeys(e.ctx, map[uuid.UUID]time.Time{k.ID: e.at(time.Minute)})
				}
				return e.atomic(func(ctx context.Context) error {
					got, err := e.ks.LockKey(ctx, w.ID, k.ID)
					if err != nil {
						return err
					}
					runtime.Gosched()
					got.RevokedAt, got.Name = e.at(time.Second), "revoked"
					return e.ks.UpdateKey(ctx, got)
				})
			})
			require.NoError(t, errors.Join(errs...))
			want := k
			want.LastUsedAt, want.RevokedAt, want.Name = e.at(time.Minute), e.at(time.Second), "revoked"
			require.Equal(t, want, e.getKey(k.ID))
		}
	}},
}
