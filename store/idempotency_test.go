package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		other, _ := newAccount(t, s, "other", 0)
		t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		rec := switchboard.IdempotencyRecord{AccountID: acc.ID, Key: "key-1", Route: "POST /api/message/text", RequestHash: "h1", CreatedAt: t0}

		existing, created, err := s.BeginIdempotent(ctx(t), rec)
		must(t, "BeginIdempotent", err)
		if !created || existing != nil {
			t.Fatalf("first Begin: created=%v existing=%+v", created, existing)
		}

		// Same key while running: the running record comes back.
		existing, created, err = s.BeginIdempotent(ctx(t), rec)
		must(t, "BeginIdempotent again", err)
		if created || existing == nil || existing.Status != 0 || existing.Body != nil {
			t.Fatalf("second Begin: created=%v existing=%+v", created, existing)
		}
		if existing.Route != rec.Route || existing.RequestHash != rec.RequestHash || !existing.CreatedAt.Equal(t0) ||
			existing.AccountID != acc.ID || existing.Key != rec.Key {
			t.Fatalf("existing = %+v, want %+v", existing, rec)
		}

		// Keys are per account.
		_, created, err = s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: other.ID, Key: "key-1", Route: "r", RequestHash: "x", CreatedAt: t0})
		must(t, "other account, same key", err)
		if !created {
			t.Fatal("a key of one account blocked another account")
		}

		body := []byte(`{"success":true}`)
		must(t, "FinishIdempotent", s.FinishIdempotent(ctx(t), acc.ID, "key-1", 201, body))
		existing, created, err = s.BeginIdempotent(ctx(t), rec)
		must(t, "Begin after finish", err)
		if created || existing.Status != 201 || string(existing.Body) != string(body) {
			t.Fatalf("after finish: created=%v existing=%+v", created, existing)
		}

		// A finished record is a promise: Abandon leaves it.
		wantIs(t, "Abandon finished", s.AbandonIdempotent(ctx(t), acc.ID, "key-1"), switchboard.ErrNotFound)
		existing, _, err = s.BeginIdempotent(ctx(t), rec)
		must(t, "Begin after refused abandon", err)
		if existing == nil || existing.Status != 201 {
			t.Fatalf("finished record lost: %+v", existing)
		}

		// A running record can be abandoned, freeing the key.
		rec2 := rec
		rec2.Key = "key-2"
		_, _, err = s.BeginIdempotent(ctx(t), rec2)
		must(t, "Begin key-2", err)
		must(t, "Abandon running", s.AbandonIdempotent(ctx(t), acc.ID, "key-2"))
		_, created, err = s.BeginIdempotent(ctx(t), rec2)
		must(t, "Begin after abandon", err)
		if !created {
			t.Fatal("abandoned key still taken")
		}

		// Not found.
		wantIs(t, "Finish unknown", s.FinishIdempotent(ctx(t), acc.ID, "nope", 200, nil), switchboard.ErrNotFound)
		wantIs(t, "Abandon unknown", s.AbandonIdempotent(ctx(t), acc.ID, "nope"), switchboard.ErrNotFound)
		_, _, err = s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: 1 << 40, Key: "k", CreatedAt: t0})
		wantIs(t, "Begin for unknown account", err, switchboard.ErrNotFound)

		// After the TTL the key is free again even before a purge, on the caller's clock.
		later := rec
		later.CreatedAt = t0.Add(store.IdempotencyTTL + time.Minute)
		later.RequestHash = "h2"
		existing, created, err = s.BeginIdempotent(ctx(t), later)
		must(t, "Begin after TTL", err)
		if !created || existing != nil {
			t.Fatalf("expired key not reusable: created=%v existing=%+v", created, existing)
		}
		existing, _, err = s.BeginIdempotent(ctx(t), later)
		must(t, "Begin after TTL, again", err)
		if existing == nil || existing.RequestHash != "h2" || existing.Status != 0 {
			t.Fatalf("replacement record = %+v", existing)
		}
	})
}

func TestPurgeIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, key := range []string{"old-running", "old-done", "new"} {
			at := t0
			if key == "new" {
				at = t0.Add(25 * time.Hour)
			}
			_, _, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: key, Route: "r", RequestHash: "h", CreatedAt: at})
			must(t, "Begin "+key, err)
			if i == 1 {
				must(t, "Finish", s.FinishIdempotent(ctx(t), acc.ID, key, 200, []byte("{}")))
			}
		}
		must(t, "Purge", s.PurgeIdempotent(ctx(t), t0.Add(time.Hour)))
		var keys []string
		rows, err := s.DB().QueryContext(ctx(t), `SELECT key FROM idempotency_keys ORDER BY key`)
		must(t, "list keys", err)
		defer rows.Close()
		for rows.Next() {
			var k string
			must(t, "scan", rows.Scan(&k))
			keys = append(keys, k)
		}
		if len(keys) != 1 || keys[0] != "new" {
			t.Fatalf("after purge: %v, want [new]", keys)
		}
	})
}

// TestBeginIdempotentConcurrent: many requests with one key at once; exactly one runs.
func TestBeginIdempotentConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		const n = 16
		var wg sync.WaitGroup
		createdCount := make(chan bool, n)
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				existing, created, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: "same", Route: "r", RequestHash: "h"})
				if err == nil && !created && existing == nil {
					err = errors.New("neither created nor existing")
				}
				errs <- err
				createdCount <- created
			}()
		}
		wg.Wait()
		close(errs)
		close(createdCount)
		for err := range errs {
			must(t, "BeginIdempotent", err)
		}
		wins := 0
		for c := range createdCount {
			if c {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("%d concurrent Begins created the record", wins)
		}
	})
}

// TestAbandonRunningIdempotent: at boot, keys left running by a dead process are freed and
// finished ones are kept.
func TestAbandonRunningIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		for _, key := range []string{"running-1", "running-2", "done"} {
			_, _, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: key, Route: "r", RequestHash: "h"})
			must(t, "Begin "+key, err)
		}
		must(t, "Finish", s.FinishIdempotent(ctx(t), acc.ID, "done", 200, []byte("{}")))

		n, err := s.AbandonRunningIdempotent(ctx(t))
		must(t, "AbandonRunningIdempotent", err)
		if n != 2 {
			t.Fatalf("abandoned %d keys, want 2", n)
		}
		_, created, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: "running-1", Route: "r", RequestHash: "h"})
		must(t, "Begin freed key", err)
		if !created {
			t.Fatal("a key left running is still taken")
		}
		existing, _, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: "done", Route: "r", RequestHash: "h"})
		must(t, "Begin finished key", err)
		if existing == nil || existing.Status != 200 {
			t.Fatalf("finished key lost: %+v", existing)
		}
	})
}
