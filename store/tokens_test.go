package store_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestTokensStoredOnlyAsHashes scans every value of every table (ours and whatsmeow's) for the
// plaintext tokens just created, and checks that their hashes are what is stored.
func TestTokensStoredOnlyAsHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if _, err := s.Whatsmeow(ctx(t), nil); err != nil {
			t.Fatalf("Whatsmeow: %v", err)
		}
		acc, accToken := newAccount(t, s, "acme", 0)
		_, instToken := newInstance(t, s, acc.ID, "bot")

		hashesSeen := 0
		for _, table := range tables(t, s) {
			rows, err := s.DB().QueryContext(ctx(t), "SELECT * FROM "+table)
			must(t, "select "+table, err)
			cols, err := rows.Columns()
			must(t, "columns", err)
			for rows.Next() {
				values := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range values {
					ptrs[i] = &values[i]
				}
				must(t, "scan "+table, rows.Scan(ptrs...))
				for i, v := range values {
					var b []byte
					switch v := v.(type) {
					case string:
						b = []byte(v)
					case []byte:
						b = v
					default:
						b = []byte(fmt.Sprint(v))
					}
					for _, tok := range []string{accToken, instToken} {
						if bytes.Contains(b, []byte(tok)) {
							t.Fatalf("plaintext token found in %s.%s", table, cols[i])
						}
						if bytes.Equal(b, []byte(switchboard.HashToken(tok))) {
							hashesSeen++
						}
					}
				}
			}
			must(t, "rows "+table, rows.Err())
			rows.Close()
		}
		if hashesSeen != 2 {
			t.Fatalf("found %d stored token hashes, want 2 (the scan did not see the token columns?)", hashesSeen)
		}
	})
}

// tables lists the base tables of the store's database (for PostgreSQL: of its schema).
func tables(t *testing.T, s *store.Store) []string {
	t.Helper()
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.Dialect() == store.DialectPostgres {
		query = `SELECT table_name FROM information_schema.tables
		         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := s.DB().QueryContext(ctx(t), query)
	must(t, "list tables", err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		must(t, "scan table name", rows.Scan(&name))
		out = append(out, name)
	}
	must(t, "list tables", rows.Err())
	if len(out) < 5 {
		t.Fatalf("only %d tables: %v", len(out), out)
	}
	return out
}
