package store

import (
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn, dialect, path string
		memory             bool
	}{
		{dsn: "sqlite:switchboard.db", dialect: DialectSQLite, path: "switchboard.db"},
		{dsn: "sqlite:/var/lib/sb/sb.db", dialect: DialectSQLite, path: "/var/lib/sb/sb.db"},
		{dsn: "sqlite:///var/lib/sb.db", dialect: DialectSQLite, path: "/var/lib/sb.db"},
		{dsn: "sqlite://rel.db", dialect: DialectSQLite, path: "rel.db"},
		{dsn: "sqlite::memory:", dialect: DialectSQLite, path: ":memory:", memory: true},
		{dsn: "postgres://u:pw@h/db?sslmode=disable", dialect: DialectPostgres},
		{dsn: "postgresql://u@h/db", dialect: DialectPostgres},
	} {
		got, err := parseDSN(tc.dsn)
		if err != nil {
			t.Fatalf("parseDSN(%q): %v", tc.dsn, err)
		}
		if got.dialect != tc.dialect || got.memory != tc.memory {
			t.Fatalf("parseDSN(%q) = %+v", tc.dsn, got)
		}
		if tc.dialect == DialectSQLite && !strings.HasPrefix(got.driverDSN, tc.path+"?") {
			t.Fatalf("parseDSN(%q) driver DSN %q, want path %q", tc.dsn, got.driverDSN, tc.path)
		}
		if strings.Contains(got.display, "pw") {
			t.Fatalf("display form leaks the password: %q", got.display)
		}
	}
	file, _ := parseDSN("sqlite:x.db")
	for _, want := range []string{"_busy_timeout=10000", "_foreign_keys=1", "_journal_mode=WAL", "_synchronous=FULL", "_txlock=immediate"} {
		if !strings.Contains(file.driverDSN, want) {
			t.Fatalf("sqlite DSN %q lacks %s", file.driverDSN, want)
		}
	}
	mem, _ := parseDSN("sqlite::memory:")
	if strings.Contains(mem.driverDSN, "WAL") || !strings.Contains(mem.driverDSN, "_txlock=immediate") {
		t.Fatalf("memory DSN %q", mem.driverDSN)
	}
}
