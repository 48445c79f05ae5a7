package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

// openSQLiteFile opens a store on a fresh SQLite file (the write gate and the statement cache
// are for files; :memory: has one connection) with a scratch table t(id, v).
func openSQLiteFile(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(ctx(t), "sqlite:"+filepath.Join(t.TempDir(), "gate.db"), nil)
	must(t, "Open", err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.DB().ExecContext(ctx(t), `CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`)
	must(t, "create table", err)
	return s
}

// Writers of every kind at once (autocommit statements, transactions, INSERT ... RETURNING read
// as a query, urgent and not) each succeed exactly once: none polls into SQLITE_BUSY, none is
// lost, and the gate lets readers through beside them.
func TestSQLiteWritersQueueWithoutBusy(t *testing.T) {
	s := openSQLiteFile(t)
	db := s.DB()
	const workers, rounds = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ctx(t)
			if w%2 == 0 {
				c = switchboard.WithUrgentWrites(c)
			}
			for r := range rounds {
				v := w*1000 + r
				var err error
				switch r % 4 {
				case 0:
					_, err = db.ExecContext(c, `INSERT INTO t (v) VALUES (?)`, v)
				case 1:
					err = db.QueryRowContext(c, `INSERT INTO t (v) VALUES (?) RETURNING id`, v).Scan(new(int64))
				case 2:
					err = inTx(c, db, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRowContext(c, `SELECT count(*) FROM t`).Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(c, `INSERT INTO t (v) VALUES (?)`, v)
						return err
					})
				case 3:
					var n int
					if err = db.QueryRowContext(c, `SELECT count(*) FROM t WHERE v < ?`, v).Scan(&n); err == nil {
						_, err = db.ExecContext(c, `INSERT INTO t (v) VALUES (?)`, v)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, r, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n, distinct int
	must(t, "count", db.QueryRowContext(ctx(t), `SELECT count(*), count(DISTINCT v) FROM t`).Scan(&n, &distinct))
	if n != workers*rounds || distinct != workers*rounds {
		t.Fatalf("%d rows (%d distinct values), want %d", n, distinct, workers*rounds)
	}
}

// A statement run again while its own rows are still open (a query nested in the loop over its
// rows, on the same connection) must not reuse the cached statement under the open rows.
func TestSQLiteNestedSameStatement(t *testing.T) {
	s := openSQLiteFile(t)
	db := s.DB()
	for v := range 5 {
		_, err := db.ExecContext(ctx(t), `INSERT INTO t (v) VALUES (?)`, v)
		must(t, "insert", err)
	}
	const q = `SELECT v FROM t WHERE v >= ? ORDER BY v`
	err := inTx(ctx(t), db, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx(t), q, 0)
		if err != nil {
			return err
		}
		defer rows.Close()
		var outer []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			outer = append(outer, v)
			var first int
			if err := tx.QueryRowContext(ctx(t), q, v).Scan(&first); err != nil {
				return fmt.Errorf("nested query at %d: %w", v, err)
			}
			if first != v {
				return fmt.Errorf("nested query from %d found %d first", v, first)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if fmt.Sprint(outer) != "[0 1 2 3 4]" {
			return fmt.Errorf("the outer loop read %v, want [0 1 2 3 4]", outer)
		}
		return nil
	})
	must(t, "nested", err)
}

// More distinct statements than one connection caches: evicted ones are compiled again and every
// answer stays right.
func TestSQLiteStatementCacheEviction(t *testing.T) {
	s := openSQLiteFile(t)
	conn, err := s.DB().Conn(ctx(t)) // one connection, so one cache
	must(t, "conn", err)
	defer conn.Close()
	for round := range 3 {
		for i := range 150 {
			q := fmt.Sprintf(`SELECT ? + %d`, i)
			var got int
			must(t, "select", conn.QueryRowContext(ctx(t), q, round).Scan(&got))
			if got != round+i {
				t.Fatalf("%s with %d = %d, want %d", q, round, got, round+i)
			}
		}
	}
}

func inTx(c context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(c, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
