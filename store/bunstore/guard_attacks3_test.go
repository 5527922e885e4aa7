package bunstore_test

// Third review round: holes in the guard WITHOUT strict mode (the guard
// accepts the statement in A's scope and it reaches B's rows). With strict
// mode and LockStrictKey, row-level security still stops each of them
// (checked by hand: the Exec shift's UPDATE of B affects 0 rows in a
// strict transaction of A). Each test fails while the hole is open.

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
)

// TestAttack3ExecLeadingResultFormatsShiftsArguments: conn.go's check
// skips a leading pgx.QueryResultFormats (or QueryResultFormatsByOID) as
// an option on every path, but pgx's Conn.Exec reads only QueryExecMode
// and QueryRewriter as options (conn.go's exec optionLoop): on ExecContext
// the formats value is argument $1. The guard's $n is then pgx's $n+1: the
// guard checks $2 = A (its second argument), the server gets $2 = B.
func TestAttack3ExecLeadingResultFormatsShiftsArguments(t *testing.T) {
	w := newAttackWorld(t)
	ctx := scopeCtx(w.wsA)
	before := wsRows(t, w.raw, w.wsB)
	q := `UPDATE contacts SET name = 'pwned' WHERE workspace_id = $2 AND $1::int2[] IS NOT NULL AND $3::text IS NOT NULL`
	for _, formats := range []any{pgx.QueryResultFormats{0}} {
		res, err := w.db.DB.ExecContext(ctx, q, formats, w.wsB, w.wsA)
		if err == nil {
			n, _ := res.RowsAffected()
			t.Cleanup(func() { w.seed(t) })
			t.Errorf("GUARD HOLE: accepted in A's scope; %d row(s) of B updated: %v", n, wsRows(t, w.raw, w.wsB))
			continue
		}
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
	}
	require.Equal(t, before, wsRows(t, w.raw, w.wsB), "B's rows changed")
}

// flipCtx runs flip at the first Done() after the guard read the scope
// (Value): pgx calls Done() when it prepares the statement, before it
// encodes the arguments. A concurrent goroutine writing the caller's slice
// does the same without any help from the context; this makes the race
// deterministic.
type flipCtx struct {
	context.Context
	seen atomic.Bool
	flip func()
}

func (c *flipCtx) Value(k any) any { c.seen.Store(true); return c.Context.Value(k) }

func (c *flipCtx) Done() <-chan struct{} {
	if c.seen.Load() && c.flip != nil {
		c.flip()
		c.flip = nil
	}
	return c.Context.Done()
}

// TestAttack3ByteSliceArgumentChangedAfterTheCheck: a []byte argument
// reaches the driver as the caller's own slice (pgx's CheckNamedValue
// passes everything through; database/sql copies nothing). The guard's
// argIs reads it (16 bytes: A's id) and then pgx encodes whatever it
// holds by then: B's id.
func TestAttack3ByteSliceArgumentChangedAfterTheCheck(t *testing.T) {
	w := newAttackWorld(t)
	a, b := w.wsA, w.wsB
	arg := append([]byte(nil), a[:]...)
	ctx := &flipCtx{Context: scopeCtx(w.wsA), flip: func() { copy(arg, b[:]) }}
	rows, err := w.db.DB.QueryContext(ctx, `SELECT name FROM contacts WHERE workspace_id = $1`, arg)
	if err != nil {
		require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
		return
	}
	got := scanStrings(t, rows)
	require.False(t, leaksB(got), "GUARD HOLE: the argument checked as A's id reached the server as B's: %v", got)
}

// TestAttack3ExtensionFunctionsRunSQLText: sqlRunners lists dblink but not
// the other contrib functions that run SQL text or read a table named in
// text: tablefunc's crosstab (trusted: any database owner may install it)
// and connectby, and xml2's xpath_table. Each reads every workspace's rows
// in A's scope.
func TestAttack3ExtensionFunctionsRunSQLText(t *testing.T) {
	w := newAttackWorld(t)
	for _, ext := range []string{"tablefunc", "xml2"} {
		_, err := w.raw.ExecContext(context.Background(), "CREATE EXTENSION IF NOT EXISTS "+ext)
		require.NoError(t, err)
	}
	for _, at := range []attack{
		{name: "crosstab", query: `SELECT row_name FROM crosstab('SELECT name, name, name FROM contacts') AS ct(row_name text, c1 text)`},
		{name: "crosstab two-arg", query: `SELECT row_name FROM crosstab('SELECT name, name, name FROM contacts ORDER BY 1', 'SELECT ''x''') AS ct(row_name text, c1 text)`},
		{name: "connectby", query: `SELECT keyid FROM connectby('contacts', 'name', 'name', 'contact-b', 0) AS t(keyid text, parent_keyid text, level int)`},
		{name: "xpath_table", query: `SELECT n FROM xpath_table('name', '''<a/>''', 'contacts', '/a', 'true') AS t(n text, x text)`},
	} {
		w.run(t, at)
	}
}
