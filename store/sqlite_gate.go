package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"

	"modernc.org/sqlite"
)

// The connection wrappers that put a SQLite file's writers through its writeGate
// (sqlite_write_gate.go) and keep each connection's compiled statements (sqlite_stmt_cache.go).
//
// What takes the gate: every transaction (BEGIN IMMEDIATE takes the write lock at BEGIN, see
// sqliteDSN) from BEGIN to COMMIT or ROLLBACK; every statement run by Exec outside a
// transaction; and a query outside a transaction whose statement is not a plain read (an
// INSERT ... RETURNING) until its rows are closed. Reads outside a transaction never wait: in
// WAL mode they do not need the write lock.

// gatedConnector opens modernc's connections wrapped so their writes go through gate.
type gatedConnector struct {
	base driver.Connector
	gate *writeGate
}

func newGatedConnector(dsn string, gate *writeGate) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return &gatedConnector{base: base, gate: gate}, nil
}

func (c *gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("store: the sqlite driver's connection lacks the context methods the write gate wraps")
	}
	return &gatedConn{inner: inner, gate: c.gate, stmts: newStmtCache()}, nil
}

func (c *gatedConnector) Driver() driver.Driver { return c.base.Driver() }

// sqliteConn is what modernc's connection implements and gatedConn passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// gatedConn is one connection. database/sql never uses a connection from two goroutines at
// once, and a transaction keeps its connection to itself, so inTx needs no lock.
type gatedConn struct {
	inner sqliteConn
	gate  *writeGate
	stmts *stmtCache
	inTx  bool
}

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	release, err := c.gate.enter(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		release()
		return nil, err
	}
	c.inTx = true
	return &gatedTx{inner: tx, conn: c, release: release}, nil
}

// writeTurn takes the gate for a statement outside a transaction that may write, and returns
// its release; inside a transaction (which holds the gate already) and for a plain read it is a
// no-op. The connection's and its prepared statements' Exec and Query all go through it.
func (c *gatedConn) writeTurn(ctx context.Context, write bool) (release func(), err error) {
	if c.inTx || !write {
		return func() {}, nil
	}
	return c.gate.enter(ctx)
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	release, err := c.writeTurn(ctx, true)
	if err != nil {
		return nil, err
	}
	defer release()
	cs, err := c.stmts.get(ctx, c.inner, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.inner.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	release, err := c.writeTurn(ctx, !isPlainRead(query))
	if err != nil {
		return nil, err
	}
	cs, err := c.stmts.get(ctx, c.inner, query)
	if err != nil {
		release()
		return nil, err
	}
	if cs == nil {
		return gateRows(c.inner.QueryContext(ctx, query, args))(release)
	}
	cs.busy = true
	return gateRows(cs.stmt.QueryContext(ctx, args))(func() { cs.busy = false; release() })
}

// gateRows hands a query's rows their release, run when they are closed (or at once when the
// query failed).
func gateRows(rows driver.Rows, err error) func(release func()) (driver.Rows, error) {
	return func(release func()) (driver.Rows, error) {
		if err != nil {
			release()
			return nil, err
		}
		return &gatedRows{Rows: rows, release: release}, nil
	}
}

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	inner, ok := s.(sqliteStmt)
	if !ok {
		_ = s.Close()
		return nil, errors.New("store: the sqlite driver's statement lacks the context methods the write gate wraps")
	}
	return &gatedStmt{inner: inner, conn: c, read: isPlainRead(query)}, nil
}

func (c *gatedConn) Close() error {
	c.stmts.close()
	return c.inner.Close()
}

func (c *gatedConn) Ping(ctx context.Context) error         { return c.inner.Ping(ctx) }
func (c *gatedConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }
func (c *gatedConn) IsValid() bool                          { return c.inner.IsValid() }

// gatedTx releases the gate once SQLite has committed or rolled back.
type gatedTx struct {
	inner   driver.Tx
	conn    *gatedConn
	release func()
}

func (t *gatedTx) Commit() error   { return t.end(t.inner.Commit) }
func (t *gatedTx) Rollback() error { return t.end(t.inner.Rollback) }

func (t *gatedTx) end(f func() error) error {
	err := f()
	t.conn.inTx = false
	t.release()
	return err
}

// gatedRows runs release once the rows are closed: it holds the gate while a writing query's
// rows are open (SQLite keeps the statement's write transaction open until then), and a cached
// statement busy until its rows are done.
type gatedRows struct {
	driver.Rows
	release func()
}

func (r *gatedRows) Close() error {
	defer r.release()
	return r.Rows.Close()
}

// The column-type methods pass through, so sql.Rows.ColumnTypes reports what the driver knows.

func (r *gatedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *gatedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *gatedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// gatedStmt is a prepared statement of a gatedConn; it follows the same rules as the
// connection's Exec and Query.
type gatedStmt struct {
	inner sqliteStmt
	conn  *gatedConn
	read  bool
}

func (s *gatedStmt) NumInput() int { return s.inner.NumInput() }
func (s *gatedStmt) Close() error  { return s.inner.Close() }

// Exec and Query without a context are the legacy driver.Stmt methods; database/sql calls the
// context forms, which these forward to so no path skips the gate.
func (s *gatedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *gatedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func namedValues(args []driver.Value) []driver.NamedValue {
	named := make([]driver.NamedValue, len(args))
	for i, v := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return named
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	release, err := s.conn.writeTurn(ctx, true)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.inner.ExecContext(ctx, args)
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	release, err := s.conn.writeTurn(ctx, !s.read)
	if err != nil {
		return nil, err
	}
	return gateRows(s.inner.QueryContext(ctx, args))(release)
}

// isPlainRead reports whether query is a SELECT (or EXPLAIN), which never writes. Anything else
// (INSERT ... RETURNING, a WITH that may hold a write, a PRAGMA that may set something) takes
// the gate: the cost of a wrong "write" is a short wait, of a wrong "read" a poll.
func isPlainRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 7 {
		return false
	}
	head := strings.ToUpper(q[:7])
	return strings.HasPrefix(head, "SELECT") || strings.HasPrefix(head, "EXPLAIN")
}
