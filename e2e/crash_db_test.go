package e2e

import (
	"database/sql"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// checkIntegrity runs PRAGMA integrity_check on the SQLite file of a dead gateway. The file is
// opened read-only so that closing it does not checkpoint the WAL: the restarted gateway must
// recover the file exactly as the kill left it.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatalf("integrity_check: %v", err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		t.Fatalf("the database is damaged after SIGKILL: %s", strings.Join(lines, "; "))
	}
}
