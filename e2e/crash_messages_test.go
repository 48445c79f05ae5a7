package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestCrashWhileMessagesFlow kills `switchboard serve` with SIGKILL while simulated phones flood
// its instance with messages. whatsmeow acks a message only after the event is committed, so a
// message the kill caught before that is redelivered by WhatsApp (wasim) at the next login, and
// one caught after it is redelivered too but stored once (its dedupe key). After the rounds every
// message the phones sent reaches the receiver, signed, as exactly one event (one webhook-id);
// the same webhook-id arriving twice (an attempt cut short, made again) is allowed and counted.
// SWITCHBOARD_CRASH_N sets the number of kills (the long form in CI).
func TestCrashWhileMessagesFlow(t *testing.T) {
	rounds, rng := crashPlan(t, 3)
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newEventsChildGateway(t, sim.URL())
	acc := g.createAccount("crash-messages")
	g.start()
	create := g.must("POST", "/api/instance/new", acc, map[string]any{"name": "shop"})
	if create.status != http.StatusCreated {
		t.Fatalf("create: %v", create)
	}
	inst := pairedInstance{name: "shop", token: create.str("instance.token"), phone: "5511970000001"}
	if err := scan(sim, requestQR(t, g, inst), inst.phone); err != nil {
		t.Fatalf("scan: %v", err)
	}
	g.waitState(acc, "shop", "connected")
	rcv := webhooktest.Start(t)
	set := g.must("POST", "/api/events/webhook/shop", acc, map[string]any{"url": rcv.URL + "/hook", "events": []string{"message.exchange"}})
	if set.status != http.StatusOK || set.str("webhook.secret") == "" {
		t.Fatalf("set webhook: %v", set)
	}
	rcv.SetSecret(set.str("webhook.secret"))

	const phones = 3
	var senders []string
	for i := range phones {
		jid, err := sim.RegisterPhone("", fmt.Sprintf("Flood %d", i))
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, jid.User)
	}
	to := types.NewJID(inst.phone, types.DefaultUserServer)
	var mu sync.Mutex
	sent := map[string]bool{}
	for round := range rounds {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, from := range senders {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
					id, err := sim.PhoneSendText(ctx, from, to, fmt.Sprintf("round %d message %d", round, n))
					cancel()
					if err != nil {
						t.Errorf("phone %s send: %v", from, err)
						return
					}
					mu.Lock()
					sent[id] = true
					mu.Unlock()
					time.Sleep(10 * time.Millisecond) // a flood, not more than 2 cores can drain meanwhile
				}
			})
		}
		killAfter := randDuration(rng, 400*time.Millisecond) + 50*time.Millisecond
		time.Sleep(killAfter)
		g.kill()
		// The phones go on sending while the gateway is down: WhatsApp queues those.
		time.Sleep(randDuration(rng, 100*time.Millisecond))
		close(stop)
		wg.Wait()
		checkIntegrity(t, g.dbPath)
		g.start()
		g.waitState(acc, "shop", "connected")
		mu.Lock()
		t.Logf("round %d: SIGKILL after %v; %d messages sent so far", round, killAfter, len(sent))
		mu.Unlock()
	}

	eventsOf := func() map[string]map[string]int { // message id → webhook-id → deliveries
		out := map[string]map[string]int{}
		for _, d := range rcv.Accepted() {
			if d.Envelope.Event != switchboard.EventMessageExchange {
				continue
			}
			var data switchboard.MessageExchangeData
			if err := json.Unmarshal(d.Envelope.Data, &data); err != nil {
				t.Fatalf("data %s: %v", d.Envelope.Data, err)
			}
			if !d.Verified {
				t.Fatalf("delivery %s not verified: %s", d.ID, d.VerifyErr)
			}
			if out[data.ID] == nil {
				out[data.ID] = map[string]int{}
			}
			out[data.ID][d.ID]++
		}
		return out
	}
	// Wait while deliveries make progress: the backlog of the long form takes a while on a busy
	// machine; a lost message shows as no progress with messages still missing.
	missing := func() int {
		got, n := eventsOf(), 0
		for id := range sent {
			if got[id] == nil {
				n++
			}
		}
		return n
	}
	last, lastChange := missing(), time.Now()
	for last > 0 {
		if time.Since(lastChange) > apptest.Timeout {
			t.Fatalf("%d of %d messages never delivered (no progress for %v)", last, len(sent), apptest.Timeout)
		}
		time.Sleep(50 * time.Millisecond)
		if n := missing(); n != last {
			last, lastChange = n, time.Now()
		}
	}
	repeats := 0
	for id, hooks := range eventsOf() {
		if !sent[id] {
			t.Fatalf("event for message %s that no phone sent", id)
		}
		if len(hooks) != 1 {
			t.Fatalf("message %s became %d events (webhook-ids %v): the dedupe key did not hold", id, len(hooks), hooks)
		}
		for _, n := range hooks {
			repeats += n - 1
		}
	}
	t.Logf("%d messages sent, each delivered as one event; %d repeated deliveries of the same webhook-id", len(sent), repeats)
}
