package main

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// strictTable compares the PK-select transaction as a host runs it
// (BEGIN, select, COMMIT through database/sql and bun, guarded) with
// strict mode's, and decomposes the difference: the five take turns
// (rotating order, each transaction timed alone) in 20 parts, each part on
// fresh connections, so that no pair of server backends decides the
// result.
func strictTable(ctx context.Context, e *env, steps int) error {
	const parts = 20
	dbs := []*bun.DB{e.guarded, e.hostRole, e.setOnly, e.strict, e.bare}
	names := []string{
		"guarded (no strict mode), superuser",
		"guarded (no strict mode), a plain login role (NOSUPERUSER BYPASSRLS)",
		"guarded + the workspace's SET LOCAL, superuser (no policy binds it)",
		"strict mode: SET LOCAL + RLS policy, app role",
		"for reference: unguarded bun.DB (pgx/stdlib's simple-protocol BEGIN), superuser",
	}
	sides := make([]func(context.Context) error, len(dbs))
	for i, db := range dbs {
		sides[i] = e.pkTx(db)
	}
	times, ratios, err := rotate(ctx, steps, 20, parts, freshConnections(dbs...), sides)
	if err != nil {
		return err
	}
	fmt.Printf("\nPK-select transaction through database/sql + bun, the five taking turns, %d each in %d parts on fresh connections:\n\n", steps, parts)
	fmt.Printf("| transaction | median | ratio of medians to the first | median step ratio (95%%) | parts' ratios of medians (min-max) |\n|---|---|---|---|---|\n")
	base := median(times[0])
	per := len(times[0]) / parts
	for j, name := range names {
		lo, hi := 0.0, 0.0
		for p := 0; p < parts; p++ {
			r := median(times[j][p*per:(p+1)*per]) / median(times[0][p*per:(p+1)*per])
			if p == 0 || r < lo {
				lo = r
			}
			if p == 0 || r > hi {
				hi = r
			}
		}
		m, mlo, mhi := medianCI(ratios[j])
		fmt.Printf("| %s | %s | %.3fx | %.3fx (%.3f-%.3f) | %.3f-%.3fx |\n", name, fmtNs(median(times[j])), median(times[j])/base, m, mlo, mhi, lo, hi)
	}
	vsHost := make([]float64, len(times[1]))
	for i := range vsHost {
		vsHost[i] = times[3][i] / times[1][i]
	}
	m, lo, hi := medianCI(vsHost)
	fmt.Printf("\nstrict mode vs the plain login role (both NOSUPERUSER): ratio of medians %.3fx, median step ratio %.3fx (95%%: %.3f-%.3f)\n",
		median(times[3])/median(times[1]), m, lo, hi)
	return nil
}

// requestTx is a transaction shaped like a request's: the primary-key
// select, an update of that row, and a count of the workspace's agents.
func (e *env) requestTx(db *bun.DB) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return db.RunInTx(e.sctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var a agent
			if err := tx.NewSelect().Model(&a).Where("?TableAlias.id = ?", e.id).Scan(ctx); err != nil {
				return err
			}
			if _, err := tx.NewUpdate().Model(&a).Column("name").WherePK().Exec(ctx); err != nil {
				return err
			}
			// Count bypasses bun's hooks: the guard refuses it unless the
			// query carries the workspace itself.
			n, err := tx.NewSelect().Model((*agent)(nil)).ApplyQueryBuilder(bunstore.WhereWorkspace(ctx)).Count(ctx)
			if err == nil && n != 100 {
				err = fmt.Errorf("benchtable: counted %d agents, not 100", n)
			}
			return err
		})
	}
}

// requestTable puts strict mode's cost in a request-shaped transaction
// (three statements) beside the single select's: the setting is paid once
// per transaction, the policy once per statement.
func requestTable(ctx context.Context, e *env, steps int) error {
	const parts = 20
	dbs := []*bun.DB{e.hostRole, e.strict}
	sides := []func(context.Context) error{e.requestTx(e.hostRole), e.requestTx(e.strict)}
	times, ratios, err := rotate(ctx, steps, 20, parts, freshConnections(dbs...), sides)
	if err != nil {
		return err
	}
	m, lo, hi := medianCI(ratios[1])
	fmt.Printf("\nRequest-shaped transaction (PK select, update of that row, count of the workspace's 100 agents), %d each in %d parts on fresh connections: plain login role %s, strict mode %s: ratio of medians %.3fx, median step ratio %.3fx (95%%: %.3f-%.3f)\n",
		steps, parts, fmtNs(median(times[0])), fmtNs(median(times[1])), median(times[1])/median(times[0]), m, lo, hi)
	return nil
}

// freshConnections returns a func that makes dbs open new connections (new
// server backends) for what follows.
func freshConnections(dbs ...*bun.DB) func() {
	return func() {
		for _, db := range dbs {
			db.DB.SetMaxIdleConns(0)
			db.DB.SetMaxIdleConns(4)
		}
	}
}
