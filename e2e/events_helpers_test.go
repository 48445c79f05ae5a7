package e2e

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// eventsGateway starts a sandbox gateway that can store webhook secrets (a sealing key, kept
// across Restart), may deliver to the loopback receivers of the tests, and retries fast.
func eventsGateway(t *testing.T, dsn string, configure ...func(*app.Config)) *apptest.Env {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Start(t, dsn, append([]func(*app.Config){func(c *app.Config) {
		c.Sealer = sealer
		c.AllowPrivateWebhookURLs = true
		c.BaseURL = "https://gateway.test"
		c.WebhookRetrySchedule = []time.Duration{0, 50 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond,
			200 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	}}, configure...)...)
}

// setWebhook configures a webhook and hands its secret to the receiver.
func setWebhook(t *testing.T, e *apptest.Env, token, instance string, rcv *webhooktest.Receiver, body map[string]any) *apptest.Response {
	t.Helper()
	if _, ok := body["url"]; !ok {
		body["url"] = rcv.URL + "/hook"
	}
	res := e.Do("POST", "/api/events/webhook/"+instance, token, body).Want(http.StatusOK)
	secret := res.Str("webhook.secret")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("no signing secret in the creating answer: %s", res.Raw)
	}
	rcv.SetSecret(secret)
	return res
}

// stateData decodes an instance.state delivery's data.
type stateData struct {
	State       string `json:"state"`
	Reason      string `json:"reason"`
	QRCode      string `json:"qrCode"`
	PairingCode string `json:"pairingCode"`
	NumberJID   string `json:"numberJid"`
}

func stateOf(t *testing.T, d webhooktest.Delivery) stateData {
	t.Helper()
	var s stateData
	if err := json.Unmarshal(d.Envelope.Data, &s); err != nil {
		t.Fatalf("instance.state data %s: %v", d.Envelope.Data, err)
	}
	return s
}

// hasState reports whether an accepted delivery reports state.
func hasState(t *testing.T, all []webhooktest.Delivery, state string) bool {
	for _, d := range all {
		if d.Status == http.StatusOK && d.Envelope.Event == "instance.state" && stateOf(t, d).State == state {
			return true
		}
	}
	return false
}

// wantVerifiedInOrder checks every accepted delivery: signature verified by svix, webhook-id equal
// to the envelope id, seq strictly increasing, and no event accepted twice.
func wantVerifiedInOrder(t *testing.T, rcv *webhooktest.Receiver) []webhooktest.Delivery {
	t.Helper()
	accepted := rcv.Accepted()
	var last int64
	seen := map[string]bool{}
	for i, d := range accepted {
		if !d.Verified {
			t.Fatalf("delivery %d (%s) failed svix verification: %s", i, d.Envelope.Event, d.VerifyErr)
		}
		if d.ID == "" || d.ID != d.Envelope.ID || seen[d.ID] {
			t.Fatalf("delivery %d: webhook-id %q, envelope id %q, seen before %v", i, d.ID, d.Envelope.ID, seen[d.ID])
		}
		seen[d.ID] = true
		if d.Envelope.Seq <= last {
			t.Fatalf("delivery %d has seq %d after %d: out of order", i, d.Envelope.Seq, last)
		}
		last = d.Envelope.Seq
	}
	return accepted
}
