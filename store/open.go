package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers database/sql driver "pgx"
	_ "modernc.org/sqlite"             // registers database/sql driver "sqlite" (pure Go)

	"github.com/switchboard/switchboard"
)

// Pool sizes.
//
// SQLite allows one writer at a time whatever the pool does; with _txlock=immediate and a busy
// timeout a writer waits at BEGIN (or at its single statement) for the lock, and in WAL mode
// readers proceed beside it. So the file pool holds a few connections: reads such as the token
// lookup of every request are not queued behind a long whatsmeow write. One connection would avoid SQLITE_BUSY just as well, but every
// read would queue behind every write, and any code that queries outside its open transaction (or
// while iterating rows) would hang until its context ends; with several connections such a bug
// surfaces as SQLITE_BUSY after the busy timeout instead. TestConcurrentReadersAndWriters runs
// our writes, reads and whatsmeow's Signal writes at once and requires every call to succeed.
// Idle connections are kept (MaxIdle = MaxOpen) because each new one re-runs the pragmas.
//
// An in-memory SQLite database lives and dies with its connection, and two connections to
// ":memory:" are two different databases, so that mode is pinned to exactly one connection that is
// never recycled: the pool itself serialises all access.
//
// PostgreSQL takes concurrent writers; the cap keeps one process from exhausting the server's
// max_connections (100 by default) when several processes or test packages share it.
const (
	sqliteMaxConns   = 8
	postgresMaxConns = 16
	postgresMaxIdle  = 4
)

// Store is the persistence adapter: Switchboard's tables and whatsmeow's device store in one
// database, SQLite or PostgreSQL. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect string
	log     *slog.Logger
	stmts   statements // the prepared reads of the request path (prepared.go)

	// The token lookups' read-through caches (tokencache.go): rows by token hash, for at most
	// WithTokenCacheTTL. Writes to an instance row go through writeInstance, which drops it.
	accountCache  *tokenCache[switchboard.Account]
	instanceCache *tokenCache[switchboard.Instance]
	// listener hears other processes' writes on PostgreSQL (tokencache_notify.go); nil on SQLite
	// and with the cache off.
	listener *invalidationListener
	// migratedNow lists the schema versions this Open applied, for `switchboard db migrate`.
	migratedNow []int
}

// Open connects to dsn (see parseDSN for the accepted forms), checks the connection's settings
// and brings Switchboard's tables to the latest schema version. whatsmeow's tables are created
// separately by (*Store).Whatsmeow. A nil log discards; opts change the defaults (options.go).
//
// No error or log line of Open carries the DSN's password (see RedactDSN), and a SQLite file it
// creates, with its -wal and -shm, is readable by its owner only (sqlitefile.go): it holds
// whatsmeow's identity and noise keys and the simulator's root key.
func Open(ctx context.Context, dsn string, log *slog.Logger, opts ...Option) (_ *Store, err error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	defer func() { err = redactErr(err, t.secrets) }()
	if t.path != "" {
		if err := privateSQLiteFiles(t.path, log); err != nil {
			return nil, err
		}
	}
	db, err := openPool(t)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", t.display, err)
	}
	configurePool(db, t)
	s := &Store{
		db: db, dialect: t.dialect, log: log.With("component", "store", "dialect", t.dialect),
		accountCache:  newTokenCache(o.tokenCacheTTL, maxTokenCacheEntries, cloneAccount, accountID),
		instanceCache: newTokenCache(o.tokenCacheTTL, maxTokenCacheEntries, cloneInstance, instanceID),
	}
	if err := s.prepare(ctx, t); err != nil {
		_ = db.Close()
		return nil, err
	}
	if t.dialect == DialectPostgres && o.tokenCacheTTL > 0 {
		if err := s.listenForInvalidations(ctx, t.driverDSN); err != nil {
			s.closeStatements()
			_ = db.Close()
			return nil, err
		}
	}
	s.log.Info("database opened", "db", t.display)
	return s, nil
}

// openPool opens t's database/sql pool. A SQLite file's connections queue their writes in Go
// (sqlite_gate.go) rather than in SQLite's polling busy handler; :memory: has one connection, so
// nothing to queue, and PostgreSQL takes concurrent writers.
func openPool(t target) (*sql.DB, error) {
	if t.dialect != DialectSQLite || t.memory {
		return sql.Open(t.driverName, t.driverDSN)
	}
	c, err := newGatedConnector(t.driverDSN, newWriteGate(sqliteBusyTimeoutMS*time.Millisecond))
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

func configurePool(db *sql.DB, t target) {
	switch {
	case t.memory:
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	case t.dialect == DialectSQLite:
		db.SetMaxOpenConns(sqliteMaxConns)
		db.SetMaxIdleConns(sqliteMaxConns)
	default:
		db.SetMaxOpenConns(postgresMaxConns)
		db.SetMaxIdleConns(postgresMaxIdle)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
}

// prepare checks that the database answers with the settings we rely on, then migrates.
func (s *Store) prepare(ctx context.Context, t target) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: connect to %s: %w", t.display, err)
	}
	if t.dialect == DialectSQLite {
		if err := s.checkSQLitePragmas(ctx, t.memory); err != nil {
			return err
		}
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	return s.prepareStatements(ctx)
}

// checkSQLitePragmas fails loudly when SQLite silently declined a setting: journal_mode stays
// "delete" on file systems without shared memory, and a driver change could drop a DSN key.
// Running with a weaker setting than documented would be a silent durability bug.
func (s *Store) checkSQLitePragmas(ctx context.Context, memory bool) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: sqlite connection: %w", err)
	}
	defer conn.Close()
	var foreignKeys, synchronous int
	var journalMode string
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil {
		return fmt.Errorf("store: read PRAGMA foreign_keys: %w", err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journalMode); err != nil {
		return fmt.Errorf("store: read PRAGMA journal_mode: %w", err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&synchronous); err != nil {
		return fmt.Errorf("store: read PRAGMA synchronous: %w", err)
	}
	var problems []string
	if foreignKeys != 1 {
		problems = append(problems, "foreign_keys is off")
	}
	if !memory && !strings.EqualFold(journalMode, "wal") {
		problems = append(problems, fmt.Sprintf("journal_mode is %q, not wal (is the file on a network file system?)", journalMode))
	}
	if !memory && synchronous != 2 {
		problems = append(problems, fmt.Sprintf("synchronous is %d, not 2 (FULL)", synchronous))
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: sqlite settings not applied: %s", strings.Join(problems, "; "))
	}
	return nil
}

// DB returns the shared connection pool. whatsmeow's container uses the same pool; closing it is
// (*Store).Close's job. A write to accounts or instances through it bypasses the token cache
// (tokencache.go): on SQLite this Store sees it only after the cache's TTL, like another
// process's; on PostgreSQL the notification trigger reports it like any other write.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers (for health checks).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the pool, and with it every whatsmeow container opened by (*Store).Whatsmeow.
// On SQLite the last connection to close checkpoints the WAL into the main file.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return errors.New("store: Close on a nil store")
	}
	s.stopListener()
	s.closeStatements()
	return s.db.Close()
}
