package outbox_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/webhook"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// These tests run the real outbox against a real store (SQLite and PostgreSQL) and a real HTTP
// receiver that verifies signatures with Svix's library.

const wait = 30 * time.Second

type fixture struct {
	t      *testing.T
	s      *store.Store
	sealer *store.Sealer
	inst   *switchboard.Instance
	rcv    *webhooktest.Receiver
	ob     *outbox.Outbox
	hook   *switchboard.Webhook
	secret string
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func newFixture(t *testing.T, s *store.Store) *fixture {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	acc, err := s.CreateAccount(ctx(t), "acme", 0, switchboard.HashToken(token))
	if err != nil {
		t.Fatal(err)
	}
	inst := &switchboard.Instance{AccountID: acc.ID, Name: "shop", Settings: switchboard.DefaultSettings()}
	if err := s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken(switchboard.InstanceTokenPrefix)), 0); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, s: s, sealer: sealer, inst: inst, rcv: webhooktest.Start(t)}
	f.secret = switchboard.NewWebhookSecret()
	f.rcv.SetSecret(f.secret)
	sealed, err := sealer.Seal([]byte(f.secret), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := sealer.Seal([]byte("Bearer svc-token"), inst.ID)
	f.hook = &switchboard.Webhook{InstanceID: inst.ID, Label: "default", Enabled: true, URL: f.rcv.URL + "/hook",
		SecretSealed: sealed, AuthorizationSealed: auth}
	if err := s.UpsertWebhook(ctx(t), f.hook); err != nil {
		t.Fatal(err)
	}
	return f
}

// start runs an outbox with a fast retry schedule.
func (f *fixture) start(schedule ...time.Duration) *outbox.Outbox {
	if len(schedule) == 0 {
		schedule = []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond, 40 * time.Millisecond}
	}
	ob := outbox.New(outbox.Options{Store: f.s, Sender: webhook.NewSender(nil, "Switchboard/test", "https://gw.example"),
		Encode: webhook.Encoder("https://gw.example"), Open: f.sealer.Open, Schedule: schedule})
	if err := ob.Start(ctx(f.t)); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(ob.Close)
	f.ob = ob
	return ob
}

func (f *fixture) emit(n int) []switchboard.Event {
	var out []switchboard.Event
	for i := 0; i < n; i++ {
		data, _ := json.Marshal(map[string]any{"n": i})
		e, err := f.ob.Emit(ctx(f.t), switchboard.Event{InstanceID: f.inst.ID, Type: switchboard.EventInstanceState,
			DedupeKey: fmt.Sprint("e", i), Data: data})
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// waitDeliveries waits until n deliveries of the instance have status, and returns them.
func (f *fixture) waitDeliveries(status string, n int) []switchboard.Delivery {
	f.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		list, err := f.s.ListDeliveries(ctx(f.t), switchboard.DeliveryFilter{InstanceID: f.inst.ID, Status: status})
		if err != nil {
			f.t.Fatal(err)
		}
		if len(list) >= n {
			return list
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%d deliveries %s, want %d", len(list), status, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wantInOrder checks that the accepted deliveries are exactly the events, in order, signed and
// verified, with the envelope RyzeAPI documents.
func wantInOrder(t *testing.T, got []webhooktest.Delivery, want []switchboard.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("receiver accepted %d events, want %d", len(got), len(want))
	}
	for i, d := range got {
		if !d.Verified {
			t.Fatalf("delivery %d: signature not verified by svix: %s", i, d.VerifyErr)
		}
		if d.ID != want[i].ID || d.Envelope.ID != want[i].ID || d.Envelope.Seq != want[i].Seq {
			t.Fatalf("delivery %d is %s (seq %d), want %s (seq %d)", i, d.ID, d.Envelope.Seq, want[i].ID, want[i].Seq)
		}
		if d.Envelope.Event != switchboard.EventInstanceState || d.Envelope.InstanceData["instance"] != "shop" ||
			d.Envelope.InstanceData["baseUrl"] != "https://gw.example" || d.Auth != "Bearer svc-token" || d.Path != "/hook" {
			t.Fatalf("delivery %d: envelope %+v auth %q path %q", i, d.Envelope, d.Auth, d.Path)
		}
		if _, leaked := d.Envelope.InstanceData["token"]; leaked {
			t.Fatalf("instanceData carries a token")
		}
		if string(d.Envelope.Data) != string(want[i].Data) {
			t.Fatalf("delivery %d data %s, want %s", i, d.Envelope.Data, want[i].Data)
		}
	}
}

func TestDeliversInOrderSigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		f.start()
		events := f.emit(25)
		f.rcv.WaitFor(t, wait, "25 deliveries", func(all []webhooktest.Delivery) bool { return len(all) >= 25 })
		wantInOrder(t, f.rcv.Accepted(), events)
		list := f.waitDeliveries("delivered", 25)
		if list[0].LastStatus != 200 || list[0].Attempts != 1 || list[0].Seq != 25 {
			t.Fatalf("newest delivery %+v", list[0])
		}
	})
}

// A tampered body or another secret fails verification: the receiver's check can fail.
func TestSignatureCheckCanFail(t *testing.T) {
	f := newFixture(t, storetest.Open(t))
	f.rcv.SetSecret(switchboard.NewWebhookSecret())
	f.start()
	f.emit(1)
	all := f.rcv.WaitFor(t, wait, "a delivery", func(all []webhooktest.Delivery) bool { return len(all) >= 1 })
	if all[0].Verified || !strings.Contains(all[0].VerifyErr, "signature") {
		t.Fatalf("a signature made with another secret verified: %+v", all[0])
	}
}

// TestFailingReceiverRecoversInOrder: a receiver that fails (500, then a redirect, which is not
// followed) and recovers gets every event exactly in order; the retried one kept its webhook-id.
func TestFailingReceiverRecoversInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		f.rcv.Respond(func(n int, _ webhooktest.Delivery) int {
			switch n {
			case 0:
				return http.StatusInternalServerError
			case 1:
				return http.StatusFound
			}
			return http.StatusOK
		})
		f.start()
		events := f.emit(10)
		all := f.rcv.WaitFor(t, wait, "10 accepted", func(all []webhooktest.Delivery) bool { return len(all) >= 12 })
		if all[0].ID != events[0].ID || all[1].ID != events[0].ID || all[2].ID != events[0].ID {
			t.Fatalf("the head event was not retried first with the same webhook-id: %s %s %s", all[0].ID, all[1].ID, all[2].ID)
		}
		wantInOrder(t, f.rcv.Accepted(), events)
	})
}

// TestPoisonEventDoesNotStall: an event the receiver always refuses (400: every non-2xx is
// retried, 4xx included) moves to the retry lane after the head attempts, the later events go
// through in order, and it ends dead when its schedule runs out.
func TestPoisonEventDoesNotStall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		f.rcv.Respond(func(_ int, d webhooktest.Delivery) int {
			if string(d.Envelope.Data) == `{"n":0}` {
				return http.StatusBadRequest
			}
			return http.StatusOK
		})
		f.start()
		events := f.emit(5)
		f.rcv.WaitFor(t, wait, "all attempts", func(all []webhooktest.Delivery) bool { return len(all) >= 4+5 })
		all := f.rcv.All()
		for i := 0; i < outbox.DefaultHeadAttempts; i++ {
			if all[i].ID != events[0].ID {
				t.Fatalf("attempt %d went to %s before the head had its %d attempts", i, all[i].ID, outbox.DefaultHeadAttempts)
			}
		}
		wantInOrder(t, f.rcv.Accepted(), events[1:])
		dead := f.waitDeliveries("dead", 1)
		if d := dead[0]; d.EventID != events[0].ID || d.Attempts != 5 || d.LastStatus != 400 || d.LastError != "receiver answered 400 Bad Request" {
			t.Fatalf("dead delivery %+v", d)
		}
		if n := len(f.rcv.All()); n != 4+5 {
			t.Fatalf("%d requests, want 9 (4 accepted, 5 attempts of the poison event)", n)
		}
	})
}

// TestGoneDisablesWebhook: a 410 answer disables the webhook with a reason, and nothing more is
// sent to it.
func TestGoneDisablesWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		f.rcv.Respond(func(int, webhooktest.Delivery) int { return http.StatusGone })
		f.start()
		f.emit(3)
		deadline := time.Now().Add(wait)
		for {
			w, err := s.WebhookByLabel(ctx(t), f.inst.ID, "default")
			if err != nil {
				t.Fatal(err)
			}
			if !w.Enabled {
				if !strings.Contains(w.DisabledReason, "410 Gone") {
					t.Fatalf("disabled reason %q", w.DisabledReason)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("webhook still enabled after 410")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := f.ob.Emit(ctx(t), switchboard.Event{InstanceID: f.inst.ID, Type: switchboard.EventInstanceState}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // a stray attempt would arrive well within this
		if n := len(f.rcv.All()); n != 1 {
			t.Fatalf("%d requests after a 410, want the one that got it", n)
		}
	})
}

// TestPendingEventsSurviveRestart: events accepted while the receiver is down are delivered, in
// order, by the next process's outbox.
func TestPendingEventsSurviveRestart(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s1 := storetest.OpenDSN(t, dsn)
		f := newFixture(t, s1)
		f.rcv.Respond(func(int, webhooktest.Delivery) int { return http.StatusServiceUnavailable })
		// A slow schedule: after the first failure nothing is retried while this process lives.
		f.start(0, time.Hour)
		events := f.emit(6)
		f.rcv.WaitFor(t, wait, "the failed first attempt", func(all []webhooktest.Delivery) bool { return len(all) >= 1 })
		f.ob.Close()
		_ = s1.Close()

		s2 := storetest.OpenDSN(t, dsn)
		f.s = s2
		// The head waits an hour for its retry; make it due now, as time passing would.
		if _, err := s2.DB().ExecContext(ctx(t), `UPDATE webhook_deliveries SET next_at = 0`); err != nil {
			t.Fatal(err)
		}
		f.rcv.Respond(nil)
		f.start()
		f.rcv.WaitFor(t, wait, "6 accepted", func([]webhooktest.Delivery) bool { return len(f.rcv.Accepted()) >= 6 })
		wantInOrder(t, f.rcv.Accepted(), events)
	})
}

// TestStreamDropsSlowSubscriber: a subscriber that does not read is dropped (its overflow channel
// closes) once it is StreamBuffer frames behind; a reading one gets every frame in order, and
// Replay returns what was stored.
func TestStreamDropsSlowSubscriber(t *testing.T) {
	f := newFixture(t, storetest.Open(t))
	f.start()
	_, slowOverflow, cancelSlow := f.ob.Subscribe(f.inst.ID, false)
	defer cancelSlow()
	frames, overflow, cancel := f.ob.Subscribe(f.inst.ID, false)
	defer cancel()
	got := make(chan int64, outbox.StreamBuffer+10)
	go func() {
		for fr := range frames {
			got <- fr.Seq
		}
	}()
	events := f.emit(outbox.StreamBuffer + 5)
	select {
	case <-slowOverflow:
	default:
		t.Fatal("a subscriber that never reads was not dropped")
	}
	for i := range events {
		select {
		case seq := <-got:
			if seq != events[i].Seq {
				t.Fatalf("frame %d has seq %d, want %d", i, seq, events[i].Seq)
			}
		case <-overflow:
			t.Fatal("a reading subscriber was dropped")
		case <-time.After(wait):
			t.Fatalf("frame %d never came", i)
		}
	}
	replay, err := f.ob.Replay(ctx(t), f.inst.ID, 10, 5, false)
	if err != nil || len(replay) != 5 || replay[0].Seq != 11 || !strings.Contains(string(replay[0].Body), `"instance":"shop"`) {
		t.Fatalf("replay %d frames, first %+v, %v", len(replay), replay, err)
	}
}

// TestSeveralProcessesDeliverEachEventOnceInOrder runs three outboxes on one database, as the
// nodes of a cluster do, each emitting a third of the events: every event reaches the receiver
// once, in sequence order, whichever process stored it (the webhook's dispatch claim).
func TestSeveralProcessesDeliverEachEventOnceInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		f.rcv.Respond(func(int, webhooktest.Delivery) int {
			time.Sleep(2 * time.Millisecond) // attempts overlap if two processes make them
			return http.StatusOK
		})
		nodes := []*outbox.Outbox{f.start(), f.start(), f.start()}
		var want []switchboard.Event
		for i := range 30 {
			data, _ := json.Marshal(map[string]any{"n": i})
			e, err := nodes[i%len(nodes)].Emit(ctx(t), switchboard.Event{InstanceID: f.inst.ID,
				Type: switchboard.EventInstanceState, DedupeKey: fmt.Sprint("e", i), Data: data})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, e)
		}
		f.waitDeliveries("delivered", len(want))
		time.Sleep(100 * time.Millisecond) // an attempt made twice would arrive about now
		wantInOrder(t, f.rcv.Accepted(), want)
	})
}

// TestRetryAfterIsHonoured: a receiver that answers 429 with Retry-After gets its next attempt
// no sooner than it asked, even when the schedule would retry at once.
func TestRetryAfterIsHonoured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		var hits atomic.Int32
		busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits.Add(1)
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		t.Cleanup(busy.Close)
		f.hook.URL = busy.URL + "/hook"
		if err := s.UpsertWebhook(ctx(t), f.hook); err != nil {
			t.Fatal(err)
		}
		f.start()
		before := time.Now()
		f.emit(1)
		var d switchboard.Delivery
		deadline := time.Now().Add(wait)
		for {
			list, err := s.ListDeliveries(ctx(t), switchboard.DeliveryFilter{InstanceID: f.inst.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 1 && list[0].Attempts == 1 {
				d = list[0]
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no attempt recorded: %+v", list)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if d.LastStatus != http.StatusTooManyRequests || d.NextAt.Before(before.Add(119*time.Second)) {
			t.Fatalf("after a 429 with Retry-After: 120 the next attempt is at %v (%v after the event), status %d",
				d.NextAt, d.NextAt.Sub(before), d.LastStatus)
		}
		time.Sleep(100 * time.Millisecond) // the schedule alone would have retried several times by now
		if n := hits.Load(); n != 1 {
			t.Fatalf("%d attempts, want 1 while the receiver's Retry-After runs", n)
		}
	})
}
