package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestSendTextInEveryRecipientForm sends texts through the API to a simulated phone with the
// number written as digits, with + and punctuation, and as a JID; each arrives decrypted at the
// phone exactly once, from the instance, and is stored (getMessage). A number not on WhatsApp
// is a 404, garbage a 400, and nothing reaches anyone.
func TestSendTextInEveryRecipientForm(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newMessageScene(t, dsn)
		bob := s.user("Bob")
		for i, number := range []string{bob, "+" + bob[:2] + " " + bob[2:], bob + "@s.whatsapp.net"} {
			text := "hello bob " + string(rune('A'+i))
			res := s.sent("text", map[string]any{"number": number, "message": text})
			if got := res.Str("data.chat.jid"); got != bob+"@s.whatsapp.net" {
				t.Fatalf("data.chat.jid %q for number %q", got, number)
			}
			if res.Str("data.messageType") != "text" || res.Str("data.content") != text || res.Str("data.sender.jid") != s.phone+"@s.whatsapp.net" {
				t.Fatalf("answer: %s", res.Raw)
			}
			got := s.inbox(bob, res.Str("messageId"))
			if got.Type != "text" || got.Text != text || got.Sender.User != s.phone || got.FromMe {
				t.Fatalf("phone got %+v, want text %q from %s", got, text, s.phone)
			}
			stored := s.stored(res.Str("messageId"))
			if stored.Str("data.content") != text || stored.Str("data.type") != "text" || stored.Get("data.fromMe") != true || stored.Str("data.chat") != bob+"@s.whatsapp.net" {
				t.Fatalf("stored copy: %s", stored.Raw)
			}
		}
		s.send("text", map[string]any{"number": notOnWhatsApp, "message": "anyone?"}).WantError(http.StatusNotFound, "The number is not on WhatsApp")
		s.send("text", map[string]any{"number": "not a number", "message": "x"}).Want(http.StatusBadRequest)
		s.send("text", map[string]any{"message": "x"}).WantError(http.StatusBadRequest, "Number is required")
		s.send("text", map[string]any{"number": bob}).WantError(http.StatusBadRequest, "Message is required")
		if n := s.count(bob, func(m wasim.InboxMessage) bool { return m.Sender.User == s.phone }); n != 3 {
			t.Fatalf("bob's inbox holds %d messages from the instance, want 3", n)
		}
	})
}

// TestSendIdempotencyKeyNeverSendsTwice repeats a send with the same Idempotency-Key: the
// second answer is the first one replayed, and the phone has the message once.
func TestSendIdempotencyKeyNeverSendsTwice(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newMessageScene(t, dsn)
		bob := s.user("Bob")
		body := map[string]any{"number": bob, "message": "only once"}
		first := s.send("text", body, "Idempotency-Key", "send-1").Want(http.StatusOK)
		second := s.send("text", body, "Idempotency-Key", "send-1").Want(http.StatusOK)
		if first.Str("messageId") == "" || first.Str("messageId") != second.Str("messageId") || second.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: first %s, second %s (replayed %q)", first.Raw, second.Raw, second.Header.Get("Idempotent-Replayed"))
		}
		s.inbox(bob, first.Str("messageId"))
		// A later message in the same chat proves the queue moved on; the repeat is not in it.
		later := s.sent("text", map[string]any{"number": bob, "message": "after"})
		s.inbox(bob, later.Str("messageId"))
		if n := s.count(bob, func(m wasim.InboxMessage) bool { return m.Text == "only once" }); n != 1 {
			t.Fatalf("the phone has %d copies of the keyed message, want 1", n)
		}
	})
}

// TestSendAsyncAnswers202AndDelivers sends with ?async=true: 202 with a job whose result is the
// send's answer, and the phone gets the message.
func TestSendAsyncAnswers202AndDelivers(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	bob := s.user("Bob")
	res := s.e.Do("POST", "/api/message/text/sender?async=true", s.acc, map[string]any{"number": bob, "message": "later"}).Want(http.StatusAccepted)
	job := waitJobEnd(t, s.e, s.acc, "sender", res.Str("job.id"))
	if job.Str("job.status") != "done" {
		t.Fatalf("job: %s", job.Raw)
	}
	id := job.Str("job.result.messageId")
	if id == "" {
		t.Fatalf("job result has no messageId: %s", job.Raw)
	}
	if got := s.inbox(bob, id); got.Text != "later" {
		t.Fatalf("phone got %+v", got)
	}
}

// TestSendToGroupReachesEveryMember creates a group through the API and sends to it, with a
// mention; every member's phone decrypts the same message with the mention in place.
func TestSendToGroupReachesEveryMember(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	alice, bob := s.user("Alice"), s.user("Bob")
	g := s.e.Do("POST", "/api/group/create/sender", s.acc, map[string]any{"name": "Team", "participants": []string{alice, bob}}).Want(http.StatusCreated)
	group := g.Str("group.jid")
	res := s.sent("text", map[string]any{"number": group, "message": "hi @" + alice, "mention": []string{alice}})
	if res.Str("data.chat.groupName") != "Team" || strings.Join(res.Strings("data.mentions"), ",") != alice+"@s.whatsapp.net" {
		t.Fatalf("group answer: %s", res.Raw)
	}
	for _, member := range []string{alice, bob} {
		got := s.inbox(member, res.Str("messageId"))
		mentioned := got.Message.GetExtendedTextMessage().GetContextInfo().GetMentionedJID()
		if got.Text != "hi @"+alice || got.Chat.String() != group || len(mentioned) != 1 || mentioned[0] != alice+"@s.whatsapp.net" {
			t.Fatalf("%s got %+v (mentions %v)", member, got, mentioned)
		}
	}
	s.send("text", map[string]any{"number": bob, "message": "x", "mention": []string{alice}}).WantError(http.StatusBadRequest, "mention and mentionAll are only for groups")
}
