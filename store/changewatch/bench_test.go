package changewatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// BenchmarkCan compares a cached decision of an Authorizer without a
// watcher and of one built WithFreshness on a running watcher: the goal is
// no measurable difference and no allocation.
func BenchmarkCan(b *testing.B) {
	for _, watched := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "watched"}[watched]
		b.Run(name, func(b *testing.B) {
			st := memstore.New()
			var opts []rbac.Option
			var w *changewatch.Watcher
			if watched {
				w = changewatch.New(st, nil)
				opts = append(opts, rbac.WithFreshness(w))
			}
			authz, err := rbac.New(st, opts...)
			require.NoError(b, err)
			if watched {
				w.Add(authz)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() { _ = w.Run(ctx) }()
				require.Eventually(b, w.Fresh, time.Second, time.Millisecond)
			}
			svc := workspace.NewService(st, authz, workspace.FixedPlans{"": {MaxWorkspaces: 1, MaxMembers: 1}})
			_, ws, err := svc.CreateAccount(context.Background(), workspace.NewAccount{Name: "A", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "W"}})
			require.NoError(b, err)
			ctx := workspace.WithScope(context.Background(), workspace.Scope{AccountID: ws.AccountID, WorkspaceID: ws.ID, UserID: "alice"})
			_, err = authz.Can(ctx, rbac.ResourceContacts, rbac.ActionRead)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := authz.Can(ctx, rbac.ResourceContacts, rbac.ActionRead); !ok {
					b.Fatal("denied")
				}
			}
		})
	}
}
