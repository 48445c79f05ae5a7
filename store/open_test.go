package store_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestMigrationsIdempotent opens the same database twice (and then four times at once): the
// schema is created once, recorded once, and data survives.
func TestMigrationsIdempotent(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		first, err := store.Open(ctx(t), dsn, nil)
		must(t, "first Open", err)
		_, token := newAccount(t, first, "acme", 0)
		v1, err := first.SchemaVersion(ctx(t))
		must(t, "SchemaVersion", err)
		if v1 < 1 {
			t.Fatalf("schema version %d after first open", v1)
		}
		must(t, "Close", first.Close())

		var wg sync.WaitGroup
		stores := make([]*store.Store, 4)
		errs := make([]error, len(stores))
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stores[i], errs[i] = store.Open(ctx(t), dsn, nil)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			must(t, "concurrent reopen", err)
			defer stores[i].Close()
		}
		s := stores[0]
		v2, err := s.SchemaVersion(ctx(t))
		must(t, "SchemaVersion", err)
		var rows int
		must(t, "count migrations", s.DB().QueryRowContext(ctx(t), `SELECT COUNT(*) FROM switchboard_migrations`).Scan(&rows))
		if v2 != v1 || rows != v1 {
			t.Fatalf("after reopen: version %d (was %d), %d migration rows", v2, v1, rows)
		}
		if _, err := s.AccountByTokenHash(ctx(t), switchboard.HashToken(token)); err != nil {
			t.Fatalf("account lost across reopen: %v", err)
		}

		// A database migrated by a newer build is refused, not written to.
		_, err = s.DB().ExecContext(ctx(t), `INSERT INTO switchboard_migrations (version, applied_at) VALUES (9999, 0)`)
		must(t, "fake newer version", err)
		if newer, err := store.Open(ctx(t), dsn, nil); err == nil {
			newer.Close()
			t.Fatal("Open accepted a schema newer than the build")
		} else if !strings.Contains(err.Error(), "newer") {
			t.Fatalf("Open on newer schema: %v", err)
		}
	})
}

func TestOpenDialect(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn)
		want := store.DialectSQLite
		if strings.HasPrefix(dsn, "postgres") {
			want = store.DialectPostgres
		}
		if s.Dialect() != want {
			t.Fatalf("Dialect() = %q, want %q", s.Dialect(), want)
		}
		must(t, "Ping", s.Ping(ctx(t)))
	})
}

func TestSQLitePragmas(t *testing.T) {
	s := storetest.Open(t)
	// Every pooled connection must carry the per-connection pragmas, not just the first: hold
	// several connections at once and ask each.
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 4 {
		c, err := s.DB().Conn(ctx(t))
		must(t, "Conn", err)
		conns = append(conns, c)
		var fk, sync, busy int
		var journal string
		must(t, "foreign_keys", c.QueryRowContext(ctx(t), "PRAGMA foreign_keys").Scan(&fk))
		must(t, "synchronous", c.QueryRowContext(ctx(t), "PRAGMA synchronous").Scan(&sync))
		must(t, "busy_timeout", c.QueryRowContext(ctx(t), "PRAGMA busy_timeout").Scan(&busy))
		must(t, "journal_mode", c.QueryRowContext(ctx(t), "PRAGMA journal_mode").Scan(&journal))
		if fk != 1 || sync != 2 || busy != 10000 || journal != "wal" {
			t.Fatalf("connection %d: foreign_keys=%d synchronous=%d busy_timeout=%d journal_mode=%s", i, fk, sync, busy, journal)
		}
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	for _, dsn := range []string{"", "mysql://root@localhost/db", "sqlite:", "sqlite:x.db?_txlock=deferred", "switchboard.db",
		"host=localhost password=secret"} {
		s, err := store.Open(ctx(t), dsn, nil)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Fatalf("error echoes a password: %v", err)
		}
	}
}

// TestMemoryDSN: sqlite::memory: works, including from many goroutines at once and with
// whatsmeow, because the pool is pinned to its one connection.
func TestMemoryDSN(t *testing.T) {
	s := storetest.OpenDSN(t, "sqlite::memory:")
	acc, _ := newAccount(t, s, "acme", 3)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst := &switchboard.Instance{AccountID: acc.ID, Name: string(rune('a' + i))}
			errs <- s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken("sbi_")), 3)
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
		} else if err != switchboard.ErrQuotaExceeded {
			t.Fatalf("CreateInstance: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d creates succeeded, want 3", ok)
	}
	container, err := s.Whatsmeow(ctx(t), nil)
	must(t, "Whatsmeow", err)
	must(t, "save device", saveDevice(ctx(t), container, "5511999990009"))
}
