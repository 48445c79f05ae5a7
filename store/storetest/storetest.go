// Package storetest gives tests a migrated, isolated *store.Store on SQLite and, when
// SWITCHBOARD_TEST_POSTGRES names a server, on PostgreSQL. It lives apart from package store so
// that production code never links package testing.
//
//	storetest.Each(t, func(t *testing.T, s *store.Store) { ... }) // both engines
//	s := storetest.Open(t)                                         // SQLite only
//
// Every store is closed, and every PostgreSQL schema dropped, when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the admin connection

	"github.com/switchboard/switchboard/store"
)

// PostgresEnv names the environment variable holding the DSN of a PostgreSQL server for tests,
// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable. CI always sets it.
const PostgresEnv = "SWITCHBOARD_TEST_POSTGRES"

// Open returns a store on a fresh SQLite file in t.TempDir().
func Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenDSN(t, SQLiteDSN(t))
}

// OpenPostgres returns a store on a fresh PostgreSQL schema of its own, or skips the test when
// SWITCHBOARD_TEST_POSTGRES is unset.
func OpenPostgres(t testing.TB) *store.Store {
	t.Helper()
	return OpenDSN(t, PostgresDSN(t))
}

// Each runs fn as subtests "sqlite" and "postgres", each with its own fresh store; the
// PostgreSQL one is skipped when SWITCHBOARD_TEST_POSTGRES is unset.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// EachDSN is Each for tests that open the database themselves (several times, or in another
// process): fn receives a DSN for an empty database that lives until the test ends.
func EachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// OpenDSN opens dsn with store.Open (and opts, e.g. store.WithTokenCacheTTL) and closes the store
// when the test ends.
func OpenDSN(t testing.TB, dsn string, opts ...store.Option) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, dsn, nil, opts...)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

// SQLiteDSN returns the DSN of a SQLite file that does not exist yet, in t.TempDir().
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "switchboard.db")
}

// PostgresDSN creates an empty schema named sbtest_<random> and returns SWITCHBOARD_TEST_POSTGRES
// with search_path set to it, so every unqualified table (ours and whatsmeow's) lands there and
// tests never see each other's rows. The schema is dropped when the test ends. Skips the test
// when SWITCHBOARD_TEST_POSTGRES is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("storetest: %s is not set; skipping the PostgreSQL variant", PostgresEnv)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL: %v", PostgresEnv, err)
	}
	schema := "sbtest_" + randomHex(t, 8)
	admin(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { admin(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// admin runs one statement on a short-lived connection outside any test schema. It uses its own
// context because t.Context is already cancelled when cleanups run.
func admin(t testing.TB, dsn, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("storetest: postgres: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("storetest: postgres: %s: %v", stmt, err)
	}
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: crypto/rand: %v", err)
	}
	return hex.EncodeToString(b)
}
