package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/workspace"
)

// instance is one app server of the propagation run: its own pool,
// store, Authorizer and, when watched, a watcher with LISTEN.
type instance struct {
	st    *bunstore.Store
	authz *rbac.Authorizer
	ws    *workspace.Service
	team  *membership.Service
	watch *changewatch.Watcher
	close func()
}

var propPlans = workspace.FixedPlans{"": {MaxWorkspaces: 10, MaxMembers: 1000}}

func newInstance(ctx context.Context, dsn string, watched bool, onChange func(workspace.Change)) (*instance, error) {
	db, err := bunstore.Open(dsn)
	if err != nil {
		return nil, err
	}
	in := &instance{st: bunstore.New(db)}
	var opts []rbac.Option
	if watched {
		in.watch = changewatch.New(in.st, nil, changewatch.WithOnChange(onChange))
		opts = append(opts, rbac.WithFreshness(in.watch))
	}
	if in.authz, err = rbac.New(in.st, opts...); err != nil {
		return nil, err
	}
	in.ws = workspace.NewService(in.st, in.authz, propPlans)
	in.team = membership.New(in.st, in.authz, propPlans)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if watched {
		in.watch.Add(in.authz)
		wg.Add(2)
		go func() { defer wg.Done(); _ = in.watch.Run(ctx) }()
		go func() { defer wg.Done(); _ = bunstore.Listen(ctx, dsn, in.watch) }()
	}
	in.close = func() { cancel(); wg.Wait(); _ = db.Close() }
	return in, nil
}

// propagationTable measures, with three instances on one PostgreSQL, the
// time from the commit of a role change made through instance 1 to the
// first decision on instances 2 and 3 that follows it, while the
// watchers' LISTEN connections are killed at random moments and the
// server restarts once; then how far behind the watchers fall under a
// steady stream of changes.
func propagationTable(ctx context.Context, srv *server, changes, perMinute int) error {
	dsn, err := propagationDB(ctx, srv)
	if err != nil {
		return err
	}
	var lags [3]lagLog // time from each change (its At) to its invalidation, per instance
	var ins [3]*instance
	for i := range ins {
		if ins[i], err = newInstance(ctx, dsn, i > 0, lags[i].record); err != nil {
			return err
		}
		defer ins[i].close()
	}
	for _, in := range ins[1:] {
		for deadline := time.Now().Add(10 * time.Second); !in.watch.Fresh(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				return errors.New("propagation: a watcher never caught up")
			}
		}
	}
	one := ins[0]
	_, w, err := one.ws.CreateAccount(ctx, workspace.NewAccount{Name: "Acme", Owner: "alice", Workspace: workspace.NewWorkspace{Name: "Sales"}})
	if err != nil {
		return err
	}
	alice, err := one.ws.Switch(ctx, "alice", w.ID)
	if err != nil {
		return err
	}
	actx := workspace.WithScope(ctx, alice)
	const members = 40
	scopes := make([]workspace.Scope, members)
	admin := make([]bool, members)
	for m := range scopes {
		_, token, err := one.team.Invite(actx, fmt.Sprintf("m%d@example.com", m), workspace.RoleAdmin)
		if err != nil {
			return err
		}
		if scopes[m], err = one.team.Accept(ctx, workspace.UserID(fmt.Sprintf("m%d", m)), token); err != nil {
			return err
		}
		admin[m] = true
	}
	can := func(in *instance, sc workspace.Scope) (bool, error) {
		return in.authz.Can(workspace.WithScope(ctx, sc), rbac.ResourceTeam, rbac.ActionManage)
	}
	kills := map[int]bool{}
	for len(kills) < changes/50 {
		kills[rand.IntN(changes)] = true
	}
	restartAt := changes / 2
	lat := [2][]time.Duration{}
	var failures [2]int
	bound := changewatch.DefaultBound
	killed, restarted := 0, false
	for i := 0; i < changes; i++ {
		if kills[i] {
			n, err := killListeners(ctx, one)
			if err != nil {
				return err
			}
			killed += n
		}
		if i == restartAt && srv.restart != nil {
			if err := srv.restart(); err != nil {
				return fmt.Errorf("propagation: restart: %w", err)
			}
			restarted = true
		}
		m := rand.IntN(members)
		role := workspace.RoleViewer
		if !admin[m] {
			role = workspace.RoleAdmin
		}
		for try := 0; ; try++ { // the pool may hold connections the restart cut
			if _, err = one.team.ChangeRole(actx, scopes[m].UserID, role); err == nil || try == 5 {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("propagation: change %d: %w", i, err)
		}
		committed := time.Now()
		admin[m] = !admin[m]
		var wg sync.WaitGroup
		for k, in := range ins[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(committed) < 5*time.Second {
					ok, err := can(in, scopes[m])
					if err == nil && ok == admin[m] {
						lat[k] = append(lat[k], time.Since(committed))
						return
					}
					time.Sleep(200 * time.Microsecond)
				}
				failures[k]++
			}()
		}
		wg.Wait()
	}
	fmt.Printf("\nPropagation: 3 instances (own pools) on one PostgreSQL, %d role changes through instance 1, LISTEN connections killed %d times at random moments, server restarted %v; time from commit to the first decision that follows the change (bound %s):\n\n",
		changes, killed, restarted, bound)
	fmt.Printf("| instance | p50 | p99 | max | later than the bound | never within 5 s |\n|---|---|---|---|---|---|\n")
	for k := range lat {
		d := lat[k]
		over := 0
		for _, x := range d {
			if x > bound {
				over++
			}
		}
		fmt.Printf("| %d | %v | %v | %v | %d | %d |\n", k+2, pct(d, 50), pct(d, 99), pct(d, 100), over, failures[k])
	}
	for k := range lags {
		lags[k].reset()
	}
	return steadyStream(ins, &lags, actx, scopes, admin, perMinute)
}

// lagLog keeps, while on, how long after each change's time it was applied.
type lagLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *lagLog) record(c workspace.Change) {
	now := time.Now()
	l.mu.Lock()
	l.d = append(l.d, now.Sub(c.At))
	l.mu.Unlock()
}

func (l *lagLog) reset() { l.mu.Lock(); l.d = nil; l.mu.Unlock() }

func (l *lagLog) take() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.d...)
}

// steadyStream sends role changes through instance 1 at perMinute for
// 20 s, from four writers (each with its own members), and reports how
// long after each change's time instances 2 and 3 applied it (their
// watchers' invalidation; the change's time is taken before its commit, so
// this overstates the lag by the transaction's own duration).
func steadyStream(ins [3]*instance, lags *[3]lagLog, actx context.Context, scopes []workspace.Scope, admin []bool, perMinute int) error {
	one := ins[0]
	const writers = 4
	interval := time.Minute / time.Duration(perMinute)
	n := int(20 * time.Second / interval)
	ticks := make(chan struct{}, n)
	errs := make(chan error, writers)
	var sent atomic.Int64
	var wg sync.WaitGroup
	for j := 0; j < writers; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := j
			for range ticks {
				role := workspace.RoleViewer
				if !admin[m] {
					role = workspace.RoleAdmin
				}
				if _, err := one.team.ChangeRole(actx, scopes[m].UserID, role); err != nil {
					errs <- err
					return
				}
				admin[m] = !admin[m]
				sent.Add(1)
				m = (m + writers) % len(scopes)
			}
		}()
	}
	start := time.Now()
	next := start
	for i := 0; i < n; i++ {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		ticks <- struct{}{}
	}
	close(ticks)
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return err
	default:
	}
	time.Sleep(2 * time.Second)
	fmt.Printf("\nSteady stream: %d role changes through instance 1 at %d/min from %d writers (%.0f/min achieved), time from each change to the watcher's invalidation:\n\n| instance | changes applied | p50 | p99 | max | later than the bound |\n|---|---|---|---|---|---|\n",
		n, perMinute, writers, float64(sent.Load())/took.Minutes())
	for k := 1; k <= 2; k++ {
		d := lags[k].take()
		over := int(sent.Load()) - len(d)
		for _, x := range d {
			if x > changewatch.DefaultBound {
				over++
			}
		}
		fmt.Printf("| %d | %d | %v | %v | %v | %d |\n", k+1, len(d), pct(d, 50), pct(d, 99), pct(d, 100), over)
	}
	return nil
}

// killListeners terminates every backend whose last statement was a
// LISTEN: the watchers' connections.
func killListeners(ctx context.Context, in *instance) (int, error) {
	var n int
	err := in.st.DB(ctx).QueryRowContext(workspace.Unscoped(ctx, "benchtable: kill listeners"),
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'listen%'").Scan(&n)
	return n, err
}

// propagationDB creates and migrates a database of its own.
func propagationDB(ctx context.Context, srv *server) (string, error) {
	admin, err := bunstore.Open(srv.dsn)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	sys := workspace.Unscoped(ctx, "benchtable: propagation database")
	if _, err := admin.ExecContext(sys, "DROP DATABASE IF EXISTS propagation"); err != nil {
		return "", err
	}
	if _, err := admin.ExecContext(sys, "CREATE DATABASE propagation"); err != nil {
		return "", err
	}
	u, err := url.Parse(srv.dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/propagation"
	dsn := u.String()
	db, err := bunstore.Open(dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	return dsn, bunstore.Migrate(sys, db)
}
