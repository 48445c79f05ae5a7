//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrSQLiteInUse is returned by LockSQLite when another serve process has the database open.
var ErrSQLiteInUse = errors.New("another switchboard serve process is using this SQLite database; SQLite serves one process, so run several nodes on PostgreSQL (see \"Running several nodes\" in the README)")

// LockSQLite takes an exclusive advisory lock on a SQLite database file for the life of a serve
// process: two processes would each connect every instance, and WhatsApp would replace one
// session with the other for ever. Other commands (account) do not take it and may run beside
// serve. For PostgreSQL and :memory: it does nothing. release drops the lock.
func LockSQLite(dsn string) (release func(), err error) {
	t, err := parseDSN(dsn)
	if err != nil || t.dialect != DialectSQLite || t.memory {
		return func() {}, nil // a bad DSN is Open's to report
	}
	f, err := os.OpenFile(t.path, os.O_RDWR|os.O_CREATE, sqliteFileMode)
	if err != nil {
		return nil, fmt.Errorf("store: open %s to lock it: %w", t.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrSQLiteInUse, t.path)
		}
		return nil, fmt.Errorf("store: lock %s: %w", t.path, err)
	}
	return func() { f.Close() }, nil
}
