package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestSendCardsArriveAsAsked sends a location, two contacts, a poll, a reply and reactions; the
// phone decodes each to exactly what was asked.
func TestSendCardsArriveAsAsked(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	bob := s.user("Bob")

	loc := s.sent("location", map[string]any{"number": bob, "latitude": -23.5505, "longitude": -46.6333, "name": "Sé", "address": "Praça da Sé"})
	got := s.inbox(bob, loc.Str("messageId")).Message.GetLocationMessage()
	if got.GetDegreesLatitude() != -23.5505 || got.GetDegreesLongitude() != -46.6333 || got.GetName() != "Sé" || got.GetAddress() != "Praça da Sé" {
		t.Fatalf("location at the phone: %v", got)
	}
	if want := "📍 Sé\nPraça da Sé\nLat: -23.5505, Long: -46.6333"; loc.Str("data.content") != want || loc.Str("data.messageType") != "location" {
		t.Fatalf("location answer: %s", loc.Raw)
	}
	s.send("location", map[string]any{"number": bob, "latitude": 0, "longitude": 0}).Want(http.StatusBadRequest)
	s.send("location", map[string]any{"number": bob, "longitude": 3}).WantError(http.StatusBadRequest, "Latitude is required and must be between -90 and 90")

	cards := s.sent("contact", map[string]any{"number": bob, "vcard": []map[string]any{
		{"fullName": "Ana Souza", "phone": "+55 11 98888-7777", "organization": "ACME"},
		{"fullName": "Rui", "phone": "351912345678"},
	}})
	arr := s.inbox(bob, cards.Str("messageId")).Message.GetContactsArrayMessage()
	if cards.Str("message") != "2 contacts sent successfully in one message" || len(arr.GetContacts()) != 2 ||
		arr.GetContacts()[0].GetDisplayName() != "Ana Souza" || !strings.Contains(arr.GetContacts()[0].GetVcard(), "waid=5511988887777") {
		t.Fatalf("contacts at the phone: %v (answer %s)", arr, cards.Raw)
	}
	one := s.sent("contact", map[string]any{"number": bob, "vcard": map[string]any{"fullName": "Solo", "phone": "15550001111"}})
	if c := s.inbox(bob, one.Str("messageId")).Message.GetContactMessage(); c.GetDisplayName() != "Solo" {
		t.Fatalf("single contact at the phone: %v", c)
	}

	poll := s.sent("poll", map[string]any{"number": bob, "question": "Flavour?", "options": []string{"Chocolate", "Vanilla", "Lemon"}, "maxAnswer": 9})
	pm := s.inbox(bob, poll.Str("messageId")).Message
	pc := pm.GetPollCreationMessage()
	if pc == nil {
		pc = pm.GetPollCreationMessageV3()
	}
	if pc.GetName() != "Flavour?" || len(pc.GetOptions()) != 3 || pc.GetSelectableOptionsCount() != 3 || poll.Str("data.content") != "Flavour?\n1. Chocolate\n2. Vanilla\n3. Lemon" {
		t.Fatalf("poll at the phone: %v (answer %s)", pc, poll.Raw)
	}
	s.send("poll", map[string]any{"number": bob, "question": "Q", "options": []string{"only"}}).WantError(http.StatusBadRequest, "options must have between 2 and 12 items")

	// A reply quotes a message the phone sent, which reached the store through the instance.
	incoming := s.phoneSends(bob, "what time?")
	s.stored(incoming)
	reply := s.sent("text", map[string]any{"number": bob, "message": "6 PM", "replyTo": incoming})
	ci := s.inbox(bob, reply.Str("messageId")).Message.GetExtendedTextMessage().GetContextInfo()
	if ci.GetStanzaID() != incoming || ci.GetParticipant() != bob+"@s.whatsapp.net" || reply.Str("data.replyTo.messageId") != incoming {
		t.Fatalf("reply at the phone: %v (answer %s)", ci, reply.Raw)
	}
	s.send("text", map[string]any{"number": bob, "message": "x", "replyTo": "NOPE"}).WantError(http.StatusNotFound, "replyTo message not found")

	react := s.sent("reaction", map[string]any{"number": bob, "messageId": incoming, "reaction": "👍"})
	rm := s.inbox(bob, react.Str("messageId")).Message.GetReactionMessage()
	if rm.GetText() != "👍" || rm.GetKey().GetID() != incoming || rm.GetKey().GetFromMe() || react.Str("data.replyTo.messageId") != incoming {
		t.Fatalf("reaction at the phone: %v (answer %s)", rm, react.Raw)
	}
	removed := s.sent("reaction", map[string]any{"number": bob, "messageId": incoming, "reaction": "remove"})
	if rm = s.inbox(bob, removed.Str("messageId")).Message.GetReactionMessage(); rm.GetText() != "" || removed.Str("message") != "Reaction removed successfully" {
		t.Fatalf("removal at the phone: %v (answer %s)", rm, removed.Raw)
	}
}
