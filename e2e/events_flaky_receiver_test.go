package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestEventsToFlakyReceiver: three phones send messages at once while the receiver fails 30 % of
// requests at random (500). Every message arrives as exactly one event, signed; per chat the
// events' seq follows the order the phone sent in, so a receiver restores the chat's order even
// when a retried event arrives late (the retry lane lets later events pass one that keeps
// failing; how many did is logged).
func TestEventsToFlakyReceiver(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newEventScene(t, dsn, []string{"message.exchange"})
		var rmu sync.Mutex
		rng := rand.New(rand.NewPCG(1, 2))
		s.rcv.Respond(func(int, webhooktest.Delivery) int {
			rmu.Lock()
			defer rmu.Unlock()
			if rng.Float64() < 0.3 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		const perPhone = 15
		phones := []string{s.phone}
		for i := range 2 {
			jid, err := s.sim().RegisterPhone("", fmt.Sprintf("Sender %d", i))
			if err != nil {
				t.Fatal(err)
			}
			phones = append(phones, jid.User)
		}
		order := map[string][]string{} // chat (phone) → ids in send order
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, from := range phones {
			wg.Go(func() {
				for n := range perPhone {
					ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
					id, err := s.sim().PhoneSendText(ctx, from, s.ownJID(), fmt.Sprintf("message %d", n))
					cancel()
					if err != nil {
						t.Errorf("send: %v", err)
						return
					}
					mu.Lock()
					order[from] = append(order[from], id)
					mu.Unlock()
				}
			})
		}
		wg.Wait()

		type arrival struct {
			seq     int64
			webhook string
		}
		collect := func() map[string][]arrival {
			out := map[string][]arrival{}
			for _, d := range s.rcv.Accepted() {
				if d.Envelope.Event != switchboard.EventMessageExchange {
					continue
				}
				if !d.Verified {
					t.Fatalf("delivery %s not verified: %s", d.ID, d.VerifyErr)
				}
				var data switchboard.MessageExchangeData
				if err := json.Unmarshal(d.Envelope.Data, &data); err != nil {
					t.Fatal(err)
				}
				out[data.ID] = append(out[data.ID], arrival{d.Envelope.Seq, d.ID})
			}
			return out
		}
		waitUntil(t, "every message delivered through the failures", func() bool {
			got := collect()
			for _, ids := range order {
				for _, id := range ids {
					if len(got[id]) == 0 {
						return false
					}
				}
			}
			return true
		})
		got := collect()
		late := 0
		for chat, ids := range order {
			var lastSeq int64
			for _, id := range ids {
				a := got[id]
				for _, x := range a[1:] {
					if x.webhook != a[0].webhook {
						t.Fatalf("message %s delivered as two events", id)
					}
				}
				if a[0].seq <= lastSeq {
					t.Fatalf("chat %s: message %s has seq %d after %d: not in the order sent", chat, id, a[0].seq, lastSeq)
				}
				lastSeq = a[0].seq
			}
		}
		var prev int64
		for _, d := range s.rcv.Accepted() {
			if d.Envelope.Seq < prev {
				late++
			}
			prev = max(prev, d.Envelope.Seq)
		}
		all := s.rcv.All()
		t.Logf("%d requests, %d refused with 500, %d events arrived after a later one (retry lane)", len(all), len(all)-len(s.rcv.Accepted()), late)
	})
}
