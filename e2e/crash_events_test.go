package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestCrashWhileEventsFlow kills `switchboard serve` with SIGKILL while clients flood it with
// events (signed webhook.test pings, the one event source that needs no phone) and the receiver
// is slow. After each restart every event the gateway accepted (answered 202 with its id) reaches
// the receiver, signed; a duplicate webhook-id is allowed (an attempt the kill cut short is made
// again) and counted, a lost event fails the test.
func TestCrashWhileEventsFlow(t *testing.T) {
	rounds, rng := crashPlan(t, 3)
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newEventsChildGateway(t, sim.URL())
	acc := g.createAccount("crash-events")
	g.start()
	if a := g.must("POST", "/api/instance/new", acc, map[string]any{"name": "shop"}); a.status != http.StatusCreated {
		t.Fatalf("create: %v", a)
	}
	rcv := webhooktest.Start(t)
	rcv.Respond(func(int, webhooktest.Delivery) int {
		time.Sleep(2 * time.Millisecond) // slow enough that the kill finds a backlog
		return http.StatusOK
	})
	set := g.must("POST", "/api/events/webhook/shop", acc, map[string]any{"url": rcv.URL + "/hook"})
	if set.status != http.StatusOK || set.str("webhook.secret") == "" {
		t.Fatalf("set webhook: %v", set)
	}
	rcv.SetSecret(set.str("webhook.secret"))

	var mu sync.Mutex
	accepted := map[string]bool{}
	for round := range rounds {
		const clients, perClient = 4, 25
		killAfter := randDuration(rng, 150*time.Millisecond) + 20*time.Millisecond
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for range perClient {
					a := g.call(context.Background(), "POST", "/api/events/test/shop", acc, map[string]any{})
					if a.err != nil {
						return // the kill landed
					}
					if a.status != http.StatusAccepted || a.str("eventId") == "" {
						t.Errorf("test event answered %v", a)
						return
					}
					mu.Lock()
					accepted[a.str("eventId")] = true
					mu.Unlock()
				}
			})
		}
		time.Sleep(killAfter)
		g.kill()
		wg.Wait()
		checkIntegrity(t, g.dbPath)
		g.start()
		mu.Lock()
		want := len(accepted)
		mu.Unlock()
		t.Logf("round %d: SIGKILL after %v; %d events accepted so far", round, killAfter, want)
	}

	waitUntil(t, "every accepted event delivered", func() bool {
		got := map[string]bool{}
		for _, d := range rcv.Accepted() {
			got[d.ID] = true
		}
		for id := range accepted {
			if !got[id] {
				return false
			}
		}
		return true
	})
	counts := map[string]int{}
	duplicates := 0
	for _, d := range rcv.Accepted() {
		if !d.Verified {
			t.Fatalf("delivery %s not verified: %s", d.ID, d.VerifyErr)
		}
		counts[d.ID]++
		if counts[d.ID] == 2 {
			duplicates++
		}
	}
	t.Logf("%d events accepted, %d delivered, %d delivered more than once (a cut-short attempt made again)",
		len(accepted), len(counts), duplicates)
}

// newEventsChildGateway is a `switchboard serve` child that can seal webhook secrets, deliver to
// loopback receivers and retry fast: the crash tests of events.
func newEventsChildGateway(t *testing.T, simURL string) *gateway {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return newGateway(t, simURL,
		"SWITCHBOARD_SECRET_KEY="+base64.StdEncoding.EncodeToString(key),
		"SWITCHBOARD_ALLOW_PRIVATE_WEBHOOK_URLS=1",
		"SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE=0s,100ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s")
}
