package storetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

func runConcurrency(t *testing.T, h Harness) { runTests(t, h, concurrencyTests) }

// racers is how many goroutines each case runs at once: enough to lose
// updates without locks, few enough for a PostgreSQL connection pool.
const racers = 20

// raceAll runs fn(i) for i in [0, racers) on as many goroutines, released
// together, and returns their errors by i.
func raceAll(fn func(i int) error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func countNil(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		}
	}
	return n
}

var errSkipped = errors.New("storetest: limit reached, nothing written")

var concurrencyTests = []test{
	{"LockAccount serializes count-then-insert: a limit of 5 admits exactly 5", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		const limit = 5
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				if _, err := e.s.LockAccount(ctx, a.ID); err != nil {
					return err
				}
				n, err := e.s.CountWorkspaces(ctx, a.ID)
				if err != nil {
					return err
				}
				runtime.Gosched() // widen the window a missing lock would lose
				if n >= limit {
					return errSkipped
				}
				return e.s.CreateWorkspace(ctx, workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "W" + strconv.Itoa(i), CreatedAt: e.now, UpdatedAt: e.now})
			})
		})
		for _, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, errSkipped)
			}
		}
		require.Equal(t, limit, countNil(errs))
		require.Equal(t, limit, e.count(e.s.CountWorkspaces(e.ctx, a.ID)))
		require.Len(t, e.accountWorkspaces(a.ID), limit)
	}},
	{"LockAccount serializes read-modify-write: no increment is lost", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		errs := raceAll(func(int) error {
			return e.atomic(func(ctx context.Context) error {
				got, err := e.s.LockAccount(ctx, a.ID)
				if err != nil {
					return err
				}
				runtime.Gosched()
				got.Version++
				return e.s.UpdateAccount(ctx, got)
			})
		})
		require.Equal(t, racers, countNil(errs), "%v", errs)
		require.Equal(t, int64(1+racers), e.getAccount(a.ID).Version)
	}},
	{"LockWorkspace serializes count-then-insert: a seat limit of 7 admits exactly 7", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		const limit = 7
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				if _, err := e.s.LockWorkspace(ctx, w.ID); err != nil {
					return err
				}
				n, err := e.s.CountMemberships(ctx, w.ID)
				if err != nil {
					return err
				}
				p, err := e.s.CountPendingInvitations(ctx, w.ID, e.now)
				if err != nil {
					return err
				}
				runtime.Gosched()
				if n+p >= limit {
					return errSkipped
				}
				if i%2 == 0 {
					return e.s.CreateInvitation(ctx, e.newInvitation(w.ID, e.email(fmt.Sprint("i", i)), workspace.RoleMember))
				}
				return e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: e.user(fmt.Sprint("m", i)), Role: workspace.RoleMember, Version: 1, CreatedAt: e.now, UpdatedAt: e.now})
			})
		})
		for _, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, errSkipped)
			}
		}
		require.Equal(t, limit, countNil(errs))
		seats := e.count(e.s.CountMemberships(e.ctx, w.ID)) + e.count(e.s.CountPendingInvitations(e.ctx, w.ID, e.now))
		require.Equal(t, limit, seats)
	}},
	{"LockWorkspace serializes read-modify-write: no increment is lost", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		w.Description = "0"
		require.NoError(t, e.s.UpdateWorkspace(e.ctx, w))
		errs := raceAll(func(int) error {
			return e.atomic(func(ctx context.Context) error {
				got, err := e.s.LockWorkspace(ctx, w.ID)
				if err != nil {
					return err
				}
				n, err := strconv.Atoi(got.Description)
				if err != nil {
					return err
				}
				runtime.Gosched()
				got.Description = strconv.Itoa(n + 1)
				return e.s.UpdateWorkspace(ctx, got)
			})
		})
		require.Equal(t, racers, countNil(errs), "%v", errs)
		require.Equal(t, strconv.Itoa(racers), e.getWorkspace(w.ID).Description)
	}},
	{"LockInvitationByToken makes an invitation single use", func(t *testing.T, e *env) {
		w := e.workspace(e.account(e.user("owner")).ID, "Sales")
		inv := e.invite(w.ID, e.email("bob"), workspace.RoleAdmin)
		errUsed := errors.New("already used")
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				got, err := e.s.LockInvitationByToken(ctx, inv.TokenHash)
				if err != nil {
					return err
				}
				runtime.Gosched()
				if got.Status != membership.StatusPending {
					return errUsed
				}
				user := e.user(fmt.Sprint("acceptor", i))
				got.Status, got.AcceptedBy = membership.StatusAccepted, user
				if err := e.s.UpdateInvitation(ctx, got); err != nil {
					return err
				}
				return e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: user, Role: got.Role, Version: 1, CreatedAt: e.now, UpdatedAt: e.now})
			})
		})
		for _, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, errUsed)
			}
		}
		require.Equal(t, 1, countNil(errs))
		ms := e.memberships(w.ID)
		require.Len(t, ms, 1)
		got := e.getInvitation(w.ID, inv.ID)
		require.Equal(t, membership.StatusAccepted, got.Status)
		require.Equal(t, ms[0].UserID, got.AcceptedBy)
	}},
	{"concurrent inserts of one key: exactly one wins, the rest conflict", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		w := e.workspace(a.ID, "Sales")
		hash := e.token()
		for _, insert := range []func(i int) error{
			func(i int) error {
				return e.s.CreateMembership(e.ctx, workspace.Membership{WorkspaceID: w.ID, UserID: e.user("bob"), Role: workspace.RoleMember, Version: int64(i), CreatedAt: e.now, UpdatedAt: e.now})
			},
			func(i int) error {
				return e.s.CreateWorkspace(e.ctx, workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Twin", Description: strconv.Itoa(i), CreatedAt: e.now, UpdatedAt: e.now})
			},
			func(i int) error {
				inv := e.newInvitation(w.ID, e.email(strconv.Itoa(i)), workspace.RoleMember)
				inv.TokenHash = hash
				return e.s.CreateInvitation(e.ctx, inv)
			},
		} {
			errs := raceAll(insert)
			require.Equal(t, 1, countNil(errs))
			for _, err := range errs {
				if err != nil {
					conflict(t, err)
				}
			}
		}
		require.Len(t, e.memberships(w.ID), 1)
		require.Len(t, e.accountWorkspaces(a.ID), 2)
		require.Len(t, e.pending(w.ID), 1)
	}},
	{"transactions on different workspaces all commit", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		ids := make([]uuid.UUID, racers)
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				ws := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "W" + strconv.Itoa(i), CreatedAt: e.now, UpdatedAt: e.now}
				ids[i] = ws.ID
				if err := e.s.CreateWorkspace(ctx, ws); err != nil {
					return err
				}
				if _, err := e.s.LockWorkspace(ctx, ws.ID); err != nil {
					return err
				}
				return e.s.CreateMembership(ctx, workspace.Membership{WorkspaceID: ws.ID, UserID: e.user("bob"), Role: workspace.RoleMember, Version: 1, CreatedAt: e.now, UpdatedAt: e.now})
			})
		})
		require.Equal(t, racers, countNil(errs), "%v", errs)
		require.ElementsMatch(t, ids, accessIDs(e.access(e.user("bob"))))
	}},
}
