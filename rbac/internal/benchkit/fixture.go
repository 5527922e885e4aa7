// Package benchkit builds the benchmark fixture shared by the rbac
// benchmarks and the benchtable command: one memstore holding N workspaces
// of M members, an Authorizer on it, and the same policy as plain Casbin
// rules.
package benchkit

import (
	"context"
	"fmt"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Member is one membership of the fixture.
type Member struct {
	Workspace uuid.UUID
	Account   uuid.UUID
	User      workspace.UserID
	Role      workspace.Role
}

// Fixture is a store full of workspaces and the same policy as Casbin rules.
type Fixture struct {
	Store       *memstore.Store
	Workspaces  []uuid.UUID
	Members     []Member // stored memberships plus the derived account owners
	Stored      int      // how many of Members are stored memberships
	P, G        [][]string
	workspaceOf map[uuid.UUID]uuid.UUID
}

const perAccount = 10

// Build stores workspaces x members memberships (member 0 of each workspace
// is its account's owner, derived, not stored): users are drawn from a pool
// half the size of the memberships, so users belong to several workspaces.
func Build(workspaces, members int) (*Fixture, error) {
	ctx := context.Background()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &Fixture{Store: memstore.New(), workspaceOf: map[uuid.UUID]uuid.UUID{}}
	pool := max(workspaces*members/2, members+1)
	var acct workspace.Account
	for i := range workspaces {
		if i%perAccount == 0 {
			acct = workspace.Account{ID: workspace.NewID(), Name: fmt.Sprint("acct", i), OwnerID: workspace.UserID(fmt.Sprint("owner-", i/perAccount)), Version: 1, CreatedAt: now}
			if err := f.Store.CreateAccount(ctx, acct); err != nil {
				return nil, err
			}
		}
		w := workspace.Workspace{ID: workspace.NewID(), AccountID: acct.ID, Name: fmt.Sprint("ws", i), CreatedAt: now, UpdatedAt: now}
		if err := f.Store.CreateWorkspace(ctx, w); err != nil {
			return nil, err
		}
		f.Workspaces = append(f.Workspaces, w.ID)
		f.workspaceOf[w.ID] = acct.ID
		f.Members = append(f.Members, Member{w.ID, acct.ID, acct.OwnerID, workspace.RoleOwner})
		for j := 1; j < members; j++ {
			role := workspace.RoleViewer
			switch {
			case j < 3:
				role = workspace.RoleAdmin
			case j < 12:
				role = workspace.RoleMember
			}
			u := workspace.UserID(fmt.Sprint("user-", (i*members+j*7919)%pool))
			if err := f.Store.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: u, Role: role, Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
				// The pool may pick a user twice in one workspace; skip.
				continue
			}
			f.Members = append(f.Members, Member{w.ID, acct.ID, u, role})
			f.Stored++
		}
	}
	a, err := rbac.New(f.Store)
	if err != nil {
		return nil, err
	}
	f.P = a.BuiltinRules()
	for _, m := range f.Members {
		f.G = append(f.G, rbac.GroupingRule(m.Workspace, m.User, m.Role))
	}
	return f, nil
}

// Authorizer returns a fresh (cold) Authorizer on the fixture's store.
func (f *Fixture) Authorizer(opts ...rbac.Option) (*rbac.Authorizer, error) {
	return rbac.New(f.Store, append([]rbac.Option{rbac.WithMaxWorkspaces(len(f.Workspaces) + 1)}, opts...)...)
}

// Ctx is the request context of member m.
func (m Member) Ctx() context.Context {
	return workspace.WithScope(context.Background(), workspace.Scope{AccountID: m.Account, WorkspaceID: m.Workspace, UserID: m.User, Role: m.Role})
}

// adapter serves the fixture's rules to Casbin's LoadPolicy.
type adapter struct{ f *Fixture }

func (a adapter) LoadPolicy(m model.Model) error {
	for _, r := range a.f.P {
		if err := persist.LoadPolicyArray(append([]string{"p"}, r...), m); err != nil {
			return err
		}
	}
	for _, r := range a.f.G {
		if err := persist.LoadPolicyArray(append([]string{"g"}, r...), m); err != nil {
			return err
		}
	}
	return nil
}

func (adapter) SavePolicy(model.Model) error                              { return nil }
func (adapter) AddPolicy(string, string, []string) error                  { return nil }
func (adapter) RemovePolicy(string, string, []string) error               { return nil }
func (adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return nil }

// Synced returns a casbin SyncedEnforcer with the whole policy loaded.
func (f *Fixture) Synced() (*casbin.SyncedEnforcer, error) {
	m, err := rbac.NewModel()
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewSyncedEnforcer(m, adapter{f})
	if err != nil {
		return nil, err
	}
	// The policy is a cache of the store: casbin must not write it back.
	e.EnableAutoSave(false)
	return e, nil
}

// SyncedCached returns a casbin SyncedCachedEnforcer with the whole policy
// loaded.
func (f *Fixture) SyncedCached() (*casbin.SyncedCachedEnforcer, error) {
	m, err := rbac.NewModel()
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewSyncedCachedEnforcer(m, adapter{f})
	if err != nil {
		return nil, err
	}
	e.EnableAutoSave(false)
	return e, nil
}
