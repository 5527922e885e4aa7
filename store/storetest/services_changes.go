package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// changeEnv is testenv's wiring with every service's events (custom roles'
// too) kept in order, to compare with the change log.
type changeEnv struct {
	*testenv.Env
	mu     sync.Mutex
	events []workspace.Event
}

func newChangeEnv(t *testing.T, st store.Store, plans workspace.Plans) *changeEnv {
	t.Helper()
	e := &changeEnv{}
	bus := workspace.NewBus()
	bus.Subscribe(func(_ context.Context, ev workspace.Event) {
		switch ev.(type) {
		case workspace.Switched, workspace.SwitchRefused:
			return // not changes: nothing is written
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		e.events = append(e.events, ev)
	})
	authz, err := rbac.New(st, rbac.WithEvents(bus))
	require.NoError(t, err)
	e.Env = &testenv.Env{
		Store: st,
		Authz: authz,
		WS:    workspace.NewService(st, authz, plans, workspace.WithEvents(bus)),
		Team:  membership.New(st, authz, plans, membership.WithEvents(bus)),
	}
	return e
}

func (e *changeEnv) published() []workspace.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]workspace.Event(nil), e.events...)
}

// changeEvents maps each kind to the event type its payload holds.
var changeEvents = map[workspace.ChangeKind]workspace.Event{
	workspace.ChangeWorkspaceCreated:     workspace.Created{},
	workspace.ChangeWorkspaceUpdated:     workspace.Updated{},
	workspace.ChangeWorkspaceDeleted:     workspace.Deleted{},
	workspace.ChangeMemberJoined:         membership.Joined{},
	workspace.ChangeMemberRoleChanged:    membership.RoleChanged{},
	workspace.ChangeMemberRemoved:        membership.Removed{},
	workspace.ChangeMemberLeft:           membership.Removed{},
	workspace.ChangeOwnershipTransferred: membership.OwnershipTransferred{},
	workspace.ChangeRoleCreated:          rbac.RoleCreated{},
	workspace.ChangeRoleChanged:          rbac.RoleUpdated{},
	workspace.ChangeRoleDeleted:          rbac.RoleDeleted{},
	workspace.ChangeInvitationCreated:    membership.Invited{},
	workspace.ChangeInvitationRevoked:    membership.InvitationRevoked{},
	workspace.ChangeInvitationAccepted:   membership.Joined{},
}

// decodeChange unmarshals a change's payload into the event type of its
// kind.
func decodeChange(t *testing.T, c workspace.Change) workspace.Event {
	t.Helper()
	proto, ok := changeEvents[c.Kind]
	require.True(t, ok, "unknown kind %q", c.Kind)
	ptr := reflect.New(reflect.TypeOf(proto))
	require.NoError(t, json.Unmarshal(c.Payload, ptr.Interface()), "payload of change %d (%s)", c.ID, c.Kind)
	return ptr.Elem().Interface().(workspace.Event)
}

// changeLine is what the log says about a change, without its payload.
type changeLine struct {
	Kind      workspace.ChangeKind
	Account   uuid.UUID
	Workspace uuid.UUID
	Actor     workspace.UserID
}

func allChanges(t *testing.T, st store.Store, after int64) []workspace.Change {
	t.Helper()
	var out []workspace.Change
	for {
		page, err := st.ChangesAfter(context.Background(), after, workspace.MaxChangesPage)
		require.NoError(t, err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

func lastChange(t *testing.T, st store.Store) int64 {
	t.Helper()
	n, err := st.LastChange(context.Background())
	require.NoError(t, err)
	return n
}

// serviceChanges: every write of every service appends exactly its kinds,
// for the right account, workspace and actor, with the published event as
// the payload, in the order the writes committed.
func serviceChanges(t *testing.T, h Harness) {
	st := h.New(t)
	e := newChangeEnv(t, st, testenv.Unlimited)
	base := lastChange(t, st)
	var want []changeLine
	expect := func(kind workspace.ChangeKind, acct, ws uuid.UUID, actor workspace.UserID) {
		want = append(want, changeLine{kind, acct, ws, actor})
	}

	owner, bob, carol, dave, erin := user("owner"), user("bob"), user("carol"), user("dave"), user("erin")
	ctx, first := e.Account(t, owner, "First")
	acct := first.AccountID
	expect(workspace.ChangeWorkspaceCreated, acct, first.ID, owner)

	second, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Second"})
	require.NoError(t, err)
	expect(workspace.ChangeWorkspaceCreated, acct, second.ID, owner)

	name := "First renamed"
	_, err = e.WS.Update(ctx, first.ID, workspace.Changes{Name: &name})
	require.NoError(t, err)
	expect(workspace.ChangeWorkspaceUpdated, acct, first.ID, owner)
	_, err = e.WS.Update(ctx, first.ID, workspace.Changes{Name: &name}) // no change, no row
	require.NoError(t, err)

	inv, _, err := e.Team.Invite(ctx, "bob@example.com", workspace.RoleMember)
	require.NoError(t, err)
	expect(workspace.ChangeInvitationCreated, acct, first.ID, owner)
	_, token, err := e.Team.Resend(ctx, inv.ID)
	require.NoError(t, err)
	expect(workspace.ChangeInvitationCreated, acct, first.ID, owner)
	_, err = e.Team.Accept(context.Background(), bob, token)
	require.NoError(t, err)
	expect(workspace.ChangeInvitationAccepted, acct, first.ID, bob)
	expect(workspace.ChangeMemberJoined, acct, first.ID, bob)

	inv2, _, err := e.Team.Invite(ctx, "carol@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	expect(workspace.ChangeInvitationCreated, acct, first.ID, owner)
	require.NoError(t, e.Team.Revoke(ctx, inv2.ID))
	expect(workspace.ChangeInvitationRevoked, acct, first.ID, owner)

	_, err = e.Team.ChangeRole(ctx, bob, workspace.RoleAdmin)
	require.NoError(t, err)
	expect(workspace.ChangeMemberRoleChanged, acct, first.ID, owner)
	_, err = e.Team.ChangeRole(ctx, bob, workspace.RoleAdmin) // same role: nothing happens
	require.NoError(t, err)

	perm := e.Authz.RegisteredPermissions()[0]
	_, err = e.Authz.CreateRole(ctx, "auditor", []rbac.Permission{perm})
	require.NoError(t, err)
	expect(workspace.ChangeRoleCreated, acct, first.ID, owner)
	_, err = e.Authz.UpdateRole(ctx, "auditor", e.Authz.RegisteredPermissions()[:2])
	require.NoError(t, err)
	expect(workspace.ChangeRoleChanged, acct, first.ID, owner)
	_, err = e.Authz.RenameRole(ctx, "auditor", "reviewer")
	require.NoError(t, err)
	expect(workspace.ChangeRoleChanged, acct, first.ID, owner)
	require.NoError(t, e.Authz.DeleteRole(ctx, "reviewer", ""))
	expect(workspace.ChangeRoleDeleted, acct, first.ID, owner)

	carolCtx := e.Join(t, ctx, carol, workspace.RoleMember)
	expect(workspace.ChangeInvitationCreated, acct, first.ID, owner)
	expect(workspace.ChangeInvitationAccepted, acct, first.ID, carol)
	expect(workspace.ChangeMemberJoined, acct, first.ID, carol)
	require.NoError(t, e.Team.Leave(carolCtx))
	expect(workspace.ChangeMemberLeft, acct, first.ID, carol)

	e.Join(t, ctx, dave, workspace.RoleViewer)
	expect(workspace.ChangeInvitationCreated, acct, first.ID, owner)
	expect(workspace.ChangeInvitationAccepted, acct, first.ID, dave)
	expect(workspace.ChangeMemberJoined, acct, first.ID, dave)
	require.NoError(t, e.Team.Remove(ctx, dave))
	expect(workspace.ChangeMemberRemoved, acct, first.ID, owner)

	require.NoError(t, e.WS.Delete(ctx, second.ID, "Second"))
	expect(workspace.ChangeWorkspaceDeleted, acct, second.ID, owner)

	e.Join(t, ctx, erin, workspace.RoleAdmin)
	expect(workspace.ChangeInvitationCreated, acct, first.ID, owner)
	expect(workspace.ChangeInvitationAccepted, acct, first.ID, erin)
	expect(workspace.ChangeMemberJoined, acct, first.ID, erin)
	require.NoError(t, e.Team.TransferOwnership(ctx, erin, workspace.RoleAdmin))
	expect(workspace.ChangeOwnershipTransferred, acct, uuid.Nil, owner)

	got := allChanges(t, st, base)
	lines := make([]changeLine, 0, len(got))
	for _, c := range got {
		lines = append(lines, changeLine{c.Kind, c.AccountID, c.WorkspaceID, c.Actor})
	}
	require.Equal(t, want, lines)
	require.Equal(t, span(base, len(want)), changeIDs(got))

	// Each payload is the event published after the commit; accepting an
	// invitation writes its one event (Joined) under both of its kinds.
	var events []workspace.Event
	for _, ev := range e.published() {
		events = append(events, ev)
		if _, ok := ev.(membership.Joined); ok {
			events = append(events, ev)
		}
	}
	require.Len(t, events, len(got))
	for i, c := range got {
		ev := decodeChange(t, c)
		require.Equal(t, events[i], ev, "change %d (%s)", c.ID, c.Kind)
		m := ev.Meta()
		require.True(t, m.At.Equal(c.At), "change %d: at %v, event at %v", c.ID, c.At, m.At)
		require.Equal(t, changeLine{c.Kind, m.AccountID, m.WorkspaceID, m.Actor}, lines[i])
	}
	require.False(t, decodeChange(t, got[3]).(membership.Invited).Resent)
	require.True(t, decodeChange(t, got[4]).(membership.Invited).Resent, "the resend is marked")
	for _, c := range got {
		switch c.Kind {
		case workspace.ChangeMemberLeft:
			require.True(t, decodeChange(t, c).(membership.Removed).Left)
		case workspace.ChangeMemberRemoved:
			require.False(t, decodeChange(t, c).(membership.Removed).Left)
		}
	}
}

// failedServiceChanges: a service call that fails, or that joins a host
// transaction that rolls back, leaves nothing in the change log.
func failedServiceChanges(t *testing.T, h Harness) {
	st := h.New(t)
	e := newChangeEnv(t, st, workspace.FixedPlans{"": {MaxWorkspaces: 3, MaxMembers: 4}})
	ctx, first := e.Account(t, user("owner"), "First")
	_, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Second"})
	require.NoError(t, err)
	bob := user("bob")
	e.Join(t, ctx, bob, workspace.RoleMember)
	_, err = e.Authz.CreateRole(ctx, "auditor", e.Authz.RegisteredPermissions()[:1])
	require.NoError(t, err)
	_, err = e.Team.ChangeRole(ctx, bob, "auditor")
	require.NoError(t, err)
	_, _, err = e.Team.Invite(ctx, "carol@example.com", workspace.RoleViewer)
	require.NoError(t, err) // the third of four seats
	base := lastChange(t, st)

	boom := errors.New("purge failed")
	e.WS.RegisterPurge("writes then fails", func(ctx context.Context, id uuid.UUID) error {
		if err := e.Store.DeleteMembership(ctx, id, bob); err != nil {
			return err
		}
		return boom
	})
	for _, tc := range []struct {
		name string
		want error
		call func() error
	}{
		{"Delete whose purge fails", boom, func() error { return e.WS.Delete(ctx, first.ID, "First") }},
		{"Invite of a pending email", workspace.ErrConflict, func() error {
			_, _, err := e.Team.Invite(ctx, "carol@example.com", workspace.RoleViewer)
			return err
		}},
		{"Invite over the seat limit, after the last seat", workspace.ErrPlanLimit, func() error {
			if _, _, err := e.Team.Invite(ctx, "dave@example.com", workspace.RoleViewer); err != nil {
				return err
			}
			base++ // that one committed
			_, _, err := e.Team.Invite(ctx, "erin@example.com", workspace.RoleViewer)
			return err
		}},
		{"DeleteRole of a role in use", rbac.ErrRoleInUse, func() error { return e.Authz.DeleteRole(ctx, "auditor", "") }},
		{"Create over the plan limit, after a third", workspace.ErrPlanLimit, func() error {
			if _, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Third"}); err != nil {
				return err
			}
			base++ // that one committed
			_, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Fourth"})
			return err
		}},
		{"a service inside a host transaction that rolls back", errBoom, func() error {
			return st.Atomic(ctx, func(ctx context.Context) error {
				if _, err := e.Team.ChangeRole(ctx, bob, workspace.RoleAdmin); err != nil {
					return err
				}
				if err := e.Team.Remove(ctx, bob); err != nil {
					return err
				}
				return errBoom
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.call(), tc.want)
			require.Equal(t, base, lastChange(t, st))
			require.Empty(t, allChanges(t, st, base))
		})
	}
	// Nothing was published for them either, and the log stays usable.
	_, err = e.Team.ChangeRole(ctx, bob, workspace.RoleAdmin)
	require.NoError(t, err)
	got := allChanges(t, st, base)
	require.Len(t, got, 1)
	require.Equal(t, workspace.ChangeMemberRoleChanged, got[0].Kind)
	require.Equal(t, base+1, got[0].ID)
}
