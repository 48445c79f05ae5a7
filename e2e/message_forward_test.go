package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestForwardArrivesMarkedForwarded forwards a received text, a sent image and a sent location
// to another phone: each arrives with the same content marked "Forwarded", the image decrypted
// to the same bytes without a second upload; a poll is refused with the reference's words.
func TestForwardArrivesMarkedForwarded(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	bob, carol := s.user("Bob"), s.user("Carol")
	forward := func(id, to string) string {
		t.Helper()
		res := s.e.Do("POST", "/api/chat/forward/sender", s.acc, map[string]any{"messageId": id, "to": to}).Want(http.StatusOK)
		if res.Str("originalId") != id || res.Str("destinationJid") != to+"@s.whatsapp.net" || res.Str("messageId") == "" || res.Str("message") != "Message forwarded successfully" {
			t.Fatalf("forward answer: %s", res.Raw)
		}
		return res.Str("messageId")
	}

	in := s.phoneSends(bob, "the meeting moved to 3pm")
	s.stored(in)
	got := s.inbox(carol, forward(in, carol))
	if got.Text != "the meeting moved to 3pm" || !got.Message.GetExtendedTextMessage().GetContextInfo().GetIsForwarded() {
		t.Fatalf("forwarded text at the phone: %+v", got.Message)
	}

	png, _ := base64.StdEncoding.DecodeString(pngBase64(t))
	img := s.sent("media", map[string]any{"number": bob, "mediaType": "image", "mediaBase64": pngBase64(t), "message": "look"})
	fimg := s.inbox(carol, forward(img.Str("messageId"), carol))
	if fimg.Type != "image" || fimg.Text != "look" || fimg.Media == nil || fimg.Media.SHA256 != sha256.Sum256(png) ||
		!fimg.Message.GetImageMessage().GetContextInfo().GetIsForwarded() {
		t.Fatalf("forwarded image at the phone: %+v (media %+v)", fimg.Message, fimg.Media)
	}

	loc := s.sent("location", map[string]any{"number": bob, "latitude": -23.5505, "longitude": -46.6333, "name": "Sé", "address": "Praça da Sé"})
	l := s.inbox(carol, forward(loc.Str("messageId"), carol)).Message.GetLocationMessage()
	if l.GetDegreesLatitude() != -23.5505 || l.GetDegreesLongitude() != -46.6333 || l.GetName() != "Sé" || l.GetAddress() != "Praça da Sé" || !l.GetContextInfo().GetIsForwarded() {
		t.Fatalf("forwarded location at the phone: %v", l)
	}

	poll := s.sent("poll", map[string]any{"number": bob, "question": "Q?", "options": []string{"a", "b"}})
	s.e.Do("POST", "/api/chat/forward/sender", s.acc, map[string]any{"messageId": poll.Str("messageId"), "to": carol}).
		WantError(http.StatusBadRequest, "unsupported message type for forwarding: poll")
	s.e.Do("POST", "/api/chat/forward/sender", s.acc, map[string]any{"messageId": in}).WantError(http.StatusBadRequest, "to is required")
	s.e.Do("POST", "/api/chat/forward/sender", s.acc, map[string]any{"messageId": "NOPE", "to": carol}).
		WantError(http.StatusNotFound, "Instance not found or message not found")
}
