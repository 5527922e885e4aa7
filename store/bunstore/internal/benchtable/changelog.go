package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// timedStore times the outermost transactions the services run (the last
// one's duration), and can leave the change log out: the baseline.
type timedStore struct {
	*bunstore.Store
	noLog bool
	last  atomic.Int64 // ns
}

func (s *timedStore) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.InTransaction(ctx) {
		return s.Store.Atomic(ctx, fn)
	}
	start := time.Now()
	err := s.Store.Atomic(ctx, fn)
	s.last.Store(time.Since(start).Nanoseconds())
	return err
}

func (s *timedStore) AppendChange(ctx context.Context, c workspace.Change) (workspace.Change, error) {
	if s.noLog {
		return c, nil
	}
	return s.Store.AppendChange(ctx, c)
}

// roleChanger is one workspace with a member whose role a step flips.
type roleChanger struct {
	st    *timedStore
	team  *membership.Service
	ctx   context.Context
	user  workspace.UserID
	flips int
}

var unlimited = workspace.FixedPlans{"": {MaxWorkspaces: workspace.Unlimited, MaxMembers: workspace.Unlimited}}

func newRoleChanger(ctx context.Context, db *bun.DB, noLog bool) (*roleChanger, error) {
	st := &timedStore{Store: bunstore.New(db), noLog: noLog}
	authz, err := rbac.New(st)
	if err != nil {
		return nil, err
	}
	ws := workspace.NewService(st, authz, unlimited)
	team := membership.New(st, authz, unlimited)
	owner := workspace.UserID("owner-" + uuid.NewString())
	_, w, err := ws.CreateAccount(ctx, workspace.NewAccount{Name: "Bench", Owner: owner, Workspace: workspace.NewWorkspace{Name: "Bench"}})
	if err != nil {
		return nil, err
	}
	sc, err := ws.Switch(ctx, owner, w.ID)
	if err != nil {
		return nil, err
	}
	octx := workspace.WithScope(ctx, sc)
	_, token, err := team.Invite(octx, "member@example.com", workspace.RoleMember)
	if err != nil {
		return nil, err
	}
	user := workspace.UserID("member-" + uuid.NewString())
	if _, err := team.Accept(ctx, user, token); err != nil {
		return nil, err
	}
	return &roleChanger{st: st, team: team, ctx: octx, user: user}, nil
}

// step changes the member's role (viewer, member, viewer...).
func (r *roleChanger) step(context.Context) error {
	role := workspace.RoleViewer
	if r.flips%2 == 1 {
		role = workspace.RoleMember
	}
	r.flips++
	_, err := r.team.ChangeRole(r.ctx, r.user, role)
	return err
}

// changeLogTable measures what the change log adds to a membership change
// (issue 9's goal: at most 10% of the change's own transaction): ChangeRole
// through the membership service with the log and with AppendChange
// replaced by a no-op, taking turns one by one (the order flipping every
// step), each call and its transaction timed; then the throughput of
// concurrent changes in separate workspaces, whose appends all take the
// one counter row.
func changeLogTable(ctx context.Context, e *env, steps, clients, rounds int, round time.Duration) error {
	if err := bunstore.Migrate(ctx, e.bare); err != nil {
		return err
	}
	db, err := openDB(e.owner, nil, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	base, err := newRoleChanger(ctx, db, true)
	if err != nil {
		return err
	}
	with, err := newRoleChanger(ctx, db, false)
	if err != nil {
		return err
	}
	const warm = 50
	var callB, callW, txB, txW []float64
	for i := 0; i < steps+warm; i++ {
		order := [2]*roleChanger{base, with}
		if i%2 == 1 {
			order[0], order[1] = with, base
		}
		for _, r := range order {
			start := time.Now()
			if err := r.step(ctx); err != nil {
				return err
			}
			call := float64(time.Since(start).Nanoseconds())
			if i < warm {
				continue
			}
			if r == base {
				callB, txB = append(callB, call), append(txB, float64(r.st.last.Load()))
			} else {
				callW, txW = append(callW, call), append(txW, float64(r.st.last.Load()))
			}
		}
	}
	rows := []interleaved{
		summarize("ChangeRole's transaction: without the change log vs with it", txB, txW),
		summarize("ChangeRole, the whole call (checks, transaction, invalidation): without vs with", callB, callW),
	}
	fmt.Printf("\nChange log cost per membership change (ChangeRole through the service, superuser pool, %d of each interleaved after %d warm-up):\n\n", steps, warm)
	fmt.Printf("| measure | without log median | with log median | ratio of medians | block range | median pair ratio (95%%) | ratio of means |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %.3fx | %.3f-%.3fx | %.3fx (%.3f-%.3f) | %.3fx |\n", r.what, fmtNs(r.baseMed), fmtNs(r.withMed), r.withMed/r.baseMed, r.blockLo, r.blockHi, r.pairMed, r.pairLo, r.pairHi, r.withMean/r.baseMean)
	}
	diffs := make([]float64, len(txB))
	for i := range txB {
		diffs[i] = txW[i] - txB[i]
	}
	m, lo, hi := medianCI(diffs)
	fmt.Printf("\nthe append's share of the transaction: median pair difference %s (95%%: %s to %s), %.1f%% of the transaction without it (goal: <= 10%%)\n",
		fmtNs(m), fmtNs(lo), fmtNs(hi), 100*m/median(txB))
	if err := changeLogParts(ctx, db, steps); err != nil {
		return err
	}
	return changeLogParallel(ctx, db, clients, rounds, round)
}

// changeLogParts decomposes the append: a writing transaction (lock and
// update one account, as a membership change locks and updates its rows)
// alone and followed by one more statement each, the sides taking turns.
func changeLogParts(ctx context.Context, db *bun.DB, steps int) error {
	s := bunstore.New(db)
	acct := workspace.Account{ID: uuid.New(), Name: "Bench", OwnerID: "bench", Version: 1, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.CreateAccount(ctx, acct); err != nil {
		return err
	}
	const insert = `INSERT INTO workspacekit_changes (id, at, account_id, workspace_id, kind, actor, payload) `
	const values = `now(), gen_random_uuid(), gen_random_uuid(), 'member.role_changed', 'bench', '{"Member":"bob","From":"member","To":"viewer"}'::jsonb`
	parts := []struct{ name, sql string }{
		{"the writing transaction alone", ""},
		{"+ SELECT 1 (a round trip)", "SELECT 1"},
		{"+ the counter's UPDATE ... RETURNING", "UPDATE workspacekit_change_counter SET last = last + 1 RETURNING last"},
		{"+ SELECT pg_notify(...)", "SELECT pg_notify('workspacekit_changes', '1')"},
		{"+ an INSERT into the log (no counter)", insert + "SELECT -(random() * 1e15)::bigint, " + values + " RETURNING id"},
		{"+ counter and INSERT in one statement", "WITH n AS (UPDATE workspacekit_change_counter SET last = last + 1 RETURNING last), c AS (" +
			insert + "SELECT n.last, " + values + " FROM n RETURNING id) SELECT c.id FROM c"},
		{"+ AppendChange (counter, INSERT and pg_notify)", "append"},
	}
	c := workspace.Change{At: acct.CreatedAt, AccountID: acct.ID, WorkspaceID: uuid.New(), Kind: workspace.ChangeMemberRoleChanged, Actor: "bench",
		Payload: []byte(`{"Member":"bob","From":"member","To":"viewer"}`)}
	sides := make([]func(context.Context) error, len(parts))
	for i, p := range parts {
		sides[i] = func(ctx context.Context) error {
			return s.Atomic(ctx, func(ctx context.Context) error {
				a, err := s.LockAccount(ctx, acct.ID)
				if err != nil {
					return err
				}
				a.Version++
				if err := s.UpdateAccount(ctx, a); err != nil {
					return err
				}
				switch p.sql {
				case "":
					return nil
				case "append":
					_, err := s.AppendChange(ctx, c)
					return err
				}
				tx, _ := bunstore.TxFrom(ctx)
				_, err = tx.ExecContext(ctx, p.sql)
				return err
			})
		}
	}
	times, ratios, err := rotate(ctx, steps, 20, 1, nil, sides)
	if err != nil {
		return err
	}
	fmt.Printf("\nWhere the append's time goes: a writing transaction (lock and update one row) with one more statement, the %d taking turns, %d each:\n\n", len(parts), steps)
	fmt.Printf("| transaction | median | minus the first (median step difference) | median step ratio to the first |\n|---|---|---|---|\n")
	for j, p := range parts {
		d := make([]float64, len(times[j]))
		for i := range d {
			d[i] = times[j][i] - times[0][i]
		}
		fmt.Printf("| %s | %s | %s | %.3fx |\n", p.name, fmtNs(median(times[j])), fmtNs(median(d)), median(ratios[j]))
	}
	// The parts' rows are in the log too; they are not a service's.
	_, err = s.PruneChanges(ctx, 1<<62)
	return err
}

// changeLogParallel runs ChangeRole from clients goroutines at once, each
// in its own workspace, with and without the log in alternating rounds:
// with the log every change's transaction takes the counter row's lock
// from its append to its commit, so their commits queue.
func changeLogParallel(ctx context.Context, db *bun.DB, clients, rounds int, round time.Duration) error {
	db.DB.SetMaxOpenConns(clients)
	db.DB.SetMaxIdleConns(clients)
	sides := make([][]*roleChanger, 2)
	for s, noLog := range []bool{true, false} {
		for range clients {
			r, err := newRoleChanger(ctx, db, noLog)
			if err != nil {
				return err
			}
			sides[s] = append(sides[s], r)
		}
	}
	run := func(rs []*roleChanger, d time.Duration) (float64, error) {
		workers := make([]func(context.Context) error, len(rs))
		for k, r := range rs {
			workers[k] = r.step
		}
		return rate(ctx, workers, d)
	}

	for _, rs := range sides {
		if _, err := run(rs, round/2); err != nil {
			return err
		}
	}
	rates := [2][]float64{}
	var ratios []float64
	for r := 0; r < rounds; r++ {
		var got [2]float64
		for k := range 2 {
			j := (k + r) % 2
			rate, err := run(sides[j], round)
			if err != nil {
				return err
			}
			got[j] = rate
			rates[j] = append(rates[j], rate)
		}
		ratios = append(ratios, got[1]/got[0])
	}
	m, lo, hi := medianCI(ratios)
	fmt.Printf("\nChangeRole calls per second, %d clients at once, each in its own workspace, %d alternating rounds of %v: without the log %.0f/s, with it %.0f/s; with/without median round ratio %.3fx (95%%: %.3f-%.3f)\n",
		clients, rounds, round, median(rates[0]), median(rates[1]), m, lo, hi)
	return nil
}
