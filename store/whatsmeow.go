package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	signallog "go.mau.fi/libsignal/logger"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"
)

func init() {
	// libsignal creates its global logger lazily and without synchronisation on first use, so
	// the first devices created or messages decrypted concurrently race on it (the race detector
	// catches this in TestConcurrentReadersAndWriters). Every process that opens whatsmeow's store
	// links this package, so initialising it here, before any goroutine exists, covers them all.
	// The default Debug prints nothing.
	signallog.Debug()
}

// Whatsmeow returns whatsmeow's device store on this store's pool and brings its tables
// (whatsmeow_*, versioned in whatsmeow_version) up to date. One database then holds both, so a
// backup or a restore can never separate an instance from its Signal session.
//
// Call it once at boot and share the container: each container keeps its own LID cache. Never
// call the container's Close, which would close the shared pool under the rest of the store;
// (*Store).Close closes both. A nil log discards.
func (s *Store) Whatsmeow(ctx context.Context, log waLog.Logger) (*sqlstore.Container, error) {
	if s.dialect == DialectPostgres {
		// Nodes of a cluster start together on a new database, and whatsmeow's upgrade is not
		// safe to run twice at once (both create the same types and tables). One at a time.
		unlock, err := s.exclusive(ctx, "whatsmeow_upgrade")
		if err != nil {
			return nil, fmt.Errorf("store: wait for another process upgrading whatsmeow's tables: %w", err)
		}
		defer unlock()
		// dbutil decides whether whatsmeow_version exists by asking information_schema.columns
		// for the table name without a schema filter. In a database where another schema already
		// has whatsmeow's tables (a second deployment, or parallel tests with one schema each),
		// it finds those, skips creating its version table here, and then fails to read it.
		// Creating the table ourselves, with dbutil's definition, in the schema we use makes the
		// check true for the right reason. The rest of the upgrade uses unqualified names and
		// follows search_path.
		if _, err := s.db.ExecContext(ctx,
			`CREATE TABLE IF NOT EXISTS whatsmeow_version (version INTEGER, compat INTEGER)`); err != nil {
			return nil, fmt.Errorf("store: whatsmeow version table: %w", err)
		}
	}
	// The dialect strings double as dbutil dialect names: "sqlite" parses as SQLite and
	// "postgres" as Postgres.
	container := sqlstore.NewWithDB(s.db, s.dialect, log)
	if err := container.Upgrade(ctx); err != nil {
		return nil, fmt.Errorf("store: upgrade whatsmeow tables: %w", err)
	}
	return container, nil
}

// exclusive holds a PostgreSQL advisory lock named name (per schema) until unlock is called. The
// lock is session-level, so it is taken and released on one dedicated connection, never through
// the pool, where the release could land on another backend and leak the lock.
func (s *Store) exclusive(ctx context.Context, name string) (unlock func(), err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	const key = `hashtext($1 || ':' || current_schema())`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, name); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+key+`)`, name); err != nil {
			// Discard the connection instead of returning it to the pool: ending its session
			// releases the lock.
			s.log.Warn("releasing an advisory lock; dropping its connection", "lock", name, "err", err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}
