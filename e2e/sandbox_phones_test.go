package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestSandboxPhonesTalkToInstances drives a simulated phone through the /sandbox phone routes
// and checks each effect at the other end: a message it sends is stored by the instance
// (getMessage) with its content, quote and location; what the instance sends shows in the
// phone's inbox (text, and an image by SHA-256); its read receipt marks the instance's message
// read; its typing and presence reach the instance's phone's devices (a bare whatsmeow client
// linked beside the instance sees them as events.ChatPresence and events.Presence); its call
// offer and end reach the instance (acked by its whatsmeow client) and the companion
// (events.CallOffer, events.CallTerminate). Another account reaches none of it. SQLite and
// PostgreSQL.
func TestSandboxPhonesTalkToInstances(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newMessageScene(t, dsn)
		e, me := s.e, s.phone
		instanceDevices := phoneDevicesOf(e.App.Sim(), me)
		bob := e.Do("POST", "/sandbox/users", s.acc, map[string]any{"name": "Bob"}).Want(http.StatusOK).Str("phone")
		bobJID := bob + "@s.whatsapp.net"
		companion, _, rec := wasimtest.NewPairedClientRecorded(t, e.App.Sim(), me)

		// Bob → the instance: stored as received, with the quote and the location.
		first := e.Do("POST", "/sandbox/messages", s.acc, map[string]any{"from": bob, "to": me, "text": "Is order 42 ready?"}).
			Want(http.StatusOK).Str("id")
		got := s.stored(first)
		if got.Str("data.content") != "Is order 42 ready?" || got.Str("data.from") != bobJID || got.Get("data.fromMe") != false {
			t.Fatalf("the instance stored: %s", got.Raw)
		}
		quote := e.Do("POST", "/sandbox/messages", s.acc, map[string]any{"from": bob, "to": me + "@s.whatsapp.net", "text": "and 43?", "quoteId": first}).
			Want(http.StatusOK).Str("id")
		if q := s.stored(quote); q.Str("data.content") != "and 43?" || q.Str("data.replyTo.messageId") != first {
			t.Fatalf("the quoting message: %s", q.Raw)
		}
		pin := e.Do("POST", "/sandbox/messages", s.acc, map[string]any{"from": bob, "to": me, "type": "location",
			"location": map[string]any{"latitude": -23.55, "longitude": -46.63, "name": "Shop"}}).Want(http.StatusOK).Str("id")
		if l := s.stored(pin); l.Str("data.type") != "location" {
			t.Fatalf("the location: %s", l.Raw)
		}

		shot := e.Do("POST", "/sandbox/messages", s.acc, map[string]any{"from": bob, "to": me, "type": "image", "text": "this one",
			"media": map[string]any{"base64": pngBase64(t), "mimetype": "image/png"}}).Want(http.StatusOK).Str("id")
		s.stored(shot)
		back := e.Do("GET", "/api/chat/base64/sender?messageId="+shot, s.acc, nil).Want(http.StatusOK)
		if raw, _ := base64.StdEncoding.DecodeString(back.Str("base64")); base64.StdEncoding.EncodeToString(raw) != pngBase64(t) {
			t.Fatalf("the instance's copy of Bob's image differs: %d bytes", len(raw))
		}

		// The instance → Bob: the phone's inbox shows what it decrypted.
		before := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
		out := s.sent("text", map[string]any{"number": bob, "message": "Ready at 5"}).Str("messageId")
		photo, _ := base64.StdEncoding.DecodeString(pngBase64(t))
		pic := s.sent("media", map[string]any{"number": bob, "mediaType": "image", "mediaBase64": pngBase64(t), "message": "the shelf"}).Str("messageId")
		sum := sha256.Sum256(photo)
		inbox := waitInbox(t, e, s.acc, bob, "", pic)
		text, image := inboxMessage(inbox, out), inboxMessage(inbox, pic)
		if text == nil || text["text"] != "Ready at 5" || text["from"] != me+"@s.whatsapp.net" || text["type"] != "text" {
			t.Fatalf("Bob's inbox lacks the text: %s", inbox.Raw)
		}
		media, _ := image["media"].(map[string]any)
		if image["text"] != "the shelf" || media["sha256"] != hex.EncodeToString(sum[:]) || media["size"] != float64(len(photo)) {
			t.Fatalf("Bob's inbox lacks the image: %s", inbox.Raw)
		}
		if recent := e.Do("GET", "/sandbox/inbox/"+bob+"?since="+before, s.acc, nil).Want(http.StatusOK); inboxMessage(recent, out) == nil {
			t.Fatalf("since=%s left out a later message: %s", before, recent.Raw)
		}
		later := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
		if n := len(e.Do("GET", "/sandbox/inbox/"+bob+"?since="+later, s.acc, nil).Want(http.StatusOK).List("messages")); n != 0 {
			t.Fatalf("since an hour from now: %d messages", n)
		}

		// Bob reads it: the instance's copy turns read.
		e.Do("POST", "/sandbox/receipts", s.acc, map[string]any{"phone": bob, "chat": me, "ids": []string{out}}).Want(http.StatusOK)
		s.waitFor("the instance sees its message read", func() bool {
			return s.stored(out).Str("data.status") == "read"
		})

		// Bob types, comes online, calls and hangs up.
		e.Do("POST", "/sandbox/presence", s.acc, map[string]any{"phone": bob, "to": me, "state": "composing"}).Want(http.StatusOK)
		typing := wasimtest.WaitFor[*events.ChatPresence](t, rec)
		if typing.Sender.User != bob || typing.State != types.ChatPresenceComposing {
			t.Fatalf("chat presence: %+v", typing)
		}
		ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
		defer cancel()
		if err := companion.SubscribePresence(ctx, types.NewJID(bob, types.DefaultUserServer)); err != nil {
			t.Fatal(err)
		}
		e.Do("POST", "/sandbox/presence", s.acc, map[string]any{"phone": bob, "state": "available"}).Want(http.StatusOK)
		wasimtest.WaitForMatch(t, rec, func(p *events.Presence) bool { return p.From.User == bob && !p.Unavailable })

		since := time.Now()
		call := e.Do("POST", "/sandbox/calls", s.acc, map[string]any{"from": bob, "to": me, "action": "offer"}).Want(http.StatusOK)
		callID := call.Str("callId")
		if call.Str("message") != "Call offered" || callID == "" {
			t.Fatalf("call answer: %s", call.Raw)
		}
		offer := wasimtest.WaitFor[*events.CallOffer](t, rec)
		if offer.CallID != callID || offer.CallCreator.User != bob {
			t.Fatalf("call offer: %+v", offer)
		}
		s.waitFor("the instance acks the call offer", func() bool { return deviceAcked(e, instanceDevices, since, "call") })
		e.Do("POST", "/sandbox/calls", s.acc, map[string]any{"from": bob, "to": me, "action": "terminate", "callId": callID}).
			Want(http.StatusOK)
		if end := wasimtest.WaitFor[*events.CallTerminate](t, rec); end.CallID != callID {
			t.Fatalf("call end: %+v", end)
		}

		// Mallory's account: none of Bob's or the instance's phones, nothing sent.
		mallory := e.Account("mallory")
		notHers := "No simulated phone " + bob + " in this account"
		e.Do("POST", "/sandbox/messages", mallory, map[string]any{"from": bob, "to": me, "text": "spam"}).WantError(http.StatusNotFound, notHers)
		e.Do("GET", "/sandbox/inbox/"+bob, mallory, nil).WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/receipts", mallory, map[string]any{"phone": bob, "chat": me, "ids": []string{out}}).WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/presence", mallory, map[string]any{"phone": bob, "state": "available"}).WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/calls", mallory, map[string]any{"from": bob, "to": me, "action": "offer"}).WantError(http.StatusNotFound, notHers)
		eve := e.Do("POST", "/sandbox/users", mallory, map[string]any{"name": "Eve"}).Want(http.StatusOK).Str("phone")
		e.Do("POST", "/sandbox/messages", mallory, map[string]any{"from": eve, "to": me, "text": "spam"}).
			WantError(http.StatusNotFound, "No simulated phone "+me+" in this account")
		e.Do("POST", "/sandbox/calls", mallory, map[string]any{"from": eve, "to": bob, "action": "offer"}).WantError(http.StatusNotFound, notHers)
	})
}

// waitInbox polls a phone's inbox through the API until it holds the message id.
func waitInbox(t *testing.T, e *apptest.Env, account, phone, query, id string) *apptest.Response {
	t.Helper()
	deadline := time.Now().Add(apptest.Timeout)
	for {
		res := e.Do("GET", "/sandbox/inbox/"+phone+query, account, nil).Want(http.StatusOK)
		if inboxMessage(res, id) != nil {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("phone %s never received %s: %s", phone, id, res.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inboxMessage finds a message of an inbox answer by id.
func inboxMessage(res *apptest.Response, id string) map[string]any {
	for _, m := range res.List("messages") {
		if msg, ok := m.(map[string]any); ok && msg["id"] == id {
			return msg
		}
	}
	return nil
}

// deviceAcked reports whether one of devices acked a stanza of class since a time (whatsmeow
// acks a call stanza after it has handled it).
func deviceAcked(e *apptest.Env, devices []types.JID, since time.Time, class string) bool {
	for _, st := range e.App.Sim().TraceSince(since) {
		if st.Dir != "in" || st.Tag != "ack" || !strings.Contains(st.XML, `class="`+class+`"`) {
			continue
		}
		for _, d := range devices {
			if st.Device == d.String() {
				return true
			}
		}
	}
	return false
}
