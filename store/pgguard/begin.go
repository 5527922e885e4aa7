package pgguard

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/workspacekit/workspacekit/workspace"
)

// ErrStrictDriver means strict mode was asked of a connector whose
// connections are not pgx's (pgx/v5/stdlib).
var ErrStrictDriver = errors.New("pgguard: strict mode needs the pgx/v5/stdlib driver")

type pgxConner interface{ Conn() *pgx.Conn }

// isolationClauses are BEGIN's isolation levels in the order beginIndex
// numbers them.
var isolationClauses = [...]string{
	"",
	" ISOLATION LEVEL READ UNCOMMITTED",
	" ISOLATION LEVEL READ COMMITTED",
	" ISOLATION LEVEL REPEATABLE READ",
	" ISOLATION LEVEL SERIALIZABLE",
}

// beginStatements are the BEGIN statements a guarded pgx connection
// prepares, one per isolation level, read-write then read-only.
var beginStatements = func() (out [2 * len(isolationClauses)]string) {
	for i, iso := range isolationClauses {
		out[2*i] = "BEGIN" + iso
		out[2*i+1] = "BEGIN" + iso + " READ ONLY"
	}
	return out
}()

// beginNames name the BEGIN statements prepared on guarded connections,
// like beginStatements; a host must not prepare statements of its own
// under them.
var beginNames = func() (out [len(beginStatements)]string) {
	for i := range out {
		out[i] = "workspacekit_begin_" + strconv.Itoa(i)
	}
	return out
}()

func beginIndex(opts driver.TxOptions) (int, error) {
	var iso int
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
		iso = 0
	case sql.LevelReadUncommitted:
		iso = 1
	case sql.LevelReadCommitted:
		iso = 2
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		iso = 3
	case sql.LevelSerializable:
		iso = 4
	default:
		return 0, fmt.Errorf("pgguard: unsupported isolation level %d", opts.Isolation)
	}
	if opts.ReadOnly {
		return 2*iso + 1, nil
	}
	return 2 * iso, nil
}

// beginPgx begins a transaction on a pgx connection in one client write
// answered by one server write. Strict mode sends one simple Query message,
// "BEGIN; SET LOCAL app.workspace_id = '<scope>'". The key is set with SET
// rather than set_config because KeyLockStatements revokes EXECUTE on
// set_config from the app role: a SET cannot run inside the SQL the server
// builds (query_to_xml and the like run read-only), and the guard refuses
// SET of the key in text, so nothing the app role sends can change the
// key. The setting is transaction-local: it ends with the transaction, so
// a pooled connection never carries it to its next borrower.
//
// Without strict mode, BEGIN is Bind and Execute of a statement prepared
// on the connection, then Sync, in pgx's default
// QueryExecModeCacheStatement; it is parsed every time in the other
// extended-protocol modes (they exist for poolers such as PgBouncer, which
// cannot keep prepared statements), and sent as a simple query in
// QueryExecModeSimpleProtocol.
func (g *guardConn) beginPgx(ctx context.Context, conn *pgx.Conn, opts driver.TxOptions) (driver.Tx, error) {
	if conn.IsClosed() {
		return nil, driver.ErrBadConn
	}
	i, err := beginIndex(opts)
	if err != nil {
		return nil, err
	}
	pc := conn.PgConn()
	if g.c.strict || g.mode == pgx.QueryExecModeSimpleProtocol {
		// In strict mode one simple Query message, "BEGIN; SET LOCAL ...",
		// measured cheapest: 1.00x of pgx's own BEGIN on one connection,
		// against 1.05x for the prepared BEGIN followed by SET LOCAL
		// parsed as the unnamed statement (benchtable's probe).
		err = g.beginSimple(ctx, pc, i)
	} else {
		prepare := g.mode == pgx.QueryExecModeCacheStatement
		err = g.beginExtended(ctx, pc, i, prepare)
		var pgErr *pgconn.PgError
		if prepare && errors.As(err, &pgErr) && pgErr.Code == "26000" && !pc.IsClosed() {
			// The statement is gone (the host ran DEALLOCATE or DISCARD
			// ALL on the connection): prepare it again, once.
			g.prepared[i] = false
			err = g.beginExtended(ctx, pc, i, prepare)
		}
	}
	if err != nil {
		return nil, err
	}
	return pgxTx{ctx: ctx, conn: conn}, nil
}

// beginSimple sends BEGIN, and in strict mode SET LOCAL, as one simple
// query.
func (g *guardConn) beginSimple(ctx context.Context, pc *pgconn.PgConn, i int) error {
	q := beginStatements[i]
	if g.c.strict {
		q += "; " + keyStatement(ctx)
	}
	_, err := pc.Exec(ctx, q).ReadAll()
	if pc.IsClosed() {
		return fmt.Errorf("pgguard: begin: %w", err)
	}
	return endBegin(pc, err)
}

// beginExtended runs the exchange beginPgx describes without strict mode,
// with BEGIN prepared on the connection or, unless prepare, parsed as the
// unnamed statement.
// Any failure of the connection itself (a write, a read, ctx ending
// mid-exchange) closes it, as its protocol state is then unknown:
// database/sql then drops it.
func (g *guardConn) beginExtended(ctx context.Context, pc *pgconn.PgConn, i int, prepare bool) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	// One watch for the whole exchange: pgconn's per-call watch would
	// cost one per message. Interrupting the connection breaks it, so
	// a fired watch always closes it.
	stop := context.AfterFunc(ctx, func() { _ = pc.Conn().SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() {
			closeQuietly(pc)
			err = errors.Join(ctx.Err(), err)
		}
	}()

	fe := pc.Frontend()
	name := ""
	if prepare {
		name = beginNames[i]
	}
	if !prepare || !g.prepared[i] {
		fe.Send(&pgproto3.Parse{Name: name, Query: beginStatements[i]})
	}
	fe.Send(&pgproto3.Bind{PreparedStatement: name})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		closeQuietly(pc)
		return fmt.Errorf("pgguard: begin: %w", err)
	}
	var first error
	for {
		msg, err := pc.ReceiveMessage(context.Background())
		if err != nil {
			closeQuietly(pc)
			return fmt.Errorf("pgguard: begin: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ParseComplete:
			g.prepared[i] = prepare
		case *pgproto3.ErrorResponse:
			// The server skips the rest up to the Sync, then answers
			// ReadyForQuery.
			if first == nil {
				first = pgconn.ErrorResponseToPgError(m)
			}
		case *pgproto3.ReadyForQuery:
			return endBegin(pc, first)
		}
	}
}

// endBegin checks that the connection is in the transaction after BEGIN
// (and the setting) answered with err: when BEGIN ran and the setting
// failed, it rolls back first, so that no transaction is left behind for
// the connection's next borrower.
func endBegin(pc *pgconn.PgConn, err error) error {
	status := pc.TxStatus()
	if err == nil && status == 'T' {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("pgguard: begin: transaction status %q after BEGIN", status)
	}
	if status != 'I' {
		if rbErr := pc.Exec(context.Background(), "ROLLBACK").Close(); rbErr != nil {
			closeQuietly(pc)
			return errors.Join(err, rbErr)
		}
	}
	return err
}

func closeQuietly(pc *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = pc.Close(ctx)
}

// keyStatement is setLocalKey, a variable only so that a test can make it
// fail after BEGIN ran.
var keyStatement = setLocalKey

// setLocalKey is the statement that sets strict mode's key for ctx: its
// active workspace, or "" (no rows) without one. workspace.Unscoped does
// not lift strict mode: system work on one workspace sets it with SET
// LOCAL under Unscoped.
func setLocalKey(ctx context.Context) string {
	v := ""
	if sc, ok := workspace.ScopeFrom(ctx); ok {
		v = sc.WorkspaceID.String() // canonical text: nothing to quote
	}
	return "SET LOCAL " + SettingWorkspace + " = '" + v + "'"
}

// pgxTx ends a transaction that beginPgx began.
type pgxTx struct {
	ctx  context.Context
	conn *pgx.Conn
}

func (t pgxTx) Commit() error {
	tag, err := t.conn.Exec(t.ctx, "COMMIT")
	if err != nil {
		// Nothing may have reached the server (t.ctx ended: database/sql
		// then still ends the transaction through here), so it may still
		// be open there: closing the connection ends it, where handing the
		// connection back would let its next user run inside it. pgx's own
		// Tx does the same.
		if t.conn.PgConn().TxStatus() != 'I' {
			closeQuietly(t.conn.PgConn())
		}
		return err
	}
	// COMMIT of a failed transaction rolls back and says so only in the
	// command tag; reporting success there would lose writes silently.
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (t pgxTx) Rollback() error {
	if _, err := t.conn.Exec(t.ctx, "ROLLBACK"); err != nil {
		// As in Commit: a transaction that may still be open ends with
		// the connection.
		closeQuietly(t.conn.PgConn())
		return err
	}
	return nil
}
