package store

import (
	"errors"
	"fmt"
	"strings"
)

// Dialects reported by (*Store).Dialect. They are also the dialect names go.mau.fi/util/dbutil
// parses for whatsmeow's sqlstore ("sqlite*" and "postgres*"), so one string serves both.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// memoryPath is the SQLite path of a private in-memory database.
const memoryPath = ":memory:"

// sqliteBusyTimeoutMS is how long a connection waits for SQLite's write lock before failing with
// SQLITE_BUSY. Writers are serialised by the lock (see Open), so this bounds the wait behind the
// longest write transaction, whatsmeow's included; 10 s is far above any healthy transaction and
// well below an HTTP timeout.
const sqliteBusyTimeoutMS = 10000

// target is a parsed DSN: which engine, and the string its database/sql driver opens.
type target struct {
	dialect    string
	driverName string
	driverDSN  string
	memory     bool     // SQLite :memory:
	path       string   // SQLite file path ("" for PostgreSQL and :memory:)
	display    string   // safe to log: never carries a password (RedactDSN)
	secrets    []string // values to hide in any error the driver returns (dsnSecrets)
}

// parseDSN accepts
//
//	sqlite:PATH            a database file (created when missing); sqlite:///abs and sqlite://rel
//	                       are read the URL way, as /abs and rel
//	sqlite::memory:        a private in-memory database (tests, demos): gone at Close
//	postgres://...         PostgreSQL, through pgx; postgresql:// too, with pgx's parameters
//
// PATH takes no query string: the pragmas are this package's decision (see sqliteDSN), not the
// caller's, because whatsmeow's Signal state depends on them.
func parseDSN(dsn string) (target, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return target{
			dialect:    DialectPostgres,
			driverName: "pgx",
			driverDSN:  dsn,
			display:    RedactDSN(dsn),
			secrets:    dsnSecrets(dsn),
		}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path != memoryPath {
			path = strings.TrimPrefix(path, "//")
		}
		if path == "" {
			return target{}, errors.New("store: sqlite DSN has no path (want sqlite:PATH, e.g. sqlite:switchboard.db)")
		}
		if strings.ContainsAny(path, "?#") {
			return target{}, errors.New("store: sqlite DSN takes no query parameters or '#' (the pragmas are fixed by the store)")
		}
		t := target{
			dialect:    DialectSQLite,
			driverName: "sqlite",
			driverDSN:  sqliteDSN(path),
			memory:     path == memoryPath,
			display:    "sqlite:" + path,
		}
		if !t.memory {
			t.path = path
		}
		return t, nil
	case dsn == "":
		return target{}, errors.New("store: empty DSN (want sqlite:PATH or postgres://...)")
	default:
		return target{}, fmt.Errorf("store: unsupported DSN scheme %q (want sqlite:PATH or postgres://...)", schemeOf(dsn))
	}
}

// sqliteDSN builds modernc's DSN for path. The plain-filename form is used (not file:), so the
// driver strips the query before SQLite sees the name and a path needs no URI escaping. Every
// connection of the pool runs these pragmas when it opens, which matters for the per-connection
// ones (foreign_keys, busy_timeout, synchronous):
//
//   - busy_timeout first (the driver orders it first anyway), so the pragmas below wait for a lock
//     instead of failing while another connection writes.
//   - foreign_keys=1: our ON DELETE CASCADEs need it, and whatsmeow's Upgrade refuses without it.
//   - journal_mode=WAL: readers never block the writer nor the writer readers.
//   - synchronous=FULL: in WAL mode NORMAL survives a process crash but may lose the last commits
//     on power loss or an OS crash. whatsmeow keeps Signal ratchets in this file, and a ratchet
//     rolled back to an older state cannot decrypt the messages sent after it, so we pay one
//     fsync per commit.
//   - _txlock=immediate: every transaction takes the write lock at BEGIN, so a transaction never
//     has to upgrade a read lock (the one case where SQLite returns SQLITE_BUSY without waiting)
//     and read-check-write sequences such as the instance quota are serialised.
//
// An in-memory database has no WAL and nothing to fsync, so it skips those two.
func sqliteDSN(path string) string {
	q := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1", sqliteBusyTimeoutMS)
	if path != memoryPath {
		q += "&_journal_mode=WAL&_synchronous=FULL"
	}
	return path + "?" + q + "&_txlock=immediate"
}

// schemeOf returns what precedes the first ':' of dsn, never the rest (which may hold a password).
func schemeOf(dsn string) string {
	if i := strings.IndexByte(dsn, ':'); i >= 0 && !strings.ContainsAny(dsn[:i], " =") {
		return dsn[:i]
	}
	return "(none)"
}
