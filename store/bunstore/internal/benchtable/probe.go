package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/jackc/pgx/v5"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// probeVariant is one way to run a PK-select transaction on a pgx
// connection.
type probeVariant struct {
	what string
	rt   int // round trips
	run  func(ctx context.Context, c *pgx.Conn) error
}

// probeBegin compares ways of sending strict mode's setting on ONE
// connection (one server backend, the superuser: no policy applies), each
// transaction timed alone, the variants taking turns in a rotating order:
// what the setting itself costs, free of pool and backend differences.
func probeBegin(ctx context.Context, e *env, steps int) error {
	c, err := pgx.Connect(ctx, e.owner)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if _, err := c.PgConn().Prepare(ctx, probeBeginName, "BEGIN", nil); err != nil {
		return err
	}
	var a0 agent
	q := e.bare.NewSelect().Model(&a0).Where("?TableAlias.id = ?", e.id)
	_ = (*bunstore.Scoped).BeforeSelect(nil, e.sctx, q)
	sel := q.String()
	ws := e.ws.String()
	setLocal := "SET LOCAL " + bunstore.SettingWorkspace + " = '" + ws + "'"
	setConfig := "SELECT set_config('" + bunstore.SettingWorkspace + "', $1, true)"
	scanOne := func(rows pgx.Rows) error {
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("probe: %d rows", n)
		}
		return nil
	}
	selectOne := func(ctx context.Context, c *pgx.Conn) error {
		rows, err := c.Query(ctx, sel, pgx.QueryExecModeCacheStatement)
		if err != nil {
			return err
		}
		return scanOne(rows)
	}
	commit := func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "COMMIT")
		return err
	}
	// thenSelect is a transaction begun by begin: the select, then COMMIT.
	thenSelect := func(begin func(ctx context.Context, c *pgx.Conn) error) func(ctx context.Context, c *pgx.Conn) error {
		return func(ctx context.Context, c *pgx.Conn) error {
			if err := begin(ctx, c); err != nil {
				return err
			}
			if err := selectOne(ctx, c); err != nil {
				return err
			}
			return commit(ctx, c)
		}
	}
	simple := func(q string) func(ctx context.Context, c *pgx.Conn) error {
		return func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, q)
			return err
		}
	}
	batch := func(ctx context.Context, c *pgx.Conn, b *pgx.Batch) error {
		br := c.SendBatch(ctx, b)
		for i := 0; i < b.Len()-1; i++ {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return err
			}
		}
		rows, err := br.Query()
		if err != nil {
			_ = br.Close()
			return err
		}
		if err := scanOne(rows); err != nil {
			_ = br.Close()
			return err
		}
		return br.Close()
	}
	vs := []probeVariant{
		{"BEGIN / select / COMMIT (what pgx/stdlib sends)", 3, thenSelect(simple("BEGIN"))},
		{"prepared BEGIN: Bind/Execute/Sync / select / COMMIT (guarded connections now)", 3, thenSelect(func(ctx context.Context, c *pgx.Conn) error { return beginPrepared(ctx, c.PgConn(), "") })},
		{"prepared BEGIN + SET LOCAL parsed unnamed, one write, one answer / select / COMMIT", 3, thenSelect(func(ctx context.Context, c *pgx.Conn) error { return beginPrepared(ctx, c.PgConn(), ws) })},
		{"prepared BEGIN + set_config as a FunctionCall, one write, one answer / select / COMMIT (strict mode before the key lock)", 3, thenSelect(func(ctx context.Context, c *pgx.Conn) error { return beginPreparedFunctionCall(ctx, c.PgConn(), ws) })},
		{"BEGIN; SET LOCAL in one message / select / COMMIT (strict mode now)", 3, thenSelect(simple("BEGIN; " + setLocal))},
		{"BEGIN; SET LOCAL work_mem (a built-in setting) / select / COMMIT", 3, thenSelect(simple("BEGIN; SET LOCAL work_mem = '4MB'"))},
		{"BEGIN; SELECT WHERE false (a second statement, no setting) / select / COMMIT", 3, thenSelect(simple("BEGIN; SELECT WHERE false"))},
		{"BEGIN + set_config as a FunctionCall message, one write / select / COMMIT", 3, thenSelect(func(ctx context.Context, c *pgx.Conn) error { return beginFunctionCall(ctx, c.PgConn(), ws) })},
		{"BEGIN / prepared set_config + select pipelined / COMMIT", 3, func(ctx context.Context, c *pgx.Conn) error {
			if _, err := c.Exec(ctx, "BEGIN"); err != nil {
				return err
			}
			b := &pgx.Batch{}
			b.Queue(setConfig, ws)
			b.Queue(sel)
			if err := batch(ctx, c, b); err != nil {
				return err
			}
			return commit(ctx, c)
		}},
		{"lazy BEGIN: prepared begin + select pipelined / COMMIT (no setting)", 2, func(ctx context.Context, c *pgx.Conn) error {
			b := &pgx.Batch{}
			b.Queue("BEGIN")
			b.Queue(sel)
			if err := batch(ctx, c, b); err != nil {
				return err
			}
			return commit(ctx, c)
		}},
		{"lazy BEGIN: prepared begin + set_config + select pipelined / COMMIT", 2, func(ctx context.Context, c *pgx.Conn) error {
			b := &pgx.Batch{}
			b.Queue("BEGIN")
			b.Queue(setConfig, ws)
			b.Queue(sel)
			if err := batch(ctx, c, b); err != nil {
				return err
			}
			return commit(ctx, c)
		}},
	}
	runs := make([]func(context.Context) error, len(vs))
	for j, v := range vs {
		runs[j] = func(ctx context.Context) error { return v.run(ctx, c) }
	}
	times, ratios, err := rotate(ctx, steps, 200, 1, nil, runs)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	fmt.Printf("\nStrict mode's setting, ways to send it, on one connection as the superuser (no policy), %d transactions each, rotating order:\n\n", steps)
	fmt.Printf("| transaction | round trips | median | ratio of medians to the first | median step ratio (95%%) |\n|---|---|---|---|---|\n")
	base := median(times[0])
	for j, v := range vs {
		m, lo, hi := medianCI(ratios[j])
		fmt.Printf("| %s | %d | %s | %.3fx | %.3fx (%.3f-%.3f) |\n", v.what, v.rt, fmtNs(median(times[j])), median(times[j])/base, m, lo, hi)
	}
	return nil
}

// policyVariants are other forms of the policy, each on a copy of agents.
var policyVariants = map[string]string{
	"agents_nonullif": "workspace_id = current_setting('" + bunstore.SettingWorkspace + "', true)::uuid",
	"agents_astext":   "workspace_id::text = current_setting('" + bunstore.SettingWorkspace + "', true)",
	"agents_true":     "true",
}

// probePolicy isolates the policy's cost on ONE app-role connection: the
// same strict transaction on agents (forced RLS, the policy), on a copy
// without RLS and on copies under other forms of the policy, taking turns.
func probePolicy(ctx context.Context, e *env, steps int) error {
	c, err := pgx.Connect(ctx, e.app)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	var a0 agent
	q := e.bare.NewSelect().Model(&a0).Where("?TableAlias.id = ?", e.id)
	_ = (*bunstore.Scoped).BeforeSelect(nil, e.sctx, q)
	sel := q.String()
	on := func(table string) string { return strings.Replace(sel, `"agents" AS`, `"`+table+`" AS`, 1) }
	if on("agents_norls") == sel {
		return fmt.Errorf("probe: no table name in %s", sel)
	}
	tx := func(sel string) func(context.Context) error {
		return func(ctx context.Context) error {
			// Strict mode's begin: one simple query.
			if _, err := c.PgConn().Exec(ctx, "BEGIN; SET LOCAL "+bunstore.SettingWorkspace+" = '"+e.ws.String()+"'").ReadAll(); err != nil {
				return err
			}
			rows, err := c.Query(ctx, sel, pgx.QueryExecModeCacheStatement)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("probe: %d rows", n)
			}
			_, err = c.Exec(ctx, "COMMIT")
			return err
		}
	}
	tables := []string{"agents_norls", "agents", "agents_nonullif", "agents_astext", "agents_true"}
	names := []string{
		"no RLS",
		"the policy: " + bunstore.PolicyCondition,
		"without NULLIF: " + policyVariants["agents_nonullif"],
		"compared as text (no index can use it): " + policyVariants["agents_astext"],
		"USING (true): RLS machinery alone",
	}
	sides := make([]func(context.Context) error, len(tables))
	for i, t := range tables {
		sides[i] = tx(on(t))
	}
	times, ratios, err := rotate(ctx, steps, 200, 1, nil, sides)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	fmt.Printf("\nThe policy alone, one app-role connection, strict mode's begin / select / COMMIT, %d each, rotating order:\n\n", steps)
	fmt.Printf("| table | median | ratio of medians to no RLS | median step ratio (95%%) |\n|---|---|---|---|\n")
	for j, name := range names {
		m, lo, hi := medianCI(ratios[j])
		fmt.Printf("| %s | %s | %.3fx | %.3fx (%.3f-%.3f) |\n", name, fmtNs(median(times[j])), median(times[j])/median(times[0]), m, lo, hi)
	}
	return nil
}

// setConfigOID is pg_proc's set_config(text, text, boolean).
const setConfigOID = 2078

// probeBeginName is the probe connection's prepared BEGIN.
const probeBeginName = "probe_begin"

// beginPrepared is strict mode's begin as the connector sends it: Bind and
// Execute of a prepared BEGIN, then (ws not empty) Parse, Bind and Execute
// of SET LOCAL as the unnamed statement, then Sync: one write, answered by
// one ReadyForQuery.
func beginPrepared(ctx context.Context, pc *pgconn.PgConn, ws string) error {
	fe := pc.Frontend()
	fe.Send(&pgproto3.Bind{PreparedStatement: probeBeginName})
	fe.Send(&pgproto3.Execute{})
	if ws != "" {
		fe.Send(&pgproto3.Parse{Query: "SET LOCAL " + bunstore.SettingWorkspace + " = '" + ws + "'"})
		fe.Send(&pgproto3.Bind{})
		fe.Send(&pgproto3.Execute{})
	}
	fe.Send(&pgproto3.Sync{})
	return awaitReady(ctx, pc)
}

// beginPreparedFunctionCall is strict mode's begin before the key was
// locked: Bind and Execute of a prepared BEGIN, then set_config as a
// FunctionCall message (which the lock takes from the app role).
func beginPreparedFunctionCall(ctx context.Context, pc *pgconn.PgConn, ws string) error {
	fe := pc.Frontend()
	fe.Send(&pgproto3.Bind{PreparedStatement: probeBeginName})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.FunctionCall{Function: setConfigOID, ArgFormatCodes: []uint16{0},
		Arguments: [][]byte{[]byte(bunstore.SettingWorkspace), []byte(ws), []byte("true")}, ResultFormatCode: 0})
	return awaitReady(ctx, pc)
}

// awaitReady flushes what was sent and reads up to one ReadyForQuery,
// returning the first error the server sent.
func awaitReady(ctx context.Context, pc *pgconn.PgConn) error {
	fe := pc.Frontend()
	if err := fe.Flush(); err != nil {
		return err
	}
	var firstErr error
	for {
		m, err := pc.ReceiveMessage(ctx)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *pgproto3.ReadyForQuery:
			return firstErr
		case *pgproto3.ErrorResponse:
			if firstErr == nil {
				firstErr = pgconn.ErrorResponseToPgError(m)
			}
		}
	}
}

// beginFunctionCall sends BEGIN (simple query) and set_config through the
// protocol's FunctionCall message in one write: no statement to parse or
// plan for the setting.
func beginFunctionCall(ctx context.Context, pc *pgconn.PgConn, ws string) error {
	fe := pc.Frontend()
	fe.Send(&pgproto3.Query{String: "BEGIN"})
	fe.Send(&pgproto3.FunctionCall{Function: setConfigOID, ArgFormatCodes: []uint16{0},
		Arguments: [][]byte{[]byte(bunstore.SettingWorkspace), []byte(ws), []byte("true")}, ResultFormatCode: 0})
	if err := fe.Flush(); err != nil {
		return err
	}
	var firstErr error
	for ready := 0; ready < 2; {
		m, err := pc.ReceiveMessage(ctx)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *pgproto3.ReadyForQuery:
			ready++
		case *pgproto3.ErrorResponse:
			if firstErr == nil {
				firstErr = pgconn.ErrorResponseToPgError(m)
			}
		}
	}
	return firstErr
}
