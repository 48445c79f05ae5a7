package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/webhook"
)

// receiver is the README's receiver example ("Receiving events"): keep the two identical.
func receiver(secret string, seen map[string]bool) http.HandlerFunc {
	verifier, err := standardwebhooks.NewWebhook(secret) // the whsec_ secret from the set response
	if err != nil {
		panic(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err := verifier.Verify(body, r.Header); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("webhook-id") // the event id: the same on every retry
		if seen[id] {
			w.WriteHeader(http.StatusOK) // a retry of something already handled
			return
		}
		var evt struct {
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
			Seq   int64           `json:"seq"`
		}
		if err := json.Unmarshal(body, &evt); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		seen[id] = true
		fmt.Println(evt.Event, string(evt.Data))
		w.WriteHeader(http.StatusOK)
	}
}

// Example_receiver runs the README's receiver against the gateway's sender: a signed delivery
// is accepted, its retry is recognised, and a forged one is refused.
func Example_receiver() {
	secret := switchboard.NewWebhookSecret()
	srv := httptest.NewServer(receiver(secret, map[string]bool{}))
	defer srv.Close()

	sender := webhook.NewSender(nil, "Switchboard/example", "https://gateway.example")
	evt := switchboard.Event{ID: switchboard.NewEventID(), Type: switchboard.EventInstanceState, Seq: 1,
		OccurredAt: time.Now(), Data: json.RawMessage(`{"state":"connected"}`)}
	target := switchboard.WebhookTarget{URL: srv.URL, Secret: secret}
	fmt.Println(sender.Send(context.Background(), target, evt, "shop").Status)
	fmt.Println(sender.Send(context.Background(), target, evt, "shop").Status)
	forged := switchboard.WebhookTarget{URL: srv.URL, Secret: switchboard.NewWebhookSecret()}
	fmt.Println(sender.Send(context.Background(), forged, evt, "shop").Status)
	// Output:
	// instance.state {"state":"connected"}
	// 200
	// 200
	// 401
}
