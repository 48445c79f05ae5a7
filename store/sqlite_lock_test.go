//go:build unix

package store_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/switchboard/switchboard/store"
)

// A second serve on the same SQLite file is refused with a message that names the way out; once
// the first lets go, it may start.
func TestLockSQLiteRefusesSecondProcess(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite")
	release, err := store.LockSQLite(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.LockSQLite(dsn); !errors.Is(err, store.ErrSQLiteInUse) {
		t.Fatalf("second lock: %v, want ErrSQLiteInUse", err)
	}
	release()
	again, err := store.LockSQLite(dsn)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
	if _, err := store.LockSQLite("postgres://u@127.0.0.1/db"); err != nil {
		t.Fatalf("PostgreSQL: %v, want no lock taken", err)
	}
}
