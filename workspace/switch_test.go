package workspace_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func TestListRolesAndPaging(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, first := e.Account(t, "alice", "ws 000")
	const n = 130
	ids := []uuid.UUID{first.ID}
	for i := 1; i < n; i++ {
		w, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: fmt.Sprintf("ws %03d", i)})
		require.NoError(t, err)
		ids = append(ids, w.ID)
	}
	// bob: viewer in the first workspace only.
	e.Join(t, ctx, "bob", workspace.RoleViewer)

	var seen []uuid.UUID
	page := workspace.Page{Limit: 50}
	for {
		got, err := e.WS.List(context.Background(), "alice", page)
		require.NoError(t, err)
		for _, a := range got {
			require.Equal(t, workspace.RoleOwner, a.Role)
			require.True(t, a.AccountOwner)
			seen = append(seen, a.Workspace.ID)
		}
		if len(got) < page.Limit {
			break
		}
		page.After = got[len(got)-1].Workspace.ID
	}
	require.Equal(t, ids, seen, "every workspace once, in creation order")

	bobs, err := e.WS.List(context.Background(), "bob", workspace.Page{})
	require.NoError(t, err)
	require.Len(t, bobs, 1)
	require.Equal(t, workspace.RoleViewer, bobs[0].Role)
	require.False(t, bobs[0].AccountOwner)

	_, err = e.WS.List(context.Background(), "alice", workspace.Page{Limit: workspace.MaxPageSize + 1})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	_, err = e.WS.List(context.Background(), "", workspace.Page{})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

func TestSwitchReadsRoleFresh(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	e.Join(t, ctx, "bob", workspace.RoleViewer)

	sc, err := e.WS.Switch(context.Background(), "bob", sales.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleViewer, sc.Role)
	require.Equal(t, sales.AccountID, sc.AccountID)

	_, err = e.Team.ChangeRole(ctx, "bob", workspace.RoleAdmin)
	require.NoError(t, err)
	sc2, err := e.WS.Switch(context.Background(), "bob", sales.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleAdmin, sc2.Role, "the role is read from the target, not carried over")
	require.Greater(t, sc2.MembershipVersion, sc.MembershipVersion)

	sw := last[workspace.Switched](t, e.Events)
	require.Equal(t, workspace.UserID("bob"), sw.Actor)
	require.Equal(t, workspace.RoleAdmin, sw.Role)
}

func TestSwitchRefusalsLookTheSame(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, _ := e.Account(t, "alice", "Sales")
	other, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Other"})
	require.NoError(t, err)
	gone, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Gone"})
	require.NoError(t, err)
	require.NoError(t, e.WS.Delete(ctx, gone.ID, "Gone"))
	e.Join(t, ctx, "bob", workspace.RoleMember) // member of Sales only

	cases := map[string]uuid.UUID{"unknown id": uuid.New(), "deleted": gone.ID, "not a member": other.ID}
	msgs := map[string]string{}
	for name, id := range cases {
		_, err := e.WS.Switch(context.Background(), "bob", id)
		require.ErrorIs(t, err, workspace.ErrNotFound, name)
		msgs[name] = err.Error()
		refused := last[workspace.SwitchRefused](t, e.Events)
		require.Equal(t, id, refused.WorkspaceID)
		require.NotEmpty(t, refused.Reason)
	}
	// Callers see the same kind of message whatever the reason.
	for name, msg := range msgs {
		require.Equal(t, fmt.Sprintf("%v: workspace %s", workspace.ErrNotFound, cases[name]), msg)
	}
}

func TestGet(t *testing.T) {
	e := newEnv(t, unlimited)
	_, sales := e.Account(t, "alice", "Sales")
	got, err := e.WS.Get(context.Background(), "alice", sales.ID)
	require.NoError(t, err)
	require.Equal(t, sales, got)
	_, err = e.WS.Get(context.Background(), "mallory", sales.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

func TestUpdate(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	support, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Support"})
	require.NoError(t, err)
	viewer := e.Join(t, ctx, "vic", workspace.RoleViewer)
	_, foreign := e.Account(t, "mallory", "Mallory's")

	w, err := e.WS.Update(ctx, sales.ID, workspace.Changes{Name: ptr(" Sales EU "), Description: ptr("Europe")})
	require.NoError(t, err)
	require.Equal(t, "Sales EU", w.Name)
	require.Equal(t, "Europe", w.Description)
	require.False(t, w.UpdatedAt.Before(sales.UpdatedAt))
	ev := last[workspace.Updated](t, e.Events)
	require.Equal(t, "Sales", ev.Before.Name)
	require.Equal(t, "Sales EU", ev.After.Name)

	// Settings > Workspaces: another workspace than the active one, decided
	// by the caller's role there.
	s2, err := e.WS.Update(ctx, support.ID, workspace.Changes{Description: ptr("Tickets")})
	require.NoError(t, err)
	require.Equal(t, "Tickets", s2.Description)

	for name, tc := range map[string]struct {
		ctx context.Context
		id  uuid.UUID
		c   workspace.Changes
		err error
	}{
		"no scope":          {context.Background(), sales.ID, workspace.Changes{Name: ptr("X")}, workspace.ErrNoScope},
		"viewer":            {viewer, sales.ID, workspace.Changes{Name: ptr("X")}, workspace.ErrForbidden},
		"viewer, not there": {viewer, support.ID, workspace.Changes{Name: ptr("X")}, workspace.ErrNotFound},
		"foreign workspace": {ctx, foreign.ID, workspace.Changes{Name: ptr("X")}, workspace.ErrNotFound},
		"unknown id":        {ctx, workspace.NewID(), workspace.Changes{Name: ptr("X")}, workspace.ErrNotFound},
		"taken name":        {ctx, sales.ID, workspace.Changes{Name: ptr("SUPPORT")}, workspace.ErrConflict},
		"empty name":        {ctx, sales.ID, workspace.Changes{Name: ptr(" ")}, workspace.ErrInvalid},
		"long desc":         {ctx, sales.ID, workspace.Changes{Description: ptr(string(make([]rune, 501)))}, workspace.ErrInvalid},
		"long name":         {ctx, sales.ID, workspace.Changes{Name: ptr(string(make([]byte, 65)))}, workspace.ErrInvalid},
	} {
		_, err := e.WS.Update(tc.ctx, tc.id, tc.c)
		require.ErrorIs(t, err, tc.err, name)
	}
	got, err := e.WS.Get(context.Background(), "alice", sales.ID)
	require.NoError(t, err)
	require.Equal(t, w, got, "refused updates change nothing")
	got, err = e.WS.Get(context.Background(), "mallory", foreign.ID)
	require.NoError(t, err)
	require.Equal(t, "Mallory's", got.Name, "a foreign workspace is untouched")
}

func TestEnterIsSwitchInTheContext(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, sales := e.Account(t, "alice", "Sales")
	e.Join(t, ctx, "bob", workspace.RoleMember)

	bob, sc, err := e.WS.Enter(context.Background(), "bob", sales.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleMember, sc.Role)
	got, ok := workspace.ScopeFrom(bob)
	require.True(t, ok)
	require.Equal(t, sc, got)
	require.NoError(t, e.Authz.Require(bob, "agents", "create"))

	// A refusal leaves the caller's context as it was: no scope slips in.
	_, foreign := e.Account(t, "mallory", "Mallory's")
	back, sc, err := e.WS.Enter(context.Background(), "bob", foreign.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	require.Equal(t, workspace.Scope{}, sc)
	_, ok = workspace.ScopeFrom(back)
	require.False(t, ok)
}
