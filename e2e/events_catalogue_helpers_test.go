package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// eventScene is a sandbox gateway whose instance "shop" is paired to a simulated phone (the
// account's own phone) and delivers events of the given types to a real receiver that verifies
// every signature with svix. Contacts are further simulated phones.
type eventScene struct {
	t     *testing.T
	e     *apptest.Env
	acc   string
	own   string // the instance's phone number
	rcv   *webhooktest.Receiver
	phone string // a contact's phone number
}

func newEventScene(t *testing.T, dsn string, types []string, configure ...func(*app.Config)) *eventScene {
	t.Helper()
	e := eventsGateway(t, dsn, configure...)
	s := &eventScene{t: t, e: e, acc: e.Account("events"), rcv: webhooktest.Start(t)}
	e.Instance(s.acc, "shop")
	body := map[string]any{"events": types}
	setWebhook(t, e, s.acc, "shop", s.rcv, body)
	s.own = e.Pair(s.acc, "shop", "")
	jid, err := e.App.Sim().RegisterPhone("", "Ana Contact")
	if err != nil {
		t.Fatal(err)
	}
	s.phone = jid.User
	return s
}

func (s *eventScene) sim() *wasim.Server { return s.e.App.Sim() }

func (s *eventScene) ownJID() types.JID { return types.NewJID(s.own, types.DefaultUserServer) }

// phoneSends has from send m and returns the message id.
func (s *eventScene) phoneSends(from string, m wasim.PhoneMessage) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()
	id, err := s.sim().PhoneSendMessage(ctx, from, m)
	if err != nil {
		s.t.Fatalf("phone %s sends %+v: %v", from, m, err)
	}
	return id
}

// deliveredOfType returns the verified deliveries of one event type so far, decoded, failing
// on a signature svix does not accept.
func deliveredOfType[T any](t *testing.T, rcv *webhooktest.Receiver, typ string) []T {
	t.Helper()
	var out []T
	for _, d := range rcv.Accepted() {
		if d.Envelope.Event != typ {
			continue
		}
		if !d.Verified {
			t.Fatalf("delivery %s failed svix verification: %s", d.ID, d.VerifyErr)
		}
		var v T
		if err := json.Unmarshal(d.Envelope.Data, &v); err != nil {
			t.Fatalf("%s data %s: %v", typ, d.Envelope.Data, err)
		}
		out = append(out, v)
	}
	return out
}

// waitMessage waits for the message.exchange event of message id and returns its data.
func (s *eventScene) waitMessage(id string) switchboard.MessageEvent {
	s.t.Helper()
	var found switchboard.MessageEvent
	s.rcv.WaitFor(s.t, apptest.Timeout, "message.exchange of "+id, func([]webhooktest.Delivery) bool {
		for _, d := range deliveredOfType[switchboard.MessageExchangeData](s.t, s.rcv, switchboard.EventMessageExchange) {
			if d.ID == id && d.Message.ID == id {
				found = d.Message
				return true
			}
		}
		return false
	})
	return found
}

// waitData waits until a delivered event of typ satisfies ok and returns it.
func waitData[T any](s *eventScene, typ, what string, ok func(T) bool) T {
	s.t.Helper()
	var found T
	s.rcv.WaitFor(s.t, apptest.Timeout, what, func([]webhooktest.Delivery) bool {
		for _, d := range deliveredOfType[T](s.t, s.rcv, typ) {
			if ok(d) {
				found = d
				return true
			}
		}
		return false
	})
	return found
}
