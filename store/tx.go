package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// inTx runs fn in a transaction and commits when it returns nil. fn's error is returned as is,
// so sentinels such as switchboard.ErrQuotaExceeded reach the caller unwrapped.
//
// On SQLite the DSN's _txlock=immediate makes BEGIN take the write lock, so everything fn reads is
// still true when it writes; on PostgreSQL (READ COMMITTED) fn must lock what it depends on.
// fn must use tx for every statement: a statement on s.db from inside fn would wait on SQLite
// for the lock this transaction holds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// lockRow is appended to a SELECT inside inTx to lock the row it reads until the transaction
// ends. SQLite has no row locks and needs none: the immediate transaction already excludes
// every other writer.
func (s *Store) lockRow() string {
	if s.dialect == DialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// rowsChanged turns an UPDATE or DELETE result into ErrNotFound when it touched no row.
func rowsChanged(res sql.Result, err error, notFound error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// millis is how this package stores instants: BIGINT milliseconds since the Unix epoch, UTC.
// Both engines compare and index integers the same way, the drivers need no time-format
// settings, and whatsmeow's own tables (in the same database) store instants as integers too.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// now is the current instant at the precision it is stored with, so a value returned by a
// create call equals the one read back later.
func now() time.Time { return fromMillis(time.Now().UnixMilli()) }

// nullBytes passes nil as SQL NULL. modernc binds a nil []byte as an empty blob, pgx as NULL;
// saying it explicitly gives both engines the same row.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// isNoRows reports sql.ErrNoRows.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
