package main

import (
	"context"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// story is the demo's account: alice owns Sales and Support; bob and
// carol are admins of Sales. Its contexts carry each user's scope, made by
// Switch as a request would.
type story struct {
	support      workspace.Workspace
	alice        context.Context // alice in Sales
	aliceSupport context.Context
	bob, carol   context.Context // in Sales
}

func newStory(ctx context.Context, web *app) (*story, error) {
	s := &story{}
	_, sales, err := web.workspaces.CreateAccount(ctx, workspace.NewAccount{
		Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	if err != nil {
		return nil, err
	}
	if s.alice, _, err = web.workspaces.Enter(ctx, "alice", sales.ID); err != nil {
		return nil, err
	}
	if s.support, err = web.workspaces.Create(s.alice, workspace.NewWorkspace{Name: "Support"}); err != nil {
		return nil, err
	}
	if s.aliceSupport, _, err = web.workspaces.Enter(ctx, "alice", s.support.ID); err != nil {
		return nil, err
	}
	if s.bob, err = admin(ctx, web, s.alice, "bob"); err != nil {
		return nil, err
	}
	if s.carol, err = admin(ctx, web, s.alice, "carol"); err != nil {
		return nil, err
	}
	for _, seed := range []struct {
		ctx      context.Context
		subjects []string
	}{
		{s.alice, []string{"Order 1042 is late", "Invoice question", "Upgrade to annual"}},
		{s.aliceSupport, []string{"Password reset", "Bug: export button"}},
	} {
		for _, subject := range seed.subjects {
			c := &conversation{ID: uuid.New(), Subject: subject, Body: "...", CreatedAt: web.clock()}
			if err := web.conversations.Insert(seed.ctx, c); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// admin invites user as an admin of the workspace of by's scope, accepts,
// and returns the new admin's scoped context.
func admin(ctx context.Context, web *app, by context.Context, user workspace.UserID) (context.Context, error) {
	_, token, err := web.team.Invite(by, string(user)+"@example.com", workspace.RoleAdmin)
	if err != nil {
		return nil, err
	}
	userCtx, _, err := web.team.AcceptAndEnter(ctx, user, token)
	return userCtx, err
}
