package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Every authenticated request reads the token's account or instance, and most then read an
// instance by name or an account's list. On SQLite, parsing and planning such a point query
// costs more than running it: in BenchmarkInstanceList (package httpapi) sqlite3_prepare was
// about a third of the handler's CPU time. So these reads are prepared once; database/sql then
// prepares each one lazily on every pool connection it runs on and reuses it there.
//
// A prepared statement changes nothing a caller can see. SQLite re-prepares it by itself when
// another process changes the schema, and a statement that is reset (every read here closes its
// rows) holds no read transaction, so a row committed by another process, such as an account
// made by `switchboard account create`, is seen by the next lookup. PostgreSQL plans are
// per connection and the column lists are explicit, so a new column cannot change a result.

const (
	selectAccount  = `SELECT id, name, max_instances, created_at FROM accounts `
	selectInstance = `SELECT ` + instanceColumns + ` FROM instances `
)

// statements are the prepared reads of accounts and instances.
type statements struct {
	accountByTokenHash  *sql.Stmt
	accountByID         *sql.Stmt
	instanceByTokenHash *sql.Stmt
	instanceByName      *sql.Stmt
	instanceByID        *sql.Stmt
	listInstances       *sql.Stmt
	autoConnect         *sql.Stmt
}

// prepareStatements prepares the reads; it runs after the migrations, which create the tables.
func (s *Store) prepareStatements(ctx context.Context) error {
	var errs []error
	prepare := func(query string) *sql.Stmt {
		stmt, err := s.db.PrepareContext(ctx, query)
		if err != nil {
			errs = append(errs, err)
		}
		return stmt
	}
	s.stmts = statements{
		accountByTokenHash:  prepare(selectAccount + `WHERE token_hash = $1`),
		accountByID:         prepare(selectAccount + `WHERE id = $1`),
		instanceByTokenHash: prepare(selectInstance + `WHERE token_hash = $1`),
		instanceByName:      prepare(selectInstance + `WHERE account_id = $1 AND name = $2`),
		instanceByID:        prepare(selectInstance + `WHERE id = $1`),
		listInstances:       prepare(selectInstance + `WHERE account_id = $1 ORDER BY id`),
		autoConnect:         prepare(selectInstance + `WHERE auto_connect = TRUE ORDER BY id`),
	}
	if err := errors.Join(errs...); err != nil {
		s.closeStatements()
		return fmt.Errorf("store: prepare statements: %w", err)
	}
	return nil
}

// closeStatements releases the statements on every connection; nil ones (a failed prepare) are
// skipped. The fields keep their values: a call that races with Close gets database/sql's
// "statement is closed" error rather than a nil pointer.
func (s *Store) closeStatements() {
	for _, stmt := range []*sql.Stmt{
		s.stmts.accountByTokenHash, s.stmts.accountByID, s.stmts.instanceByTokenHash,
		s.stmts.instanceByName, s.stmts.instanceByID, s.stmts.listInstances, s.stmts.autoConnect,
	} {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
}
