package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// constraintKind classifies an integrity violation reported by either engine.
type constraintKind int

const (
	noViolation constraintKind = iota
	uniqueViolation
	foreignKeyViolation
)

// violation reports which kind of constraint err violated and a text naming it: PostgreSQL's
// constraint name (e.g. "instances_token_hash_key"), or SQLite's message
// ("UNIQUE constraint failed: instances.token_hash"). Checks inside the transaction catch the
// expected cases first; this maps the races those checks cannot see (two transactions inserting
// the same token hash into different accounts on PostgreSQL).
func violation(err error) (constraintKind, string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return uniqueViolation, pgErr.ConstraintName
		case "23503":
			return foreignKeyViolation, pgErr.ConstraintName
		}
		return noViolation, ""
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation, liteErr.Error()
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation, liteErr.Error()
		}
	}
	return noViolation, ""
}

// violates reports whether err is a violation of kind whose description mentions column.
func violates(err error, kind constraintKind, column string) bool {
	k, what := violation(err)
	return k == kind && (column == "" || strings.Contains(what, column))
}
