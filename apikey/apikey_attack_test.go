package apikey_test

// Attacks on workspace API keys (memstore, the services wired as kit.New
// wires them). A test that fails here is a hole; see the comment above it.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// HOLE. A key acts in its own workspace only, and the team list never
// shows keys. But workspace.Service.Create takes any scope with
// settings:create (an admin's key has it) and makes the creator an owner
// member of the new workspace: for a key, a membership row whose user is
// the key ("apikey:<id>"). From then on the key
//   - is listed in the new workspace's team, as owner;
//   - can rename (Update) and delete (Delete) that other workspace by id,
//     because both decide from GetAccess(id, scope's user), which finds
//     that membership;
//   - stays an owner member after it is revoked, and nobody can remove it:
//     membership.Remove/ChangeRole refuse "apikey:" user ids
//     (ValidateUser), so only deleting the workspace clears it.
func TestAttackKeyCreatesAWorkspaceAndBecomesItsOwnerMember(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "big", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "ci", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	kctx := e.as(t, secret)

	shadow, err := e.ws.Create(kctx, workspace.NewWorkspace{Name: "Shadow"})
	if err == nil {
		aliceShadow, _, err := e.ws.Enter(context.Background(), "alice", shadow.ID)
		require.NoError(t, err)
		team, err := e.team.Team(aliceShadow, membership.TeamPage{})
		require.NoError(t, err)
		for _, m := range team {
			if m.UserID == k.User() {
				t.Errorf("the team of the workspace the key created lists the key as %s", m.Role)
			}
		}
		name := "Renamed by a key of another workspace"
		if _, err := e.ws.Update(kctx, shadow.ID, workspace.Changes{Name: &name}); err == nil {
			t.Errorf("a key of Sales renamed workspace %s (another workspace)", shadow.ID)
		}
		require.NoError(t, e.keys.Revoke(alice, k.ID))
		if err := e.team.Remove(aliceShadow, k.User()); err != nil {
			t.Errorf("the account owner cannot remove the key's membership: %v", err)
		}
		if _, err := e.st.GetMembership(context.Background(), shadow.ID, k.User()); err == nil {
			t.Errorf("the revoked key is still an owner member of %s", shadow.ID)
		}
	}
	require.ErrorIs(t, err, workspace.ErrForbidden,
		"a key's scope must not create workspaces (it would be made an owner member of one that is not its own)")
}

// A key cannot update or delete its own workspace either (GetAccess finds
// no membership for it): the refusal is NotFound, never a change. Guard.
func TestAttackKeyCannotDeleteOrRenameWorkspaces(t *testing.T) {
	e := newEnv(t)
	alice, sales := e.account(t, "alice", "big", "Sales")
	other, err := e.ws.Create(alice, workspace.NewWorkspace{Name: "Other"})
	require.NoError(t, err)
	_, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "ci", Role: workspace.RoleOwner})
	require.NoError(t, err)
	kctx := e.as(t, secret)
	name := "x"
	for _, id := range []workspace.Workspace{sales, other} {
		_, err := e.ws.Update(kctx, id.ID, workspace.Changes{Name: &name})
		require.Error(t, err)
		require.Error(t, e.ws.Delete(kctx, id.ID, id.Name))
	}
	_, err = e.ws.Get(context.Background(), "alice", sales.ID)
	require.NoError(t, err)
}

// One key has exactly one secret text: every single-byte change of the
// secret, every added or removed byte and whitespace around it are refused,
// whether the key is cached or read from the store. Guard.
func TestAttackSecretHasExactlyOneText(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "", "Sales")
	_, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "ci", Role: workspace.RoleMember})
	require.NoError(t, err)
	ctx := context.Background()
	for _, cached := range []bool{false, true} {
		svc := apikey.New(e.st, e.authz, plans) // nothing cached
		if cached {
			_, err := svc.Authenticate(ctx, secret)
			require.NoError(t, err)
		}
		accepted := 0
		try := func(s string) {
			if s == secret {
				return
			}
			if _, err := svc.Authenticate(ctx, s); !errors.Is(err, apikey.ErrKeyUnknown) {
				accepted++
				if accepted < 5 {
					t.Errorf("cached=%v: %q: %v", cached, s, err)
				}
			}
		}
		for i := range len(secret) {
			for c := range 256 {
				try(secret[:i] + string([]byte{byte(c)}) + secret[i+1:])
			}
			try(secret[:i] + secret[i+1:])
			try(secret[:i] + "\n" + secret[i:])
		}
		for _, ws := range []string{" ", "\n", "\r\n", "\t", "\x00", "="} {
			try(secret + ws)
			try(ws + secret)
		}
		try(strings.ToUpper(secret[:36]) + secret[36:])
		try("WSK_" + secret[4:])
		// The random part in other base64 alphabets or padded.
		raw, err := base64.RawURLEncoding.DecodeString(secret[37:])
		require.NoError(t, err)
		try(secret[:37] + base64.RawStdEncoding.EncodeToString(raw))
		try(secret[:37] + base64.URLEncoding.EncodeToString(raw))
		require.Zero(t, accepted)
	}
}

// People whose host ids look like a key's user id ("APIKEY:<id>", other
// cases, spaces, confusables) are accepted as people by ValidateUser, but
// hold only their own membership: never the key's role. Guard; the look-
// alikes themselves are a low-severity attribution issue (see report).
func TestAttackPersonIDsLookingLikeAKeyUser(t *testing.T) {
	e := newEnv(t)
	alice, sales := e.account(t, "alice", "big", "Sales")
	k, _, err := e.keys.Create(alice, apikey.NewKey{Name: "admin", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	id := k.ID.String()
	refused := []workspace.UserID{
		k.User(),
		workspace.UserID("apikey:" + strings.ToUpper(id)),
		workspace.UserID("apikey:" + id + " "),
		workspace.UserID("apikey:{" + id + "}"),
		"apikey:",
	}
	for _, u := range refused {
		require.ErrorIs(t, workspace.ValidateUser(u), workspace.ErrInvalid, "%q", u)
	}
	lookalikes := []workspace.UserID{
		workspace.UserID("APIKEY:" + id),
		workspace.UserID("Apikey:" + id),
		workspace.UserID(" apikey:" + id),
		workspace.UserID("apikey :" + id),
		workspace.UserID("аpikey:" + id),       // Cyrillic a
		workspace.UserID("apikey：" + id),       // full-width colon
		workspace.UserID("\u200bapikey:" + id), // zero-width space (refused as unprintable?)
	}
	for i, u := range lookalikes {
		if workspace.ValidateUser(u) != nil {
			continue
		}
		_, isKey := u.KeyID()
		require.False(t, isKey, "%q", u)
		now := e.clock()
		require.NoError(t, e.st.CreateMembership(context.Background(), workspace.Membership{WorkspaceID: sales.ID, UserID: u,
			Role: workspace.RoleViewer, Version: 1, CreatedAt: now, UpdatedAt: now}), "%d: %q", i, u)
		e.authz.Invalidate(sales.ID)
		uctx, _, err := e.ws.Enter(context.Background(), u, sales.ID)
		require.NoError(t, err)
		for _, p := range []rbac.Permission{{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}, {Resource: rbac.ResourceAgents, Action: rbac.ActionCreate}} {
			ok, err := e.authz.Can(uctx, p.Resource, p.Action)
			require.NoError(t, err)
			require.False(t, ok, "%q got the admin key's %s", u, p)
		}
		t.Logf("accepted as a person: %q", u)
	}
}

// Expiry edges, with one snapshot of the workspace cached in the
// Authorizer for all of them: a key expiring at exactly now is expired
// everywhere (Authenticate, every decision for a scope handed out before,
// the plan's count); several keys with different expiries each stop at
// their own time, the others keep working. Guard.
func TestAttackExpiryEdgesWithACachedSnapshot(t *testing.T) {
	e := newEnv(t)
	alice, sales := e.account(t, "alice", "", "Sales") // MaxAPIKeys: 3
	now := e.clock()
	mk := func(name string, exp time.Time) (apikey.Key, string, context.Context) {
		k, s, err := e.keys.Create(alice, apikey.NewKey{Name: name, Role: workspace.RoleMember, ExpiresAt: exp})
		require.NoError(t, err)
		return k, s, e.as(t, s)
	}
	_, s1, c1 := mk("1h", now.Add(time.Hour))
	_, s2, c2 := mk("2h", now.Add(2*time.Hour))
	_, s3, c3 := mk("never", time.Time{})
	can := func(ctx context.Context) bool {
		ok, err := e.authz.Can(ctx, rbac.ResourceAPIKeys, rbac.ActionRead)
		require.NoError(t, err)
		return ok
	}
	auth := func(s string) error { _, err := e.keys.Authenticate(context.Background(), s); return err }
	require.True(t, can(c1) && can(c2) && can(c3)) // snapshot cached now

	e.advance(time.Hour - time.Microsecond)
	require.NoError(t, auth(s1))
	require.True(t, can(c1))
	_, _, err := e.keys.Create(alice, apikey.NewKey{Name: "4th", Role: workspace.RoleMember})
	require.ErrorIs(t, err, workspace.ErrPlanLimit)

	e.advance(time.Microsecond) // exactly the first expiry
	require.ErrorIs(t, auth(s1), apikey.ErrKeyExpired)
	require.False(t, can(c1), "a scope handed out before its key expired")
	require.True(t, can(c2))
	require.True(t, can(c3))
	n, err := e.st.CountActiveKeys(context.Background(), sales.ID, e.clock())
	require.NoError(t, err)
	require.Equal(t, 2, n, "a key expiring at now does not count")

	e.advance(time.Hour)
	require.ErrorIs(t, auth(s2), apikey.ErrKeyExpired)
	require.False(t, can(c2))
	require.False(t, can(c1))
	require.True(t, can(c3))
	require.NoError(t, auth(s3))

	// A key created (expiring sooner) after the snapshot was cached.
	_, s5, c5 := mk("soon", e.clock().Add(time.Minute))
	require.True(t, can(c5))
	require.True(t, can(c3))
	e.advance(time.Minute)
	require.False(t, can(c5))
	require.ErrorIs(t, auth(s5), apikey.ErrKeyExpired)
	require.True(t, can(c3))

	// An expiry in the past, or at now, is refused at creation.
	for _, exp := range []time.Time{e.clock(), e.clock().Add(-time.Nanosecond), e.clock().Add(500 * time.Nanosecond)} {
		_, _, err := e.keys.Create(alice, apikey.NewKey{Name: "past", Role: workspace.RoleMember, ExpiresAt: exp})
		require.ErrorIs(t, err, workspace.ErrInvalid, "expiry %s (now %s)", exp, e.clock())
	}
}

// Nobody acts on a key whose role is above their own: an admin cannot
// revoke, rename or re-role an owner's key; a custom role with every
// api_keys permission but less than an admin's cannot touch an admin key
// nor raise a key to admin. Guard.
func TestAttackLowerRolesCannotManageHigherKeys(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "big", "Sales")
	ownerKey, _, err := e.keys.Create(alice, apikey.NewKey{Name: "owner", Role: workspace.RoleOwner})
	require.NoError(t, err)
	adminKey, _, err := e.keys.Create(alice, apikey.NewKey{Name: "admin", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	memberKey, _, err := e.keys.Create(alice, apikey.NewKey{Name: "member", Role: workspace.RoleMember})
	require.NoError(t, err)
	_, err = e.authz.CreateRole(alice, "keymaster", []rbac.Permission{
		{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}, {Resource: rbac.ResourceAPIKeys, Action: rbac.ActionCreate},
		{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionUpdate}, {Resource: rbac.ResourceAPIKeys, Action: rbac.ActionDelete},
	})
	require.NoError(t, err)
	bob := e.join(t, alice, "bob", workspace.RoleAdmin)
	carol := e.join(t, alice, "carol", "keymaster")

	for who, c := range map[string]struct {
		ctx    context.Context
		higher []apikey.Key
		raise  workspace.Role
	}{
		"admin":     {bob, []apikey.Key{ownerKey}, workspace.RoleOwner},
		"keymaster": {carol, []apikey.Key{ownerKey, adminKey, memberKey}, workspace.RoleAdmin},
	} {
		for _, k := range c.higher {
			require.ErrorIs(t, e.keys.Revoke(c.ctx, k.ID), workspace.ErrForbidden, "%s revokes %s", who, k.Name)
			_, err := e.keys.Rename(c.ctx, k.ID, "mine")
			require.ErrorIs(t, err, workspace.ErrForbidden, "%s renames %s", who, k.Name)
			_, err = e.keys.ChangeRole(c.ctx, k.ID, workspace.RoleViewer)
			require.ErrorIs(t, err, workspace.ErrForbidden, "%s demotes %s", who, k.Name)
		}
		_, _, err := e.keys.Create(c.ctx, apikey.NewKey{Name: "up", Role: c.raise})
		require.ErrorIs(t, err, workspace.ErrForbidden, "%s creates a %s key", who, c.raise)
	}
	_, err = e.keys.ChangeRole(bob, memberKey.ID, workspace.RoleOwner)
	require.ErrorIs(t, err, workspace.ErrForbidden, "an admin raises a key to owner")
	got, err := e.keys.Get(alice, memberKey.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleMember, got.Role)
}

// A custom role deleted (with reassignment) and re-created under the same
// name with more permissions gives nothing to the keys that held it, revoked
// or expired ones included: live and expired keys were moved, a revoked key
// stays revoked. An expired key still blocks deletion without
// reassignment. Guard.
func TestAttackRecreatedCustomRoleGivesKeysNothing(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "big", "Sales")
	read := []rbac.Permission{{Resource: rbac.ResourceAPIKeys, Action: rbac.ActionRead}}
	more := append(read, rbac.Permission{Resource: rbac.ResourceAgents, Action: rbac.ActionDelete}, rbac.Permission{Resource: rbac.ResourceTeam, Action: workspace.ActionManage})
	_, err := e.authz.CreateRole(alice, "ops", read)
	require.NoError(t, err)
	live, sLive, err := e.keys.Create(alice, apikey.NewKey{Name: "live", Role: "ops"})
	require.NoError(t, err)
	_, sExp, err := e.keys.Create(alice, apikey.NewKey{Name: "exp", Role: "ops", ExpiresAt: e.clock().Add(time.Minute)})
	require.NoError(t, err)
	rev, sRev, err := e.keys.Create(alice, apikey.NewKey{Name: "rev", Role: "ops"})
	require.NoError(t, err)
	cLive, cExp, cRev := e.as(t, sLive), e.as(t, sExp), e.as(t, sRev)
	require.NoError(t, e.keys.Revoke(alice, rev.ID))
	e.advance(time.Hour)

	require.ErrorIs(t, e.authz.DeleteRole(alice, "ops", ""), rbac.ErrRoleInUse, "an expired key still holds the role")
	require.NoError(t, e.authz.DeleteRole(alice, "ops", workspace.RoleViewer))
	_, err = e.authz.CreateRole(alice, "ops", more)
	require.NoError(t, err)
	for name, c := range map[string]context.Context{"live": cLive, "expired": cExp, "revoked": cRev} {
		for _, p := range more[1:] {
			ok, err := e.authz.Can(c, p.Resource, p.Action)
			require.NoError(t, err)
			require.False(t, ok, "the %s key got %s from the re-created role", name, p)
		}
	}
	got, err := e.keys.Get(alice, live.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleViewer, got.Role)
	_, err = e.keys.Authenticate(context.Background(), sRev)
	require.ErrorIs(t, err, apikey.ErrKeyRevoked)
}

// Nothing a key's lifecycle writes or publishes holds its secret, the
// secret's random part, or its hash in any encoding. Guard.
func TestAttackChangeLogAndEventsHoldNoSecretNorHash(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "big", "Sales")
	k, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "ci", Role: workspace.RoleAdmin, ExpiresAt: e.clock().Add(time.Hour)})
	require.NoError(t, err)
	kctx := e.as(t, secret)
	_, err = e.keys.Rename(alice, k.ID, "deploy")
	require.NoError(t, err)
	_, _, err = e.team.Invite(kctx, "x@example.com", workspace.RoleViewer) // refused: keys never manage the team
	require.ErrorIs(t, err, workspace.ErrForbidden)
	_, err = e.keys.ChangeRole(alice, k.ID, workspace.RoleMember)
	require.NoError(t, err)
	require.NoError(t, e.keys.FlushLastUsed(context.Background()))
	require.NoError(t, e.keys.Revoke(alice, k.ID))

	stored, err := e.st.GetKey(context.Background(), k.ID)
	require.NoError(t, err)
	random := secret[len(k.Prefix())+1:]
	forbidden := []string{secret, random, hex.EncodeToString(stored.Hash), base64.StdEncoding.EncodeToString(stored.Hash),
		base64.RawURLEncoding.EncodeToString(stored.Hash), string(stored.Hash)}
	check := func(what string, text string) {
		for _, f := range forbidden {
			require.NotContains(t, text, f, "%s", what)
		}
	}
	changes, err := e.st.ChangesAfter(context.Background(), 0, 1000)
	require.NoError(t, err)
	require.NotEmpty(t, changes)
	for _, c := range changes {
		check(string(c.Kind), string(c.Payload)+string(c.Actor))
	}
	for _, ev := range e.events() {
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		check(fmt.Sprintf("%T", ev), string(b)+fmt.Sprintf("%+v", ev))
	}
	list, err := e.keys.List(alice, workspace.Page{})
	require.NoError(t, err)
	b, _ := json.Marshal(list)
	check("List", string(b))
}

// Was a DESIGN RISK of the review: an admin key invited a person as
// admin, who stayed admin after the key's revocation, and promoted
// members. Keys now never hold team:manage, settings writes or key
// management (rbac.KeyNeverHolds), so a leaked key cannot outlive its
// revocation through the people, roles or workspaces it made. A key still
// outlives its creator's removal: keys belong to the workspace, not to
// the person who made them (documented).
func TestAttackKeysCannotOutliveRevocationThroughTheTeam(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "big", "Sales")
	bob := e.join(t, alice, "bob", workspace.RoleAdmin)
	e.join(t, alice, "carol", workspace.RoleViewer)
	_, secret, err := e.keys.Create(bob, apikey.NewKey{Name: "bob's", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	kctx := e.as(t, secret)

	_, _, err = e.team.Invite(kctx, "mallory@example.com", workspace.RoleAdmin)
	require.ErrorIs(t, err, workspace.ErrForbidden, "an admin key invites nobody")
	_, err = e.team.ChangeRole(kctx, "carol", workspace.RoleAdmin)
	require.ErrorIs(t, err, workspace.ErrForbidden, "an admin key promotes nobody")
	_, err = e.authz.CreateRole(kctx, "mine", []rbac.Permission{{Resource: rbac.ResourceAgents, Action: rbac.ActionRead}})
	require.ErrorIs(t, err, workspace.ErrForbidden, "nor makes roles")
	ok, err := e.authz.Can(kctx, rbac.ResourceAgents, rbac.ActionDelete)
	require.NoError(t, err)
	require.True(t, ok, "the admin key keeps its role's work on the workspace's content")
	ex, err := e.authz.Explain(kctx, rbac.ResourceTeam, rbac.ActionManage)
	require.NoError(t, err)
	require.False(t, ex.Allowed)
	require.Contains(t, ex.Reason, "API keys never hold")
	perms, err := e.authz.Permissions(kctx)
	require.NoError(t, err)
	for _, p := range rbac.KeyNeverHolds() {
		require.NotContains(t, perms, p)
	}

	require.NoError(t, e.team.Remove(alice, "bob"))
	_, err = e.keys.Authenticate(context.Background(), secret)
	require.NoError(t, err, "the key outlives its creator's removal: it belongs to the workspace")
}

// Was a DESIGN NOTE of the review: a host wiring the services by hand
// could leave the key cache out of the invalidations, and a deleted
// workspace's cached key kept authenticating. apikey.New now follows its
// Authorizer (AddFollower), so any workspace service built on the same
// Authorizer stops the key at once.
func TestAttackHandWiringCannotLeaveTheKeyCacheBehind(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.account(t, "alice", "big", "Sales")
	other, err := e.ws.Create(alice, workspace.NewWorkspace{Name: "Doomed"})
	require.NoError(t, err)
	octx, _, err := e.ws.Enter(context.Background(), "alice", other.ID)
	require.NoError(t, err)
	_, secret, err := e.keys.Create(octx, apikey.NewKey{Name: "ci", Role: workspace.RoleAdmin})
	require.NoError(t, err)
	_, err = e.keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)

	byHand := workspace.NewService(e.st, e.authz, plans, workspace.WithClock(e.clock))
	require.NoError(t, byHand.Delete(alice, other.ID, "Doomed"))
	_, err = e.keys.Authenticate(context.Background(), secret)
	require.ErrorIs(t, err, apikey.ErrKeyUnknown)
}

// Was a HOLE (low): ValidateUser refused "apikey:" only as an exact byte
// prefix, so a person's id could be the key's user id behind an invisible format
// character ("\u200bapikey:<id>", U+2060, U+FEFF): in the team list, an
// event or the change log it renders exactly as the key. The person gains
// nothing of the key's (TestAttackPersonIDsLookingLikeAKeyUser), but an
// audit reader cannot tell them apart, which the issue promises.
func TestAttackInvisiblePrefixedPersonIDRendersAsAKey(t *testing.T) {
	id := workspace.NewID().String()
	for _, u := range []workspace.UserID{
		workspace.UserID("\u200bapikey:" + id),
		workspace.UserID("\u2060apikey:" + id),
		workspace.UserID("\ufeffapikey:" + id),
		workspace.UserID("api\u200bkey:" + id),
	} {
		require.ErrorIs(t, workspace.ValidateUser(u), workspace.ErrInvalid,
			"%q is accepted as a person and renders as the key user apikey:%s", u, id)
	}
}
