package workspace_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func TestCreateAccountValidation(t *testing.T) {
	tests := []struct {
		name string
		in   workspace.NewAccount
	}{
		{"empty account name", workspace.NewAccount{Name: "  ", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}}},
		{"long account name", workspace.NewAccount{Name: strings.Repeat("a", 129), Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}}},
		{"empty owner", workspace.NewAccount{Name: "Acme", Owner: " ", Workspace: workspace.NewWorkspace{Name: "Sales"}}},
		{"empty workspace name", workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: " \t"}}},
		{"65-character workspace name", workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: strings.Repeat("é", 65)}}},
		{"control character in name", workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sa\x00les"}}},
		{"501-character description", workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales", Description: strings.Repeat("d", 501)}}},
		{"unknown plan", workspace.NewAccount{Name: "Acme", Owner: "alice", Plan: "gold", Workspace: workspace.NewWorkspace{Name: "Sales"}}},
	}
	e := newEnv(t, workspace.FixedPlans{"free": {MaxWorkspaces: 1, MaxMembers: 3}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Plan == "" {
				tt.in.Plan = "free"
			}
			_, _, err := e.WS.CreateAccount(context.Background(), tt.in)
			require.ErrorIs(t, err, workspace.ErrInvalid)
			list, err := e.WS.List(context.Background(), "alice", workspace.Page{})
			require.NoError(t, err)
			require.Empty(t, list, "a refused account must leave nothing behind")
		})
	}
	require.Empty(t, e.Events.All())
}

func TestCreateAccountPlanAllowingNoWorkspace(t *testing.T) {
	e := newEnv(t, workspace.FixedPlans{"": {MaxWorkspaces: 0, MaxMembers: 1}})
	_, _, err := e.WS.CreateAccount(context.Background(), workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.ErrorIs(t, err, workspace.ErrPlanLimit)
	list, err := e.WS.List(context.Background(), "alice", workspace.Page{})
	require.NoError(t, err)
	require.Empty(t, list)
}

func TestCreateTrimsAndMakesCreatorOwner(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, _ := e.Account(t, "alice", "Sales")
	bob := e.Join(t, ctx, "bob", workspace.RoleAdmin)

	w, err := e.WS.Create(bob, workspace.NewWorkspace{Name: "  Support  ", Description: "  tickets "})
	require.NoError(t, err)
	require.Equal(t, "Support", w.Name)
	require.Equal(t, "tickets", w.Description)

	got, err := e.WS.Switch(context.Background(), "bob", w.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleOwner, got.Role, "the creator becomes owner")
	got, err = e.WS.Switch(context.Background(), "alice", w.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleOwner, got.Role, "the account owner owns workspaces created later")

	created := last[workspace.Created](t, e.Events)
	require.Equal(t, w, created.Workspace)
	require.Equal(t, workspace.UserID("bob"), created.Actor)
}

func TestCreateRefusals(t *testing.T) {
	e := newEnv(t, unlimited)
	ctx, _ := e.Account(t, "alice", "Sales")
	member := e.Join(t, ctx, "mia", workspace.RoleMember)

	_, err := e.WS.Create(context.Background(), workspace.NewWorkspace{Name: "X"})
	require.ErrorIs(t, err, workspace.ErrNoScope)
	_, err = e.WS.Create(member, workspace.NewWorkspace{Name: "X"})
	require.ErrorIs(t, err, workspace.ErrForbidden)
	_, err = e.WS.Create(ctx, workspace.NewWorkspace{Name: "sALES"})
	require.ErrorIs(t, err, workspace.ErrConflict, "names are unique per account ignoring case")
	_, err = e.WS.Create(ctx, workspace.NewWorkspace{Name: ""})
	require.ErrorIs(t, err, workspace.ErrInvalid)

	list, err := e.WS.List(context.Background(), "alice", workspace.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1, "refused creates change nothing")

	// Another account may use the same name.
	_, _, err = e.WS.CreateAccount(context.Background(), workspace.NewAccount{Name: "Other", Owner: "olga", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	require.NoError(t, err)
}

func TestCreatePlanLimitUnderConcurrency(t *testing.T) {
	const limit, tries = 5, 24
	e := newEnv(t, workspace.FixedPlans{"": {MaxWorkspaces: limit, MaxMembers: workspace.Unlimited}})
	ctx, _ := e.Account(t, "alice", "Sales")

	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.WS.Create(ctx, workspace.NewWorkspace{Name: "ws " + uuid.NewString()})
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, workspace.ErrPlanLimit):
			limited++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.Equal(t, limit-1, ok, "the first workspace already counts")
	require.Equal(t, tries-(limit-1), limited)
	list, err := e.WS.List(context.Background(), "alice", workspace.Page{})
	require.NoError(t, err)
	require.Len(t, list, limit)
}
