package rbac_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// TestDifferentialAgainstCasbin runs a seeded random workload of checks
// interleaved with role changes, removals, additions, custom-role edits,
// ownership transfers and workspace deletions. After every change the
// store is changed and Invalidate called (as the services do), and a plain
// Casbin Enforcer holding the full policy is updated the same way; every
// check must get the same answer from both. The answer is also compared,
// now and then, with Explain.
//
// Counts: RBAC_DIFF_CHECKS (default 20000, 5000 with -short, so that the
// -race suite stays fast; the full run is RBAC_DIFF_CHECKS=200000) and
// RBAC_DIFF_SEED (default 1).
func TestDifferentialAgainstCasbin(t *testing.T) {
	checks := 20_000
	if testing.Short() {
		checks = 5_000
	}
	if v := os.Getenv("RBAC_DIFF_CHECKS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		checks = n
	}
	seed := uint64(1)
	if v := os.Getenv("RBAC_DIFF_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
		seed = n
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	e := newEnv(t, rbac.WithMaxWorkspaces(24)) // small, so eviction happens too

	ref, err := casbin.NewEnforcer(mustModel(t))
	require.NoError(t, err)
	_, err = ref.AddPolicies(e.authz.BuiltinRules())
	require.NoError(t, err)

	users := make([]workspace.UserID, 40)
	for i := range users {
		users[i] = workspace.UserID(fmt.Sprintf("user-%02d", i))
	}
	// "owner" as a user id must not be mistaken for the role.
	users = append(users, "owner", "admin")
	allUsers := append(slices.Clone(users), e.acct.OwnerID, "stranger")
	builtins := workspace.BuiltinRoles()
	customNames := []workspace.Role{"analyst", "support", "keymaster"}
	registered := e.authz.RegisteredPermissions()
	probe := append(slices.Clone(registered), rbac.Permission{Resource: "reports", Action: "manage"}, rbac.Permission{Resource: "nothing", Action: "read"})

	// truth: what the store holds, mirrored to recompute Casbin's g rules.
	type wsState struct {
		id      uuid.UUID
		members map[workspace.UserID]workspace.Role
		customs map[workspace.Role][]rbac.Permission
		deleted bool
	}
	owner := e.acct.OwnerID
	var all []*wsState
	syncRef := func(w *wsState) {
		_, err := ref.RemoveFilteredGroupingPolicy(2, rbac.Domain(w.id))
		require.NoError(t, err)
		_, err = ref.RemoveFilteredPolicy(1, rbac.Domain(w.id))
		require.NoError(t, err)
		if w.deleted {
			return
		}
		var g [][]string
		for u, r := range w.members {
			if u != owner {
				g = append(g, rbac.GroupingRule(w.id, u, r))
			}
		}
		g = append(g, rbac.GroupingRule(w.id, owner, workspace.RoleOwner))
		_, err = ref.AddGroupingPolicies(g)
		require.NoError(t, err)
		for name, ps := range w.customs {
			rules := rbac.CustomRoleRules(rbac.CustomRole{WorkspaceID: w.id, Name: name, Permissions: ps})
			if len(rules) > 0 {
				_, err = ref.AddPolicies(rules)
				require.NoError(t, err)
			}
		}
	}
	randPerms := func() []rbac.Permission {
		n := 1 + rng.IntN(6)
		ps := make([]rbac.Permission, 0, n)
		for range n {
			ps = append(ps, registered[rng.IntN(len(registered))])
		}
		return rbac.SortPermissions(ps)
	}
	randRole := func(w *wsState) workspace.Role {
		if rng.IntN(3) == 0 && len(w.customs) > 0 {
			names := make([]workspace.Role, 0, len(w.customs))
			for n := range w.customs {
				names = append(names, n)
			}
			slices.Sort(names)
			return names[rng.IntN(len(names))]
		}
		return builtins[rng.IntN(len(builtins))]
	}
	newWorkspace := func() {
		w := &wsState{members: map[workspace.UserID]workspace.Role{}, customs: map[workspace.Role][]rbac.Permission{}}
		w.id = e.workspace("ws-"+strconv.Itoa(len(all)), nil)
		for _, u := range users {
			if rng.IntN(3) == 0 {
				w.members[u] = builtins[rng.IntN(len(builtins))]
				require.NoError(t, e.store.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: w.id, UserID: u, Role: w.members[u], Version: 1, CreatedAt: t0, UpdatedAt: t0}))
			}
		}
		all = append(all, w)
		syncRef(w)
	}
	for range 30 {
		newWorkspace()
	}
	live := func() *wsState {
		for {
			if w := all[rng.IntN(len(all))]; !w.deleted {
				return w
			}
		}
	}

	mismatches, changes := 0, 0
	for i := 0; i < checks; i++ {
		if rng.IntN(20) == 0 {
			changes++
			w := live()
			ownerCtx := e.as(owner, w.id)
			switch op := rng.IntN(100); {
			case op < 30: // change a role (or add a member)
				u := users[rng.IntN(len(users))]
				r := randRole(w)
				if _, ok := w.members[u]; ok {
					e.setRole(w.id, u, r)
				} else {
					require.NoError(t, e.store.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: w.id, UserID: u, Role: r, Version: 1, CreatedAt: t0, UpdatedAt: t0}))
					e.authz.Invalidate(w.id)
				}
				w.members[u] = r
			case op < 45: // remove a member
				for u := range w.members {
					require.NoError(t, e.store.DeleteMembership(e.ctx, w.id, u))
					delete(w.members, u)
					break
				}
				e.authz.Invalidate(w.id)
			case op < 60: // create a custom role
				name := customNames[rng.IntN(len(customNames))]
				if _, ok := w.customs[name]; ok {
					continue
				}
				ps := randPerms()
				_, err := e.authz.CreateRole(ownerCtx, name, ps)
				require.NoError(t, err)
				w.customs[name] = ps
			case op < 75: // change a custom role's permissions
				for name := range w.customs {
					ps := randPerms()
					_, err := e.authz.UpdateRole(ownerCtx, name, ps)
					require.NoError(t, err)
					w.customs[name] = ps
					break
				}
			case op < 85: // delete a custom role, reassigning its holders
				for name := range w.customs {
					to := builtins[rng.IntN(len(builtins))]
					require.NoError(t, e.authz.DeleteRole(ownerCtx, name, to))
					delete(w.customs, name)
					for u, r := range w.members {
						if r == name {
							w.members[u] = to
						}
					}
					break
				}
			case op < 88: // transfer the account's ownership
				acct, err := e.store.GetAccount(e.ctx, e.acct.ID)
				require.NoError(t, err)
				acct.OwnerID, acct.Version = users[rng.IntN(len(users))], acct.Version+1
				require.NoError(t, e.store.UpdateAccount(e.ctx, acct))
				owner = acct.OwnerID
				for _, x := range all {
					if !x.deleted {
						e.authz.Invalidate(x.id)
						syncRef(x)
					}
				}
			case op < 95: // delete the workspace, create another
				require.NoError(t, e.store.DeleteWorkspace(e.ctx, w.id))
				e.authz.Invalidate(w.id)
				w.deleted = true
				newWorkspace()
			default: // a custom role rename
				for name := range w.customs {
					to := customNames[rng.IntN(len(customNames))] + "-2"
					if _, ok := w.customs[to]; ok {
						break
					}
					_, err := e.authz.RenameRole(ownerCtx, name, to)
					require.NoError(t, err)
					w.customs[to] = w.customs[name]
					delete(w.customs, name)
					for u, r := range w.members {
						if r == name {
							w.members[u] = to
						}
					}
					break
				}
			}
			syncRef(w)
			continue
		}
		w := all[rng.IntN(len(all))]
		u := allUsers[rng.IntN(len(allUsers))]
		p := probe[rng.IntN(len(probe))]
		ctx := e.as(u, w.id)
		got, err := e.authz.Can(ctx, p.Resource, p.Action)
		if errors.Is(err, rbac.ErrUnknownPermission) {
			got, err = false, nil // never allowed, as Casbin's reference denies it
		}
		require.NoError(t, err)
		want, err := ref.Enforce(rbac.UserSubject(u), rbac.Domain(w.id), p.Resource, p.Action)
		require.NoError(t, err)
		if got != want {
			mismatches++
			if mismatches < 10 {
				t.Errorf("check %d: %s %s in %s (deleted=%v role=%q): got %v, casbin %v", i, u, p, w.id, w.deleted, w.members[u], got, want)
			}
		}
		if i%97 == 0 {
			ex, err := e.authz.Explain(ctx, p.Resource, p.Action)
			if errors.Is(err, rbac.ErrUnknownPermission) {
				err = nil // as Can: never allowed
			}
			require.NoError(t, err)
			require.Equal(t, want, ex.Allowed, "Explain agrees with Casbin")
		}
	}
	require.Zero(t, mismatches)
	require.Greater(t, changes, checks/40)
	st := e.authz.Stats()
	require.Positive(t, st.Evictions, "the workload exercised eviction")
	t.Logf("seed %d: %d checks, %d changes, 0 mismatches, stats %+v", seed, checks, changes, st)
}

func mustModel(t *testing.T) interface{} {
	t.Helper()
	m, err := rbac.NewModel()
	require.NoError(t, err)
	return m
}
