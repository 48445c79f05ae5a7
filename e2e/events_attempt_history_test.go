package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestDeliveryLogKeepsAttemptHistory: a message a phone sends reaches a receiver that answers
// 500, then 503, then 200; the delivery log lists that delivery with its three attempts in order,
// each with its time, status code, latency, error and the outcome the gateway decided, not only
// the last one.
func TestDeliveryLogKeepsAttemptHistory(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newEventScene(t, dsn, []string{"message.exchange"})
		failures := map[string]int{}
		s.rcv.Respond(func(_ int, d webhooktest.Delivery) int {
			if d.Envelope.Event != "message.exchange" {
				return http.StatusOK
			}
			failures[d.ID]++
			switch failures[d.ID] {
			case 1:
				return http.StatusInternalServerError
			case 2:
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		start := time.Now()
		id := s.phoneSends(s.phone, wasim.PhoneMessage{To: s.ownJID().String(), Text: "third time lucky"})
		s.waitMessage(id)

		var history []any
		waitUntil(t, "the delivery log to list the three attempts", func() bool {
			res := s.e.Do("GET", "/api/events/deliveries/shop?status=delivered", s.acc, nil).Want(http.StatusOK)
			for _, d := range res.List("deliveries") {
				m := d.(map[string]any)
				if m["event"] == "message.exchange" {
					history, _ = m["history"].([]any)
					return len(history) == 3 && m["attempts"] == float64(3)
				}
			}
			return false
		})
		want := []struct {
			code    float64
			outcome string
			failed  bool
		}{{500, "pending", true}, {503, "pending", true}, {200, "delivered", false}}
		var last time.Time
		for i, raw := range history {
			a := raw.(map[string]any)
			at, err := time.Parse(time.RFC3339Nano, a["at"].(string))
			if err != nil || at.Before(start.Add(-time.Second)) || at.Before(last) {
				t.Fatalf("attempt %d at %v (err %v): not in order after the send", i, a["at"], err)
			}
			last = at
			if a["statusCode"] != want[i].code || a["outcome"] != want[i].outcome {
				t.Fatalf("attempt %d: %v, want status %v outcome %s", i, a, want[i].code, want[i].outcome)
			}
			if _, ok := a["latencyMs"].(float64); !ok {
				t.Fatalf("attempt %d has no latency: %v", i, a)
			}
			if msg, _ := a["error"].(string); (msg != "") != want[i].failed {
				t.Fatalf("attempt %d error %q", i, msg)
			}
		}
	})
}
