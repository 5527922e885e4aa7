package pgguard

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ConnectorOption configures Guard.Connector.
type ConnectorOption func(*guardConnector)

// WithStrictMode makes every transaction begun through the connector set
// the active workspace for row-level security: BEGIN and SET LOCAL
// app.workspace_id go to the server in one write and come back in one, so
// it costs no extra round trip, and the setting ends with the transaction,
// so a pooled connection never carries it to its next borrower. Without a
// scope the setting is empty and the policies show no rows. Statements
// outside a transaction see no rows of the policies' tables: run scoped
// work in a transaction. A new connection is refused (ErrStrictSession)
// when the key already holds a value there, from a role or database
// default. It needs the pgx driver (pgx/v5/stdlib).
func WithStrictMode() ConnectorOption { return func(c *guardConnector) { c.strict = true } }

// Connector wraps a database/sql connector (pgx/v5/stdlib's) so that every
// statement on its connections passes Check: a refused statement returns
// ErrUnscopedQuery from Exec/Query (prepared statements at each execution,
// when their arguments are known) without reaching the server. On pgx
// connections it also refuses every statement while the server reports
// standard_conforming_strings off (a quote would then mean something
// other than what the parser read), and begins transactions itself, with
// BEGIN statements it prepares on each connection under the names
// workspacekit_begin_0 to _9 (reserved: a host must not use them); a host
// that deallocates them costs one re-prepare.
//
//	cfg, _ := pgx.ParseConfig(dsn)
//	db := sql.OpenDB(g.Connector(stdlib.GetConnector(*cfg)))
func (g *Guard) Connector(c driver.Connector, opts ...ConnectorOption) driver.Connector {
	gc := &guardConnector{inner: c, g: g}
	for _, o := range opts {
		o(gc)
	}
	return gc
}

type guardConnector struct {
	inner  driver.Connector
	g      *Guard
	strict bool
}

func (c *guardConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	g := &guardConn{inner: conn, c: c}
	if pc, ok := conn.(pgxConner); ok {
		g.pg = pc.Conn().PgConn()
		g.mode = pc.Conn().Config().DefaultQueryExecMode
		if c.strict {
			if err := checkStrictSession(ctx, pc.Conn()); err != nil {
				_ = conn.Close()
				return nil, err
			}
		}
	}
	return g, nil
}

func (c *guardConnector) Driver() driver.Driver { return c.inner.Driver() }

type guardConn struct {
	inner driver.Conn
	c     *guardConnector
	// prepared marks the BEGIN statements prepared on this connection,
	// indexed like beginStatements.
	prepared [len(beginStatements)]bool
	// mode is the pgx connection's default query mode, read at connect
	// (Config copies the whole configuration).
	mode pgx.QueryExecMode
	// pg is the pgx connection, nil with another driver.
	pg *pgconn.PgConn
}

var (
	_ driver.ConnPrepareContext = (*guardConn)(nil)
	_ driver.ConnBeginTx        = (*guardConn)(nil)
	_ driver.ExecerContext      = (*guardConn)(nil)
	_ driver.QueryerContext     = (*guardConn)(nil)
	_ driver.Pinger             = (*guardConn)(nil)
	_ driver.SessionResetter    = (*guardConn)(nil)
	_ driver.Validator          = (*guardConn)(nil)
	_ driver.NamedValueChecker  = (*guardConn)(nil)
)

func (g *guardConn) Prepare(query string) (driver.Stmt, error) {
	return g.PrepareContext(context.Background(), query)
}

func (g *guardConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := g.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = g.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	// Arguments arrive only at execution, so that is where it is checked.
	return &guardStmt{inner: st, query: query, conn: g}, nil
}

func (g *guardConn) Close() error { return g.inner.Close() }

func (g *guardConn) Begin() (driver.Tx, error) {
	return g.BeginTx(context.Background(), driver.TxOptions{})
}

func (g *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if pc, ok := g.inner.(pgxConner); ok {
		return g.beginPgx(ctx, pc.Conn(), opts)
	}
	if g.c.strict {
		return nil, ErrStrictDriver
	}
	if b, ok := g.inner.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return g.inner.Begin() //nolint:staticcheck // fallback for drivers without BeginTx
}

func (g *guardConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := g.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if err := g.check(ctx, query, args, execOptions); err != nil {
		return nil, err
	}
	return e.ExecContext(ctx, query, args)
}

func (g *guardConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := g.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if err := g.check(ctx, query, args, queryOptions); err != nil {
		return nil, err
	}
	return q.QueryContext(ctx, query, args)
}

// options says which leading arguments pgx reads as options rather than
// as $1, $2...: its Exec takes a query mode and a rewriter, its Query also
// result formats (pgx v5 conn.go, exec and Query). Reading them otherwise
// than pgx shifts every $n between the guard and the server.
type options uint8

const (
	execOptions options = iota
	queryOptions
)

// check is the guard's verdict on one statement of this connection.
func (g *guardConn) check(ctx context.Context, query string, args []driver.NamedValue, opts options) error {
	// The driver gets the caller's own byte slices: copied, so that what
	// was checked is what pgx encodes.
	for i := range args {
		if b, ok := args[i].Value.([]byte); ok {
			args[i].Value = bytes.Clone(b)
		}
	}
	if g.pg == nil {
		return g.c.g.Check(ctx, query, args)
	}
	if err := g.readsAsParsed(); err != nil {
		return err
	}
	mode := g.mode
	for len(args) > 0 {
		switch v := args[0].Value.(type) {
		case pgx.QueryExecMode:
			mode = v
		case pgx.QueryRewriter:
			return fmt.Errorf("%w: a pgx.QueryRewriter (%T) would change the statement after the guard read it", ErrUnscopedQuery, v)
		case pgx.QueryResultFormats, pgx.QueryResultFormatsByOID:
			if opts != queryOptions {
				return g.checkArgs(ctx, query, args, mode) // an argument to Exec
			}
		default:
			return g.checkArgs(ctx, query, args, mode)
		}
		args = args[1:]
	}
	return g.checkArgs(ctx, query, args, mode)
}

func (g *guardConn) checkArgs(ctx context.Context, query string, args []driver.NamedValue, mode pgx.QueryExecMode) error {
	if mode == pgx.QueryExecModeSimpleProtocol && len(args) > 0 {
		// pgx then writes the arguments into the text with a lexer of its
		// own, which reads some text otherwise than PostgreSQL does.
		return fmt.Errorf("%w: arguments in pgx's simple-protocol mode are written into the text after the guard read it (use an extended-protocol mode, or no arguments)", ErrUnscopedQuery)
	}
	return g.c.g.Check(ctx, query, args)
}

// readsAsParsed refuses while the server would read the text otherwise
// than libpg_query: the server reports both settings whenever they change,
// also when SQL built inside the server changed them, so the next
// statement sees it.
func (g *guardConn) readsAsParsed() error {
	if g.pg.ParameterStatus("standard_conforming_strings") != "on" {
		return fmt.Errorf("%w: standard_conforming_strings is not on for this connection (a role or database default, or a change the guard could not see): the statement's quotes cannot be read as the parser reads them", ErrUnscopedQuery)
	}
	if g.pg.ParameterStatus("client_encoding") != "UTF8" {
		return fmt.Errorf("%w: client_encoding is %q, not UTF8, on this connection: the server would not read the statement's bytes as the parser does", ErrUnscopedQuery, g.pg.ParameterStatus("client_encoding"))
	}
	return nil
}

func (g *guardConn) Ping(ctx context.Context) error {
	if p, ok := g.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (g *guardConn) ResetSession(ctx context.Context) error {
	if g.pg != nil && g.readsAsParsed() != nil {
		return driver.ErrBadConn // every statement would be refused: drop it
	}
	if r, ok := g.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (g *guardConn) IsValid() bool {
	if g.pg != nil && g.readsAsParsed() != nil {
		return false
	}
	if v, ok := g.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (g *guardConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := g.inner.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type guardStmt struct {
	inner driver.Stmt
	query string
	conn  *guardConn
}

func (s *guardStmt) Close() error  { return s.inner.Close() }
func (s *guardStmt) NumInput() int { return s.inner.NumInput() }

func (s *guardStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *guardStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *guardStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.conn.check(ctx, s.query, args, execOptions); err != nil {
		return nil, err
	}
	if e, ok := s.inner.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.inner.Exec(values(args)) //nolint:staticcheck // fallback
}

func (s *guardStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.conn.check(ctx, s.query, args, queryOptions); err != nil {
		return nil, err
	}
	if q, ok := s.inner.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.inner.Query(values(args)) //nolint:staticcheck // fallback
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
