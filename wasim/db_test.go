package wasim_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// dialects lists the databases the persistence tests run on. PostgreSQL
// runs when SWITCHBOARD_TEST_POSTGRES holds a DSN (CI sets it).
var dialects = []string{"sqlite", "postgres"}

// openSimDB returns a fresh database for a simulator: a SQLite file in the
// test's temp dir, or a private schema in the test PostgreSQL database.
func openSimDB(t *testing.T, dialect string) *sql.DB {
	t.Helper()
	switch dialect {
	case "sqlite":
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "sim.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	case "postgres":
		dsn := os.Getenv("SWITCHBOARD_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("SWITCHBOARD_TEST_POSTGRES not set")
		}
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = admin.Close() })
		suffix := make([]byte, 6)
		_, _ = rand.Read(suffix)
		schema := "wasim_test_" + hex.EncodeToString(suffix)
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			// The variable says PostgreSQL is meant to run: an unreachable server is a failure,
			// not a reason to pass without testing it.
			t.Fatalf("SWITCHBOARD_TEST_POSTGRES is set but no test schema can be created: %v", err)
		}
		t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		db, err := sql.Open("pgx", dsn+sep+"search_path="+schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	t.Fatalf("unknown dialect %q", dialect)
	return nil
}
