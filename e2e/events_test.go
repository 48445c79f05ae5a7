package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestWebhookInstanceStateOnPairing: a real whatsmeow client pairs with wasim through the
// sandbox scan; the webhook receiver (a real HTTP server) gets qr_ready with the QR the API
// returned and then connected with the phone's number, every request signed (verified with
// svix), with the Authorization header and the RyzeAPI envelope.
func TestWebhookInstanceStateOnPairing(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := eventsGateway(t, dsn)
		acc := e.Account("demo")
		e.Instance(acc, "shop")
		rcv := webhooktest.Start(t)
		res := setWebhook(t, e, acc, "shop", rcv, map[string]any{"events": []string{"instance.state"}, "authorization": "Bearer svc-token"})
		if res.Str("webhook.label") != "default" || res.Get("webhook.enabled") != true || res.Str("webhook.authorization") != "********" {
			t.Fatalf("set webhook: %s", res.Raw)
		}
		got := e.Do("GET", "/api/events/getWebhook/shop?label=", acc, nil).Want(http.StatusOK)
		if got.Get("webhook.hasSecret") != true || got.Get("webhook.secret") != nil || strings.Contains(string(got.Raw), "svc-token") {
			t.Fatalf("GET shows the secret or the authorization: %s", got.Raw)
		}

		conn := e.Do("GET", "/api/instance/connect/shop", acc, nil).Want(http.StatusOK)
		qr := conn.Str("qrCode")
		scan := e.Do("POST", "/sandbox/scan", acc, map[string]any{"qrCode": qr}).Want(http.StatusOK)
		phone := scan.Str("phone")
		rcv.WaitFor(t, apptest.Timeout, "connected", func(all []webhooktest.Delivery) bool { return hasState(t, all, "connected") })

		accepted := wantVerifiedInOrder(t, rcv)
		first := stateOf(t, accepted[0])
		if first.State != "qr_ready" || first.QRCode != qr {
			t.Fatalf("first event %+v, want qr_ready with the QR /connect returned", first)
		}
		last := accepted[len(accepted)-1]
		if s := stateOf(t, last); s.State != "connected" || s.NumberJID != phone+"@s.whatsapp.net" {
			t.Fatalf("last event %+v, want connected as %s", s, phone)
		}
		if last.Auth != "Bearer svc-token" || last.Path != "/hook" || last.Envelope.InstanceData["instance"] != "shop" ||
			last.Envelope.InstanceData["baseUrl"] != "https://gateway.test" || last.Envelope.Timestamp == "" {
			t.Fatalf("delivery: auth %q path %q envelope %+v", last.Auth, last.Path, last.Envelope)
		}
		if _, ok := last.Envelope.InstanceData["token"]; ok {
			t.Fatal("instanceData carries a token")
		}

		// Logged out from the API: the receiver hears it too.
		e.Do("DELETE", "/api/instance/logout/shop", acc, nil).Want(http.StatusOK)
		rcv.WaitFor(t, apptest.Timeout, "logged_out", func(all []webhooktest.Delivery) bool { return hasState(t, all, "logged_out") })
		wantVerifiedInOrder(t, rcv)
	})
}

// TestWebhookPairingCodeEvent: pairing by phone number reports the code to type.
func TestWebhookPairingCodeEvent(t *testing.T) {
	e := eventsGateway(t, storetest.SQLiteDSN(t))
	acc := e.Account("demo")
	e.Instance(acc, "shop")
	rcv := webhooktest.Start(t)
	setWebhook(t, e, acc, "shop", rcv, map[string]any{"byEvents": true})
	const phone = "5511999990042"
	e.Do("POST", "/sandbox/users", acc, map[string]any{"phone": phone, "name": "Shop"}).Want(http.StatusOK)
	code := e.Do("GET", "/api/instance/connect/shop?number="+phone, acc, nil).Want(http.StatusOK).Str("pairingCode")
	all := rcv.WaitFor(t, apptest.Timeout, "pairing_code", func(all []webhooktest.Delivery) bool { return hasState(t, all, "pairing_code") })
	for _, d := range all {
		if s := stateOf(t, d); s.State == "pairing_code" && s.PairingCode != code {
			t.Fatalf("pairing code %q, want %q", s.PairingCode, code)
		}
		if d.Path != "/hook/instance.state" {
			t.Fatalf("byEvents path %q, want /hook/instance.state", d.Path)
		}
	}
	e.Do("POST", "/sandbox/pairCode", acc, map[string]any{"phone": phone, "code": code}).Want(http.StatusOK)
	rcv.WaitFor(t, apptest.Timeout, "connected", func(all []webhooktest.Delivery) bool { return hasState(t, all, "connected") })
	wantVerifiedInOrder(t, rcv)
}

// TestWebhookFailingReceiverRecovers: a receiver that fails its first requests (500, then a 302
// that must not be followed) and then recovers gets every event, in order, each once; the retried
// event kept its webhook-id. (An event failing a third time would move to the retry lane, which
// TestPoisonEventDoesNotStall in package outbox covers.)
func TestWebhookFailingReceiverRecovers(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := eventsGateway(t, dsn)
		acc := e.Account("demo")
		e.Instance(acc, "shop")
		rcv := webhooktest.Start(t)
		failures := []int{http.StatusInternalServerError, http.StatusFound}
		rcv.Respond(func(n int, _ webhooktest.Delivery) int {
			if n < len(failures) {
				return failures[n]
			}
			return http.StatusOK
		})
		setWebhook(t, e, acc, "shop", rcv, map[string]any{})
		e.Pair(acc, "shop", "")
		for range 3 {
			e.Do("POST", "/api/events/test/shop", acc, map[string]any{"label": "default"}).Want(http.StatusAccepted)
		}
		all := rcv.WaitFor(t, apptest.Timeout, "3 test events", func(all []webhooktest.Delivery) bool {
			n := 0
			for _, d := range all {
				if d.Status == http.StatusOK && d.Envelope.Event == "webhook.test" {
					n++
				}
			}
			return n == 3
		})
		if all[0].ID != all[1].ID || all[1].ID != all[2].ID {
			t.Fatalf("the failing head event was not retried first under the same webhook-id")
		}
		accepted := wantVerifiedInOrder(t, rcv)
		if stateOf(t, accepted[0]).State != "qr_ready" || !hasState(t, accepted, "connected") {
			t.Fatalf("missing state events: first is %s", accepted[0].Envelope.Data)
		}
		// The log catches up with the receiver once the last attempt is recorded.
		waitUntil(t, "the delivery log to list every accepted event", func() bool {
			res := e.Do("GET", "/api/events/deliveries/shop?status=delivered&limit=500", acc, nil).Want(http.StatusOK)
			return len(res.List("deliveries")) == len(accepted)
		})
	})
}

// TestWebhookEventsSurviveRestart: events accepted while the receiver is down are delivered after
// the gateway restarts, each exactly once by webhook-id.
func TestWebhookEventsSurviveRestart(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		// Slow enough that nothing runs out of retries before the restart, even on a loaded
		// machine: every event may be retried for two minutes.
		e := eventsGateway(t, dsn, func(c *app.Config) {
			c.WebhookRetrySchedule = []time.Duration{0}
			for range 60 {
				c.WebhookRetrySchedule = append(c.WebhookRetrySchedule, 2*time.Second)
			}
		})
		acc := e.Account("demo")
		e.Instance(acc, "shop")
		rcv := webhooktest.Start(t)
		rcv.Respond(func(int, webhooktest.Delivery) int { return http.StatusServiceUnavailable })
		setWebhook(t, e, acc, "shop", rcv, map[string]any{})
		e.Pair(acc, "shop", "")
		rcv.WaitFor(t, apptest.Timeout, "a failed attempt", func(all []webhooktest.Delivery) bool { return len(all) > 0 })
		pending := e.Do("GET", "/api/events/deliveries/shop", acc, nil).Want(http.StatusOK).List("deliveries")
		if len(pending) < 2 {
			t.Fatalf("want the pairing's events waiting, got %d", len(pending))
		}
		var waiting []string
		for _, d := range pending {
			m := d.(map[string]any)
			if m["status"] != "delivered" {
				waiting = append(waiting, m["eventId"].(string))
			}
		}

		e.Restart()
		rcv.Respond(nil)
		rcv.WaitFor(t, apptest.Timeout, "every waiting event", func([]webhooktest.Delivery) bool {
			got := map[string]bool{}
			for _, d := range rcv.Accepted() {
				got[d.ID] = true
			}
			for _, id := range waiting {
				if !got[id] {
					return false
				}
			}
			return hasState(t, rcv.Accepted(), "connected")
		})
		counts := map[string]int{}
		for _, d := range rcv.Accepted() {
			counts[d.ID]++
			if !d.Verified {
				t.Fatalf("delivery %s not verified: %s", d.ID, d.VerifyErr)
			}
		}
		for id, n := range counts {
			if n != 1 {
				t.Fatalf("event %s accepted %d times", id, n)
			}
		}
	})
}
