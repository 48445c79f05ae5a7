package store_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:hunter2@db:5432/sb?sslmode=disable":                   "postgres://u:xxxxx@db:5432/sb?sslmode=disable",
		"postgres://u@db/sb?password=hunter2&sslmode=disable":               "postgres://u@db/sb?password=xxxxx&sslmode=disable",
		"postgresql://u:a%40b@db/sb?sslpassword=keypass&application_name=x": "postgresql://u:xxxxx@db/sb?application_name=x&sslpassword=xxxxx",
		"sqlite:/var/lib/sb.db":                                             "sqlite:/var/lib/sb.db",
		"postgres://u:pw@db:port/sb":                                        "postgres://(unparsable)",
	} {
		if got := store.RedactDSN(dsn); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// TestOpenNeverPrintsTheDSNPassword: a password in the userinfo or in the query string
// (password=, sslpassword=) appears in no error and no log line of Open, whether the URL fails
// to parse, the server cannot be reached, or the database opens (the "database opened" line).
func TestOpenNeverPrintsTheDSNPassword(t *testing.T) {
	const secret = "s3cr3t-PW"
	failing := []string{
		"postgres://u:" + secret + "@127.0.0.1:1/db?connect_timeout=1",
		"postgres://u@127.0.0.1:1/db?connect_timeout=1&password=" + secret,
		"postgres://u@127.0.0.1:1/db?connect_timeout=1&sslpassword=" + secret + "&sslmode=disable",
		"postgres://u@127.0.0.1:1/db?password=" + secret + "&connect_timeout=notanumber",
		"postgres://u:" + secret + "@127.0.0.1:notaport/db",
	}
	for _, dsn := range failing {
		var logs bytes.Buffer
		_, err := store.Open(ctx(t), dsn, slog.New(slog.NewTextHandler(&logs, nil)))
		if err == nil {
			t.Fatalf("Open(%s) succeeded", store.RedactDSN(dsn))
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
			t.Errorf("the password leaked:\n error: %v\n log: %s", err, logs.String())
		}
	}

	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skipf("%s is not set: the successful-open variant needs PostgreSQL", storetest.PostgresEnv)
	}
	// The test server trusts local connections, so a password parameter is accepted and ignored.
	dsn := storetest.PostgresDSN(t) + "&password=" + secret
	var logs bytes.Buffer
	s, err := store.Open(ctx(t), dsn, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if !strings.Contains(logs.String(), "database opened") || !strings.Contains(logs.String(), "password=xxxxx") {
		t.Fatalf("no redacted 'database opened' line: %s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("the password reached the log: %s", logs.String())
	}
}

// TestSQLiteFilesArePrivate: the database file and its -wal and -shm companions are created
// owner-only (0600) whatever the umask lets through, and an existing world-readable file is
// made private when opened.
func TestSQLiteFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sb.db")
	s := storetest.OpenDSN(t, "sqlite:"+path)
	newAccount(t, s, "acme", 0) // a write, so the WAL and its index exist
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), perm)
		}
	}

	old := filepath.Join(dir, "old.db")
	must(t, "write", os.WriteFile(old, nil, 0o644))
	must(t, "chmod", os.Chmod(old, 0o644)) // whatever the umask did
	storetest.OpenDSN(t, "sqlite:"+old)
	if info, err := os.Stat(old); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("existing 0644 database after Open: %v, %v", info.Mode(), err)
	}
}
