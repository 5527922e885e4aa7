package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// What the change log costs a membership change (issue 9: at most 10% of
// the change's own transaction). The side-by-side table, interleaved one
// by one over TCP, is printed by ./internal/benchtable; these are the Go
// benchmarks of the same things on the test cluster's unix socket:
//
//	go test -run XXX -bench 'ChangeRole|AppendChange' ./store/bunstore/

// timedStore times the outermost transactions the services run, and can
// leave the change log out (AppendChange does nothing): the baseline.
type timedStore struct {
	*bunstore.Store
	noLog   bool
	txNanos int64
	txs     int64
}

func (s *timedStore) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.InTransaction(ctx) {
		return s.Store.Atomic(ctx, fn)
	}
	start := time.Now()
	err := s.Store.Atomic(ctx, fn)
	s.txNanos += time.Since(start).Nanoseconds()
	s.txs++
	return err
}

func (s *timedStore) AppendChange(ctx context.Context, c workspace.Change) (workspace.Change, error) {
	if s.noLog {
		return c, nil
	}
	return s.Store.AppendChange(ctx, c)
}

// BenchmarkChangeRole changes a member's role through the membership
// service, with the change log and without it; tx-ns/op is the service's
// own transaction (ns/op adds its checks before and after).
func BenchmarkChangeRole(b *testing.B) {
	db := migratedDBB(b)
	for _, side := range []struct {
		name  string
		noLog bool
	}{{"without log", true}, {"with log", false}} {
		b.Run(side.name, func(b *testing.B) {
			st := &timedStore{Store: bunstore.New(db), noLog: side.noLog}
			e := testenv.NewOn(b, st, testenv.Unlimited)
			ctx, _ := e.Account(b, workspace.UserID("owner-"+uuid.NewString()), "Bench")
			bob := workspace.UserID("bob-" + uuid.NewString())
			e.Join(b, ctx, bob, workspace.RoleMember)
			roles := [2]workspace.Role{workspace.RoleViewer, workspace.RoleMember}
			st.txNanos, st.txs = 0, 0
			i := 0
			for b.Loop() {
				if _, err := e.Team.ChangeRole(ctx, bob, roles[i%2]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			require.Equal(b, int64(i), st.txs)
			b.ReportMetric(float64(st.txNanos)/float64(i), "tx-ns/op")
		})
	}
}

// BenchmarkAppendChange is the change log's statement alone: a
// transaction that updates one row (an account, with its row lock: the
// shape of a membership change's write), with and without an append after
// it; the difference is what the append adds to a writing transaction.
func BenchmarkAppendChange(b *testing.B) {
	db := migratedDBB(b)
	s := bunstore.New(db)
	acct := workspace.Account{ID: uuid.New(), Name: "Bench", OwnerID: "bench", Version: 1, CreatedAt: t0}
	require.NoError(b, s.CreateAccount(b.Context(), acct))
	c := workspace.Change{At: t0, AccountID: acct.ID, WorkspaceID: uuid.New(), Kind: workspace.ChangeMemberRoleChanged, Actor: "bench",
		Payload: []byte(`{"At":"2025-03-14T15:09:26.535897Z","AccountID":"6f1c1c2e-8d8f-4a1e-9a57-6b0b0b0b0b0b","WorkspaceID":"6f1c1c2e-8d8f-4a1e-9a57-6b0b0b0b0b0c","Actor":"bench","Member":"bob","From":"member","To":"viewer"}`)}
	for _, side := range []struct {
		name   string
		append bool
	}{{"update", false}, {"update and append", true}} {
		b.Run(side.name, func(b *testing.B) {
			for b.Loop() {
				err := s.Atomic(b.Context(), func(ctx context.Context) error {
					a, err := s.LockAccount(ctx, acct.ID)
					if err != nil {
						return err
					}
					a.Version++
					if err := s.UpdateAccount(ctx, a); err != nil {
						return err
					}
					if side.append {
						_, err = s.AppendChange(ctx, c)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
