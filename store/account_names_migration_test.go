package store_test

import (
	"strconv"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestUniqueAccountNamesMigration upgrades a database that, like one made before account names
// were unique, holds three accounts named "acme": the migration keeps the oldest name and renames
// the others "acme #<id>", so it cannot fail on existing data and no account or token is lost.
func TestUniqueAccountNamesMigration(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(0))
		// Back to the schema before the uniqueness migration (version 3).
		undo := []string{`DROP INDEX accounts_name_key`}
		if s.Dialect() == store.DialectPostgres {
			undo = []string{
				`ALTER TABLE accounts DROP CONSTRAINT accounts_name_key`,
				`DROP TRIGGER accounts_token_cache_notify ON accounts`,
				`DROP TRIGGER instances_token_cache_notify ON instances`,
				`DROP FUNCTION switchboard_token_cache_notify()`,
			}
		}
		// The migrator applies what is above the highest version recorded, so every later
		// migration is undone too (add its objects here when one is added).
		if s.Dialect() == store.DialectPostgres {
			undo = append(undo, `DROP TRIGGER instances_session_fence ON instances`, `DROP FUNCTION instances_session_fence()`,
				`DROP TRIGGER instance_leases_fence ON instance_leases`, `DROP FUNCTION instance_leases_fence()`)
		}
		undo = append(undo, `DROP TABLE webhook_attempts`)
		undo = append(undo, `DROP TABLE event_sink_cursors`, `DROP TABLE instance_s3`)
		undo = append(undo, `DROP TABLE instance_leases`, `DROP TABLE cluster_nodes`, `ALTER TABLE instances DROP COLUMN session_epoch`)
		undo = append(undo, `DROP TABLE websocket_configs`, `DROP TABLE webhook_deliveries`, `DROP TABLE webhooks`,
			`DROP TABLE events`, `DROP TABLE event_sequences`)
		undo = append(undo, `DROP INDEX messages_quoted`, `DROP TABLE chat_favorites`, `DROP TABLE chat_label_links`, `DROP TABLE chat_labels`)
		undo = append(undo, `DROP TABLE messages`, `DROP TABLE sandbox_sealing_key`, `DROP TABLE sandbox_phones`, `DROP TABLE switchboard_settings`,
			`DELETE FROM switchboard_migrations WHERE version >= 3`)
		for _, stmt := range undo {
			_, err := s.DB().ExecContext(ctx(t), stmt)
			must(t, stmt, err)
		}
		var ids []int64
		var tokens []string
		for range 3 {
			token := switchboard.NewToken(switchboard.AccountTokenPrefix)
			var id int64
			must(t, "insert a duplicate", s.DB().QueryRowContext(ctx(t),
				`INSERT INTO accounts (name, max_instances, token_hash, created_at) VALUES ('acme', 0, $1, 0) RETURNING id`,
				switchboard.HashToken(token)).Scan(&id))
			ids, tokens = append(ids, id), append(tokens, token)
		}

		upgraded := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(0))
		for i, token := range tokens {
			acc, err := upgraded.AccountByTokenHash(ctx(t), switchboard.HashToken(token))
			must(t, "account after the upgrade", err)
			want := "acme"
			if i > 0 {
				want = "acme #" + strconv.FormatInt(ids[i], 10)
			}
			if acc.ID != ids[i] || acc.Name != want {
				t.Errorf("account %d is %d %q, want %d %q", i, acc.ID, acc.Name, ids[i], want)
			}
		}
		_, err := upgraded.CreateAccount(ctx(t), "acme", 0, switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
		wantIs(t, "a new duplicate after the upgrade", err, switchboard.ErrDuplicateAccountName)
	})
}
