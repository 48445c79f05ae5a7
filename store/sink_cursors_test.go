package store_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestSinkCursors: the backlog lists instances a sink has not caught up with, the cursor never
// moves back, each sink has its own, and a deleted instance takes its cursors along.
func TestSinkCursors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		a, _ := newInstance(t, s, acc.ID, "a")
		b, _ := newInstance(t, s, acc.ID, "b.eu")
		for range 3 {
			appendEvent(t, s, a.ID, switchboard.EventMessageExchange, "")
		}
		appendEvent(t, s, b.ID, switchboard.EventMessageExchange, "")
		backlog, err := s.SinkBacklog(ctx(t), "nats", 0, 10)
		must(t, "SinkBacklog", err)
		want := []switchboard.SinkBacklog{{InstanceID: a.ID, InstanceName: "a", LastSeq: 3}, {InstanceID: b.ID, InstanceName: "b.eu", LastSeq: 1}}
		if len(backlog) != 2 || backlog[0] != want[0] || backlog[1] != want[1] {
			t.Fatalf("backlog %+v, want %+v", backlog, want)
		}
		if page, _ := s.SinkBacklog(ctx(t), "nats", a.ID, 10); len(page) != 1 || page[0].InstanceID != b.ID {
			t.Fatalf("backlog after instance a: %+v", page)
		}
		must(t, "cursor a", s.SetSinkCursor(ctx(t), "nats", a.ID, 3))
		must(t, "cursor back", s.SetSinkCursor(ctx(t), "nats", a.ID, 2)) // a late, older write: ignored
		must(t, "cursor b", s.SetSinkCursor(ctx(t), "nats", b.ID, 1))
		backlog, err = s.SinkBacklog(ctx(t), "nats", 0, 10)
		must(t, "SinkBacklog", err)
		if len(backlog) != 0 {
			t.Fatalf("backlog after catching up: %+v", backlog)
		}
		if backlog, _ = s.SinkBacklog(ctx(t), "amqp", 0, 10); len(backlog) != 2 {
			t.Fatalf("the amqp sink shares the nats cursor: %+v", backlog)
		}
		appendEvent(t, s, a.ID, switchboard.EventMessageExchange, "")
		backlog, _ = s.SinkBacklog(ctx(t), "nats", 0, 10)
		if len(backlog) != 1 || backlog[0].Cursor != 3 || backlog[0].LastSeq != 4 {
			t.Fatalf("backlog after a new event: %+v (the cursor moved back?)", backlog)
		}
		must(t, "delete instance", s.DeleteInstance(ctx(t), b.ID))
		wantIs(t, "cursor of a deleted instance", s.SetSinkCursor(ctx(t), "nats", b.ID, 5), switchboard.ErrNotFound)
	})
}

// TestPurgeEventsKeepsUnpublished: the retention purge keeps what a configured sink has not
// published, and forgets sinks no longer configured.
func TestPurgeEventsKeepsUnpublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "a")
		for range 3 {
			appendEvent(t, s, inst.ID, switchboard.EventMessageExchange, "")
		}
		must(t, "nats cursor", s.SetSinkCursor(ctx(t), "nats", inst.ID, 2))
		must(t, "amqp cursor", s.SetSinkCursor(ctx(t), "amqp", inst.ID, 1))
		later := time.Now().Add(time.Minute)
		n, err := s.PurgeEvents(ctx(t), later, "nats", "amqp")
		must(t, "purge", err)
		if n != 1 {
			t.Fatalf("purged %d, want 1 (only seq 1 is published by both sinks)", n)
		}
		n, err = s.PurgeEvents(ctx(t), later, "nats")
		must(t, "purge", err)
		if n != 1 {
			t.Fatalf("purged %d, want 1 (seq 2, once the amqp sink is no longer configured)", n)
		}
		n, err = s.PurgeEvents(ctx(t), later)
		must(t, "purge", err)
		if n != 1 {
			t.Fatalf("purged %d without sinks, want 1", n)
		}
	})
}
