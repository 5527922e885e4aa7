package bunstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// holdWorkspace locks a workspace in a transaction of its own until release
// is called, so that the writers started meanwhile queue up behind it.
func holdWorkspace(t *testing.T, st *bunstore.Store, id uuid.UUID) (release func() error) {
	t.Helper()
	locked, rel, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- st.Atomic(context.Background(), func(ctx context.Context) error {
			if _, err := st.LockWorkspace(ctx, id); err != nil {
				return err
			}
			close(locked)
			<-rel
			return nil
		})
	}()
	<-locked
	return func() error { close(rel); return <-done }
}

func requireNoDeadlock(t *testing.T, err error) {
	t.Helper()
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		require.NotEqual(t, "40P01", pg.Code, "deadlock: %v", err)
	}
	require.NotErrorIs(t, err, bunstore.ErrSerialization)
}

// Accept called inside a host transaction must lock in the same order as
// every other writer (workspace, then invitation), or PostgreSQL aborts one
// of them as a deadlock. Retries are off so that a deadlock surfaces.
func TestAcceptInHostTransactionKeepsTheLockOrder(t *testing.T) {
	for _, rival := range []string{"resend", "delete"} {
		t.Run(rival, func(t *testing.T) {
			st := bunstore.New(migratedDB(t), bunstore.WithRetries(0))
			e := testenv.NewOn(t, st, testenv.Unlimited)
			owner := workspace.UserID("owner-" + uuid.NewString())
			ctx, _ := e.Account(t, owner, "First")
			w2, err := e.WS.Create(ctx, workspace.NewWorkspace{Name: "Second"})
			require.NoError(t, err)
			ctx2 := e.SwitchTo(t, owner, w2)
			inv, token, err := e.Team.Invite(ctx2, "x@example.com", workspace.RoleMember)
			require.NoError(t, err)

			release := holdWorkspace(t, st, w2.ID)
			var rivalErr, acceptErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				if rival == "resend" {
					_, _, rivalErr = e.Team.Resend(ctx2, inv.ID)
				} else {
					rivalErr = e.WS.Delete(ctx, w2.ID, "Second")
				}
			}()
			time.Sleep(200 * time.Millisecond) // the rival queues on the workspace lock
			go func() {
				defer wg.Done()
				acceptErr = st.Atomic(context.Background(), func(host context.Context) error {
					_, err := e.Team.Accept(host, workspace.UserID("joiner-"+uuid.NewString()), token)
					return err
				})
			}()
			time.Sleep(200 * time.Millisecond) // accept queues too
			require.NoError(t, release())
			wg.Wait()

			requireNoDeadlock(t, rivalErr)
			requireNoDeadlock(t, acceptErr)
			// Whichever got the workspace first wins; the other sees why.
			switch {
			case rival == "resend" && rivalErr == nil:
				require.ErrorIs(t, acceptErr, membership.ErrTokenUnknown, "the old token was replaced first")
			case rival == "resend":
				require.ErrorIs(t, rivalErr, membership.ErrNotPending)
				require.NoError(t, acceptErr)
			default:
				require.NoError(t, rivalErr)
				if acceptErr != nil {
					require.ErrorIs(t, acceptErr, membership.ErrTokenUnknown, "the invitation went with its workspace")
				}
			}
		})
	}
}
