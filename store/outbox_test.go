package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func newWebhook(t *testing.T, s *store.Store, instanceID int64, label string, enabled bool, events ...string) *switchboard.Webhook {
	t.Helper()
	w := &switchboard.Webhook{InstanceID: instanceID, Label: label, Enabled: enabled, URL: "https://example.com/" + label,
		Events: events, SecretSealed: []byte("sealed")}
	must(t, "UpsertWebhook "+label, s.UpsertWebhook(ctx(t), w))
	return w
}

func appendEvent(t *testing.T, s *store.Store, instanceID int64, typ, key string) switchboard.Event {
	t.Helper()
	e, created, err := s.AppendEvent(ctx(t), switchboard.Event{InstanceID: instanceID, Type: typ, DedupeKey: key,
		Data: json.RawMessage(`{"k":"` + key + `"}`)})
	must(t, "AppendEvent", err)
	if key != "" && !created {
		t.Fatalf("AppendEvent(%q) was a duplicate", key)
	}
	return e
}

// TestAppendEventSequenceAndDedupe: per-instance gapless sequence numbers, and a repeated dedupe
// key returns the stored event without taking a number.
func TestAppendEventSequenceAndDedupe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		a, _ := newInstance(t, s, acc.ID, "a")
		b, _ := newInstance(t, s, acc.ID, "b")
		e1 := appendEvent(t, s, a.ID, switchboard.EventInstanceState, "k1")
		e2 := appendEvent(t, s, a.ID, switchboard.EventInstanceState, "k2")
		f1 := appendEvent(t, s, b.ID, switchboard.EventInstanceState, "k1")
		if e1.Seq != 1 || e2.Seq != 2 || f1.Seq != 1 {
			t.Fatalf("seqs %d %d %d, want 1 2 1", e1.Seq, e2.Seq, f1.Seq)
		}
		dup, created, err := s.AppendEvent(ctx(t), switchboard.Event{InstanceID: a.ID, Type: "x", DedupeKey: "k1"})
		must(t, "AppendEvent duplicate", err)
		if created || dup.ID != e1.ID || dup.Seq != 1 || string(dup.Data) != `{"k":"k1"}` {
			t.Fatalf("duplicate returned created=%v %+v, want the stored event %s", created, dup, e1.ID)
		}
		e3 := appendEvent(t, s, a.ID, switchboard.EventInstanceState, "k3")
		if e3.Seq != 3 {
			t.Fatalf("seq after a duplicate = %d, want 3 (no gap)", e3.Seq)
		}
		_, _, err = s.AppendEvent(ctx(t), switchboard.Event{InstanceID: 1 << 40, Type: "x"})
		wantIs(t, "event of unknown instance", err, switchboard.ErrNotFound)
	})
}

// TestAppendEventConcurrentDedupe: many writers racing with the same keys store each key once
// and the sequence stays gapless.
func TestAppendEventConcurrentDedupe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "a")
		var wg sync.WaitGroup
		errs := make(chan error, 80)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 10; k++ {
					_, _, err := s.AppendEvent(ctx(t), switchboard.Event{InstanceID: inst.ID, Type: "x", DedupeKey: fmt.Sprint("key-", k)})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var count, maxSeq int
		must(t, "count", s.DB().QueryRowContext(ctx(t), `SELECT COUNT(*), MAX(seq) FROM events WHERE instance_id = $1`, inst.ID).Scan(&count, &maxSeq))
		if count != 10 || maxSeq != 10 {
			t.Fatalf("%d events, max seq %d; want 10 and 10", count, maxSeq)
		}
	})
}

// TestWebhookUpsertLimit: at most 3 enabled per instance, disabled rows do not count, an upsert of
// an enabled label is not a 4th, and nothing is stored by a refused upsert.
func TestWebhookUpsertLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "a")
		other, _ := newInstance(t, s, acc.ID, "b")
		for _, l := range []string{"c", "a", "b"} {
			newWebhook(t, s, inst.ID, l, true)
		}
		newWebhook(t, s, inst.ID, "off", false)
		newWebhook(t, s, other.ID, "x", true)
		err := s.UpsertWebhook(ctx(t), &switchboard.Webhook{InstanceID: inst.ID, Label: "d", Enabled: true, URL: "https://x"})
		wantIs(t, "4th enabled", err, switchboard.ErrTooManyWebhooks)
		if _, err := s.WebhookByLabel(ctx(t), inst.ID, "d"); !errors.Is(err, switchboard.ErrNotFound) {
			t.Fatalf("refused webhook was stored: %v", err)
		}
		must(t, "re-enable existing label", s.UpsertWebhook(ctx(t), &switchboard.Webhook{InstanceID: inst.ID, Label: "a", Enabled: true, URL: "https://new"}))
		err = s.UpsertWebhook(ctx(t), &switchboard.Webhook{InstanceID: inst.ID, Label: "off", Enabled: true, URL: "https://x"})
		wantIs(t, "enabling a 4th", err, switchboard.ErrTooManyWebhooks)
		list, err := s.ListWebhooks(ctx(t), inst.ID)
		must(t, "ListWebhooks", err)
		var labels []string
		for _, w := range list {
			labels = append(labels, w.Label)
		}
		if fmt.Sprint(labels) != "[a b c off]" || list[0].URL != "https://new" {
			t.Fatalf("labels %v (a.url %q), want [a b c off] sorted", labels, list[0].URL)
		}
		wantIs(t, "webhook of unknown instance", s.UpsertWebhook(ctx(t), &switchboard.Webhook{InstanceID: 1 << 40, Label: "x"}), switchboard.ErrNotFound)
	})
}

// TestDeliveryLanes: events fan out to the enabled webhooks whose filter accepts them; the ordered
// lane serves the lowest seq, a failing event moved to the retry lane lets the next one through,
// and it comes back when due.
func TestDeliveryLanes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "a")
		all := newWebhook(t, s, inst.ID, "all", true)
		onlyState := newWebhook(t, s, inst.ID, "state", true, switchboard.EventInstanceState)
		off := newWebhook(t, s, inst.ID, "off", false)
		e1 := appendEvent(t, s, inst.ID, switchboard.EventInstanceState, "1")
		e2 := appendEvent(t, s, inst.ID, switchboard.EventMessageExchange, "2")
		e3 := appendEvent(t, s, inst.ID, switchboard.EventInstanceState, "3")
		now := time.Now()

		next := func(w *switchboard.Webhook, at time.Time) *switchboard.PendingDelivery {
			t.Helper()
			out, _, err := s.NextDelivery(ctx(t), w.ID, at)
			must(t, "NextDelivery", err)
			return out
		}
		if got := next(off, now); got != nil {
			t.Fatalf("disabled webhook got %s", got.ID)
		}
		if got := next(onlyState, now); got == nil || got.ID != e1.ID || got.InstanceName != "a" {
			t.Fatalf("filtered head = %+v, want %s", got, e1.ID)
		}
		must(t, "deliver e1 to state", s.RecordAttempt(ctx(t), onlyState.ID, e1.ID, switchboard.DeliveryAttempt{Status: switchboard.DeliveryDelivered, At: now, HTTPStatus: 200}))
		if got := next(onlyState, now); got == nil || got.ID != e3.ID {
			t.Fatalf("filter let message.exchange through or lost e3: %+v", got)
		}

		// e1 fails on "all" and is retried later, still at the head of the ordered lane.
		must(t, "fail e1", s.RecordAttempt(ctx(t), all.ID, e1.ID, switchboard.DeliveryAttempt{Status: switchboard.DeliveryPending, NextAt: now.Add(time.Minute), At: now, HTTPStatus: 500}))
		out, wake, err := s.NextDelivery(ctx(t), all.ID, now)
		must(t, "NextDelivery", err)
		if out != nil || !wake.Equal(now.Add(time.Minute).Truncate(time.Millisecond)) {
			t.Fatalf("head not due yet: got %+v, wake %v", out, wake)
		}
		// Moved to the retry lane: e2 is the head now.
		must(t, "move e1", s.RecordAttempt(ctx(t), all.ID, e1.ID, switchboard.DeliveryAttempt{Status: switchboard.DeliveryRetrying, NextAt: now.Add(time.Hour), At: now, HTTPStatus: 500, Error: "boom"}))
		if got := next(all, now); got == nil || got.ID != e2.ID || got.Attempts != 0 {
			t.Fatalf("after moving e1 aside, head = %+v, want %s", got, e2.ID)
		}
		if got := next(all, now.Add(2*time.Hour)); got == nil || got.ID != e1.ID || got.Attempts != 2 || got.Status != switchboard.DeliveryRetrying {
			t.Fatalf("due retry = %+v, want %s with 2 attempts", got, e1.ID)
		}

		failed, err := s.ListDeliveries(ctx(t), switchboard.DeliveryFilter{InstanceID: inst.ID, Status: "failed"})
		must(t, "ListDeliveries", err)
		if len(failed) != 1 || failed[0].EventID != e1.ID || failed[0].Label != "all" || failed[0].LastError != "boom" || failed[0].LastStatus != 500 {
			t.Fatalf("failed deliveries = %+v", failed)
		}

		// Disabling kills what waits; redelivery of dead events needs the webhook enabled again.
		all.Enabled, all.URL = false, ""
		must(t, "disable", s.UpsertWebhook(ctx(t), all))
		dead, err := s.ListDeliveries(ctx(t), switchboard.DeliveryFilter{InstanceID: inst.ID, Label: "all", Status: "dead"})
		must(t, "ListDeliveries dead", err)
		if len(dead) != 3 {
			t.Fatalf("%d dead after disable, want 3", len(dead))
		}
		n, err := s.Redeliver(ctx(t), inst.ID, nil, "all", switchboard.DeliveryDead)
		must(t, "Redeliver disabled", err)
		if n != 0 {
			t.Fatalf("redelivered %d to a disabled webhook", n)
		}
		all.Enabled, all.URL = true, "https://example.com/all"
		must(t, "enable", s.UpsertWebhook(ctx(t), all))
		n, err = s.Redeliver(ctx(t), inst.ID, []string{e2.ID}, "", "")
		must(t, "Redeliver ids", err)
		if n != 1 {
			t.Fatalf("redelivered %d, want 1", n)
		}
		if got := next(all, time.Now()); got == nil || got.ID != e2.ID || got.Attempts != 0 {
			t.Fatalf("redelivered head = %+v", got)
		}

		// A test ping goes to the one webhook named.
		ping, _, err := s.AppendEvent(ctx(t), switchboard.Event{InstanceID: inst.ID, Type: switchboard.EventWebhookTest, OnlyWebhook: off.ID})
		must(t, "AppendEvent ping", err)
		if got := next(off, time.Now()); got == nil || got.ID != ping.ID {
			t.Fatalf("ping not queued for its webhook: %+v", got)
		}
		if got := next(onlyState, now); got != nil && got.ID == ping.ID {
			t.Fatal("ping leaked to another webhook")
		}

		// 410: the webhook is disabled with its reason and its queue dies.
		must(t, "DisableWebhook", s.DisableWebhook(ctx(t), onlyState.ID, "receiver answered 410 Gone"))
		w, err := s.WebhookByLabel(ctx(t), inst.ID, "state")
		must(t, "WebhookByLabel", err)
		if w.Enabled || w.DisabledReason != "receiver answered 410 Gone" || w.URL == "" {
			t.Fatalf("after 410: %+v", w)
		}
		if got := next(onlyState, now); got != nil {
			t.Fatalf("disabled webhook still has %s queued", got.ID)
		}
	})
}

// TestPurgeEvents keeps what a webhook still waits for.
func TestPurgeEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "a")
		w := newWebhook(t, s, inst.ID, "w", true)
		done := appendEvent(t, s, inst.ID, "x", "done")
		waiting := appendEvent(t, s, inst.ID, "x", "waiting")
		must(t, "deliver", s.RecordAttempt(ctx(t), w.ID, done.ID, switchboard.DeliveryAttempt{Status: switchboard.DeliveryDelivered, At: time.Now()}))
		n, err := s.PurgeEvents(ctx(t), time.Now().Add(time.Minute))
		must(t, "PurgeEvents", err)
		if n != 1 {
			t.Fatalf("purged %d, want 1", n)
		}
		out, _, err := s.NextDelivery(ctx(t), w.ID, time.Now())
		must(t, "NextDelivery", err)
		if out == nil || out.ID != waiting.ID {
			t.Fatalf("waiting event purged: %+v", out)
		}
	})
}

// TestAppendEventRefusesInvalidData: data that is not JSON could never be sent; it is refused
// when written, not discovered at delivery.
func TestAppendEventRefusesInvalidData(t *testing.T) {
	s := storetest.Open(t)
	acc, _ := newAccount(t, s, "acme", 0)
	inst, _ := newInstance(t, s, acc.ID, "a")
	if _, _, err := s.AppendEvent(ctx(t), switchboard.Event{InstanceID: inst.ID, Type: "x", Data: json.RawMessage(`{"a":`)}); err == nil {
		t.Fatal("invalid JSON data was stored")
	}
}
