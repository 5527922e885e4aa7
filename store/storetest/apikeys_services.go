package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// runKeyServices runs the apikey service over the store under test: the
// rules that only hold if the store's keys, locks and transactions work.
func runKeyServices(t *testing.T, h Harness) {
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"a key authenticates until it is revoked", keyLifecycle},
		{"another workspace's key is not found", keysAcrossScopes},
		{"concurrent revokes of one key: one wins", concurrentKeyRevokes},
		{"after Revoke returns, the key authenticates and acts nowhere", revokeRacingAuthenticate},
		{"concurrent creates stop at MaxAPIKeys", concurrentKeyCreates},
		{"keys go with their workspace", keysGoWithWorkspace},
		{"key changes are in the change log", keyChanges},
		{"the team never lists keys", teamHidesKeys},
		{"a custom role's keys follow its rename and deletion", customRoleKeys},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, h) })
	}
}

// keyLimits allows everything, API keys included.
var keyLimits = workspace.Limits{MaxWorkspaces: workspace.Unlimited, MaxMembers: workspace.Unlimited, MaxAPIKeys: workspace.Unlimited}

// keyServices is testenv's wiring plus the apikey service on the same
// store, Authorizer and plans, its events kept in order.
type keyServices struct {
	*testenv.Env
	KS    KeyStore
	Keys  *apikey.Service
	plans workspace.Plans

	mu     sync.Mutex
	events []workspace.Event
}

func newKeyServices(t *testing.T, h Harness, limits workspace.Limits) *keyServices {
	t.Helper()
	ks := keyStoreOf(t, h.New(t))
	plans := workspace.FixedPlans{"": limits}
	e := &keyServices{Env: testenv.NewOn(t, ks, plans), KS: ks, plans: plans}
	bus := workspace.NewBus()
	bus.Subscribe(func(_ context.Context, ev workspace.Event) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.events = append(e.events, ev)
	})
	e.Keys = apikey.New(ks, e.Authz, plans, apikey.WithEvents(bus))
	return e
}

// fresh is another apikey service on the same store and Authorizer,
// with nothing cached: what another instance reads.
func (e *keyServices) fresh() *apikey.Service { return apikey.New(e.KS, e.Authz, e.plans) }

func (e *keyServices) published() []workspace.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]workspace.Event(nil), e.events...)
}

// create makes a key in the workspace of ctx and returns it with its
// secret.
func (e *keyServices) create(t *testing.T, ctx context.Context, name string, role workspace.Role) (apikey.Key, string) {
	t.Helper()
	k, secret, err := e.Keys.Create(ctx, apikey.NewKey{Name: name, Role: role})
	require.NoError(t, err)
	return k, secret
}

// keyCtx authenticates secret and returns the key's scoped context.
func (e *keyServices) keyCtx(t *testing.T, secret string) context.Context {
	t.Helper()
	sc, err := e.Keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	return workspace.WithScope(context.Background(), sc)
}

// may reports whether the scope in ctx may read API keys (owners, admins
// and members may; viewers and the scopes of unknown or revoked keys not).
func (e *keyServices) may(t *testing.T, ctx context.Context) bool {
	t.Helper()
	ok, err := e.Authz.Can(ctx, rbac.ResourceAPIKeys, rbac.ActionRead)
	require.NoError(t, err)
	return ok
}

func keyLifecycle(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	owner := user("owner")
	ctx, w := e.Account(t, owner, "First")
	k, secret := e.create(t, ctx, "CI deploy", workspace.RoleMember)
	require.Nil(t, k.Hash, "the service never returns a hash")
	require.Equal(t, w.ID, k.WorkspaceID)
	require.Equal(t, w.AccountID, k.AccountID)
	require.Equal(t, owner, k.CreatedBy)

	sc, err := e.Keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	require.Equal(t, workspace.Scope{AccountID: w.AccountID, WorkspaceID: w.ID, UserID: workspace.KeyUser(k.ID), Role: workspace.RoleMember}, sc)
	kctx := workspace.WithScope(context.Background(), sc)
	require.True(t, e.may(t, kctx))
	ok, err := e.Authz.Can(kctx, rbac.ResourceAPIKeys, rbac.ActionCreate)
	require.NoError(t, err)
	require.False(t, ok, "a member's key acts as a member")
	_, err = e.fresh().Authenticate(context.Background(), secret)
	require.NoError(t, err, "read from the store")
	forged := secret[:len(secret)-1] + "A" // another secret of the same shape
	if forged == secret {
		forged = secret[:len(secret)-1] + "E"
	}
	_, err = e.Keys.Authenticate(context.Background(), forged)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)

	require.NoError(t, e.Keys.FlushLastUsed(context.Background()))
	got, err := e.Keys.Get(ctx, k.ID)
	require.NoError(t, err)
	require.False(t, got.LastUsedAt.IsZero(), "the flush wrote the last use")
	require.Nil(t, got.Hash)

	require.NoError(t, e.Keys.Revoke(ctx, k.ID))
	_, err = e.Keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	_, err = e.fresh().Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	require.False(t, e.may(t, kctx), "the scope handed out before is denied")
	require.ErrorIs(t, e.Keys.Revoke(ctx, k.ID), apikey.ErrKeyRevoked)
	_, err = e.Keys.Rename(ctx, k.ID, "again")
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
	list, err := e.Keys.List(ctx, workspace.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, list[0].Revoked(), "a revoked key stays listed")
}

func keysAcrossScopes(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	ownerA := user("owner-a")
	ctxA, wa := e.Account(t, ownerA, "First")
	second, err := e.WS.Create(ctxA, workspace.NewWorkspace{Name: "Second"})
	require.NoError(t, err)
	ctxA2 := e.SwitchTo(t, ownerA, second)
	ctxB, wb := e.Account(t, user("owner-b"), "First")
	k, secret := e.create(t, ctxA, "ci", workspace.RoleMember)
	mine, _ := e.create(t, ctxB, "ci", workspace.RoleMember)

	for name, ctx := range map[string]context.Context{"sibling workspace": ctxA2, "other account": ctxB} {
		t.Run(name, func(t *testing.T) {
			_, err := e.Keys.Get(ctx, k.ID)
			require.ErrorIs(t, err, workspace.ErrNotFound)
			_, err = e.Keys.Rename(ctx, k.ID, "hijacked")
			require.ErrorIs(t, err, workspace.ErrNotFound)
			_, err = e.Keys.ChangeRole(ctx, k.ID, workspace.RoleViewer)
			require.ErrorIs(t, err, workspace.ErrNotFound)
			require.ErrorIs(t, e.Keys.Revoke(ctx, k.ID), workspace.ErrNotFound)
			list, err := e.Keys.List(ctx, workspace.Page{})
			require.NoError(t, err)
			for _, other := range list {
				require.NotEqual(t, k.ID, other.ID)
			}
		})
	}
	list, err := e.Keys.List(ctxB, workspace.Page{})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{mine.ID}, keyIDs(list))

	// The key still works, unchanged, and only in its own workspace,
	// whatever a scope names.
	kctx := e.keyCtx(t, secret)
	require.True(t, e.may(t, kctx))
	got, err := e.Keys.Get(ctxA, k.ID)
	require.NoError(t, err)
	require.Equal(t, "ci", got.Name)
	require.Equal(t, workspace.RoleMember, got.Role)
	require.False(t, got.Revoked())
	for _, target := range []workspace.Workspace{second, wb} {
		forged := workspace.Scope{AccountID: target.AccountID, WorkspaceID: target.ID, UserID: workspace.KeyUser(k.ID), Role: workspace.RoleOwner}
		require.False(t, e.may(t, workspace.WithScope(context.Background(), forged)), "a key acts in no other workspace")
	}
	forged := workspace.Scope{AccountID: wb.AccountID, WorkspaceID: wa.ID, UserID: workspace.KeyUser(k.ID), Role: workspace.RoleMember}
	require.False(t, e.may(t, workspace.WithScope(context.Background(), forged)), "nor under another account")
}

func concurrentKeyRevokes(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	ctx, _ := e.Account(t, user("owner"), "First")
	for i := range 6 {
		k, _ := e.create(t, ctx, fmt.Sprint("k", i), workspace.RoleMember)
		ok, refused := tally(t, race(2, func(int) error { return e.Keys.Revoke(ctx, k.ID) }), apikey.ErrKeyRevoked)
		require.Equal(t, 1, ok)
		require.Equal(t, 1, refused)
	}
}

// revokeRacingAuthenticate: readers authenticate the key and decide for
// its scope while the owner revokes it. Every call that starts after
// Revoke returned must be refused (ErrKeyRevoked) and every decision
// denied; before, only success or ErrKeyRevoked are allowed.
func revokeRacingAuthenticate(t *testing.T, h Harness) {
	const readers, afterCalls = 8, 25
	e := newKeyServices(t, h, keyLimits)
	ctx, _ := e.Account(t, user("owner"), "First")
	for round := range 3 {
		k, secret := e.create(t, ctx, fmt.Sprint("k", round), workspace.RoleAdmin)
		kctx := e.keyCtx(t, secret)
		var (
			revokedDone atomic.Bool
			before      atomic.Int64
			mu          sync.Mutex
			violations  []string
			wg          sync.WaitGroup
		)
		fail := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			if len(violations) < 10 {
				violations = append(violations, fmt.Sprintf(format, args...))
			}
		}
		for range readers {
			wg.Go(func() {
				for after := 0; after < afterCalls; {
					done := revokedDone.Load()
					_, err := e.Keys.Authenticate(context.Background(), secret)
					allowed, cerr := e.Authz.Can(kctx, rbac.ResourceAPIKeys, rbac.ActionRead)
					switch {
					case cerr != nil:
						fail("Can: %v", cerr)
					case done && !errors.Is(err, apikey.ErrKeyRevoked):
						fail("Authenticate after Revoke returned: %v", err)
					case done && allowed:
						fail("a decision after Revoke returned allowed the key")
					case !done && err != nil && !errors.Is(err, apikey.ErrKeyRevoked):
						fail("Authenticate: %v", err)
					}
					if done {
						after++
					} else {
						before.Add(1)
					}
				}
			})
		}
		for before.Load() < readers {
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, e.Keys.Revoke(ctx, k.ID))
		revokedDone.Store(true)
		wg.Wait()
		require.Empty(t, violations)
	}
}

func concurrentKeyCreates(t *testing.T, h Harness) {
	const limit, tries = 3, 12
	e := newKeyServices(t, h, workspace.Limits{MaxWorkspaces: 1, MaxMembers: workspace.Unlimited, MaxAPIKeys: limit})
	ctx, w := e.Account(t, user("owner"), "First")
	ok, refused := tally(t, race(tries, func(i int) error {
		_, _, err := e.Keys.Create(ctx, apikey.NewKey{Name: fmt.Sprint("k", i), Role: workspace.RoleMember})
		return err
	}), workspace.ErrPlanLimit)
	require.Equal(t, limit, ok)
	require.Equal(t, tries-limit, refused)
	list, err := e.Keys.List(ctx, workspace.Page{})
	require.NoError(t, err)
	require.Len(t, list, limit)
	require.Equal(t, limit, e.count(t, w.ID))

	// A revoked key frees its place, once.
	require.NoError(t, e.Keys.Revoke(ctx, list[0].ID))
	ok, refused = tally(t, race(4, func(i int) error {
		_, _, err := e.Keys.Create(ctx, apikey.NewKey{Name: fmt.Sprint("again", i), Role: workspace.RoleMember})
		return err
	}), workspace.ErrPlanLimit)
	require.Equal(t, 1, ok)
	require.Equal(t, 3, refused)
	require.Equal(t, limit, e.count(t, w.ID))

	none := newKeyServices(t, h, workspace.Limits{MaxWorkspaces: 1, MaxMembers: 1})
	ctx, w = none.Account(t, user("owner"), "First")
	_, _, err = none.Keys.Create(ctx, apikey.NewKey{Name: "ci", Role: workspace.RoleMember})
	require.ErrorIs(t, err, workspace.ErrPlanLimit, "a zero MaxAPIKeys allows none")
	require.Zero(t, none.count(t, w.ID))
}

func (e *keyServices) count(t *testing.T, ws uuid.UUID) int {
	t.Helper()
	n, err := e.KS.CountActiveKeys(context.Background(), ws, workspace.UTCClock())
	require.NoError(t, err)
	return n
}

func keysGoWithWorkspace(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	owner := user("owner")
	ctx, first := e.Account(t, owner, "First")
	second, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Second"})
	require.NoError(t, err)
	ctx2 := e.SwitchTo(t, owner, second)
	k, secret := e.create(t, ctx2, "ci", workspace.RoleAdmin)
	kept, keptSecret := e.create(t, ctx, "ci", workspace.RoleAdmin)
	kctx := e.keyCtx(t, secret)
	require.True(t, e.may(t, kctx))

	require.NoError(t, e.WS.Delete(ctx, second.ID, "Second"))
	_, err = e.KS.GetKey(context.Background(), k.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = e.fresh().Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown, "no instance that reads the store knows the key")
	// This service cached the key, and nothing in this process tells it of
	// the deletion: a host gets that from the change log's watcher
	// (changewatch), which calls Invalidate for workspace.deleted. Do what
	// it does.
	e.Keys.Invalidate(second.ID)
	_, err = e.Keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)
	allowed, err := e.Authz.Can(kctx, rbac.ResourceAPIKeys, rbac.ActionRead)
	require.False(t, allowed && err == nil, "the deleted workspace's key scope acts no more")

	_, err = e.Keys.Authenticate(context.Background(), keptSecret)
	require.NoError(t, err, "the other workspace's key stays")
	list, err := e.Keys.List(ctx, workspace.Page{})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{kept.ID}, keyIDs(list))
	require.Equal(t, first.ID, list[0].WorkspaceID)
}

func keyChanges(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	owner := user("owner")
	ctx, w := e.Account(t, owner, "First")
	base := lastChange(t, e.KS)

	k, _ := e.create(t, ctx, "ci", workspace.RoleMember)
	_, err := e.Keys.Rename(ctx, k.ID, "deploy")
	require.NoError(t, err)
	_, err = e.Keys.Rename(ctx, k.ID, "deploy") // no change, no row
	require.NoError(t, err)
	_, err = e.Keys.ChangeRole(ctx, k.ID, workspace.RoleAdmin)
	require.NoError(t, err)
	admin, secret := e.create(t, ctx, "admin", workspace.RoleAdmin)
	require.NoError(t, e.Keys.Revoke(ctx, k.ID))
	want := []changeLine{
		{workspace.ChangeKeyCreated, w.AccountID, w.ID, owner},
		{workspace.ChangeKeyRenamed, w.AccountID, w.ID, owner},
		{workspace.ChangeKeyRoleChanged, w.AccountID, w.ID, owner},
		{workspace.ChangeKeyCreated, w.AccountID, w.ID, owner},
		{workspace.ChangeKeyRevoked, w.AccountID, w.ID, owner},
	}

	// A key cannot manage keys: refused, nothing written.
	kctx := e.keyCtx(t, secret)
	_, _, err = e.Keys.Create(kctx, apikey.NewKey{Name: "child", Role: workspace.RoleViewer})
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.ErrorIs(t, e.Keys.Revoke(kctx, admin.ID), workspace.ErrForbidden)

	got := allChanges(t, e.KS, base)
	lines := make([]changeLine, 0, len(got))
	for _, c := range got {
		lines = append(lines, changeLine{c.Kind, c.AccountID, c.WorkspaceID, c.Actor})
	}
	require.Equal(t, want, lines)
	require.Equal(t, span(base, len(want)), changeIDs(got))
	events := e.published()
	require.Len(t, events, len(got))
	for i, c := range got {
		ev, ok, err := apikey.EventOf(c)
		require.NoError(t, err)
		require.True(t, ok, "change %d (%s)", c.ID, c.Kind)
		require.Equal(t, events[i], ev, "change %d (%s): the payload is the published event", c.ID, c.Kind)
	}
	require.Equal(t, k.ID.String(), events[4].(apikey.Revoked).KeyID)

	// Every change the log records needs a person (rbac.KeyNeverHolds):
	// what an admin key tries is refused and logs nothing.
	base = lastChange(t, e.KS)
	_, err = e.Authz.CreateRole(kctx, "auditor", []rbac.Permission{{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}})
	require.ErrorIs(t, err, workspace.ErrForbidden)
	_, _, err = e.Team.Invite(kctx, "x@example.com", workspace.RoleViewer)
	require.ErrorIs(t, err, workspace.ErrForbidden)
	_, err = e.WS.Create(kctx, workspace.NewWorkspace{Name: "Elsewhere"})
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.Empty(t, allChanges(t, e.KS, base))
}

func teamHidesKeys(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	owner, bob := user("owner"), user("bob")
	ctx, w := e.Account(t, owner, "First")
	e.Join(t, ctx, bob, workspace.RoleMember)
	var keyUsers []workspace.UserID
	for _, r := range []workspace.Role{workspace.RoleAdmin, workspace.RoleMember, workspace.RoleViewer} {
		k, secret := e.create(t, ctx, string(r), r)
		e.keyCtx(t, secret) // the key has acted
		keyUsers = append(keyUsers, k.User())
	}
	gone, _ := e.create(t, ctx, "revoked", workspace.RoleMember)
	require.NoError(t, e.Keys.Revoke(ctx, gone.ID))
	team, err := e.Team.Team(ctx, membership.TeamPage{})
	require.NoError(t, err)
	var users []workspace.UserID
	for _, m := range team {
		users = append(users, m.UserID)
		require.False(t, strings.HasPrefix(string(m.UserID), "apikey:"), "a key in the team: %s", m.UserID)
	}
	require.ElementsMatch(t, []workspace.UserID{owner, bob}, users)
	n, err := e.KS.CountMemberships(context.Background(), w.ID)
	require.NoError(t, err)
	require.Equal(t, 1, n, "keys are not memberships")
	for _, u := range keyUsers {
		_, err := e.KS.GetMembership(context.Background(), w.ID, u)
		require.ErrorIs(t, err, workspace.ErrNotFound)
	}
}

func customRoleKeys(t *testing.T, h Harness) {
	e := newKeyServices(t, h, keyLimits)
	ctx, _ := e.Account(t, user("owner"), "First")
	readKeys := []rbac.Permission{{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}}
	_, err := e.Authz.CreateRole(ctx, "auditor", readKeys)
	require.NoError(t, err)
	k, secret := e.create(t, ctx, "audit", "auditor")
	kctx := e.keyCtx(t, secret)
	require.True(t, e.may(t, kctx))

	require.ErrorIs(t, e.Authz.DeleteRole(ctx, "auditor", ""), rbac.ErrRoleInUse, "the key holds the role")
	_, err = e.Authz.RenameRole(ctx, "auditor", "reviewer")
	require.NoError(t, err)
	got, err := e.Keys.Get(ctx, k.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.Role("reviewer"), got.Role, "the key follows the rename")
	require.True(t, e.may(t, kctx))

	require.NoError(t, e.Authz.DeleteRole(ctx, "reviewer", workspace.RoleViewer))
	got, err = e.Keys.Get(ctx, k.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleViewer, got.Role)
	require.False(t, e.may(t, kctx), "a viewer's key may not read keys")

	// A revoked key holds its role no more.
	_, err = e.Authz.CreateRole(ctx, "temp", readKeys)
	require.NoError(t, err)
	tk, _ := e.create(t, ctx, "temp", "temp")
	require.NoError(t, e.Keys.Revoke(ctx, tk.ID))
	require.NoError(t, e.Authz.DeleteRole(ctx, "temp", ""))
}
