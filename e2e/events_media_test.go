package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestEventMediaInlinedAtDelivery: media a phone sends is stored as download keys only; at
// delivery a webhook with mediaBase64 gets the file in media.base64 (byte for byte what the phone
// sent) when it is within SWITCHBOARD_EVENT_MEDIA_MAX, and only media.url above it; a webhook
// without mediaBase64 gets media.url, and that URL (the chat base64 route) returns the file.
func TestEventMediaInlinedAtDelivery(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newEventScene(t, dsn, []string{"message.exchange"}, func(c *app.Config) { c.EventMediaMax = 3000 })
		s.e.Do("POST", "/api/events/webhook/shop", s.acc, map[string]any{"label": "default", "enabled": true, "url": s.rcv.URL + "/hook",
			"events": []string{"message.exchange"}, "mediaBase64": true}).Want(http.StatusOK)
		plain := webhooktest.Start(t)
		setWebhook(t, s.e, s.acc, "shop", plain, map[string]any{"label": "plain", "events": []string{"message.exchange"}})

		small, large := make([]byte, 2000), make([]byte, 5000)
		_, _ = rand.Read(small)
		_, _ = rand.Read(large)
		send := func(file []byte) string {
			return s.phoneSends(s.phone, wasim.PhoneMessage{To: s.ownJID().String(), Type: "document",
				Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(file), Mimetype: "application/pdf", FileName: "f.pdf"}})
		}
		smallID, largeID := send(small), send(large)

		m := s.waitMessage(smallID)
		got, _ := base64.StdEncoding.DecodeString(m.Media.Base64)
		if m.Media.Type != "document" || m.Media.FileName != "f.pdf" || !bytes.Equal(got, small) {
			t.Fatalf("small file: media %+v, inline %d bytes equal=%v", m.Media, len(got), bytes.Equal(got, small))
		}
		if m := s.waitMessage(largeID); m.Media.Base64 != "" || !strings.Contains(m.Media.URL, "/api/chat/base64/shop?messageId="+largeID) {
			t.Fatalf("large file: media %+v, want only the URL", m.Media)
		}

		other := &eventScene{t: t, e: s.e, rcv: plain}
		m = other.waitMessage(smallID)
		if m.Media.Base64 != "" || m.Media.URL == "" {
			t.Fatalf("webhook without mediaBase64: media %+v", m.Media)
		}
		u, err := url.Parse(m.Media.URL)
		if err != nil {
			t.Fatal(err)
		}
		res := s.e.Do("GET", u.Path+"?"+u.RawQuery, s.acc, nil).Want(http.StatusOK)
		if raw, _ := base64.StdEncoding.DecodeString(res.Str("base64")); !bytes.Equal(raw, small) {
			t.Fatalf("media.url answered %d bytes, not the file", len(raw))
		}
	})
}
