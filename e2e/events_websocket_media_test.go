package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// TestWebSocketFramesCarryMediaLikeWebhooks: with mediaBase64 in the WebSocket configuration
// (RyzeAPI 2.5.3), the frame of a message a phone sends with an attachment has the same data as
// the mediaBase64 webhook's delivery (media.url and the file in media.base64, byte for byte), live
// and when resumed with ?since=; the webhook, the live socket and the resumed one share one
// download from the media host.
func TestWebSocketFramesCarryMediaLikeWebhooks(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newEventScene(t, dsn, []string{"message.exchange"})
		s.e.Do("POST", "/api/events/webhook/shop", s.acc, map[string]any{"label": "default", "enabled": true, "url": s.rcv.URL + "/hook",
			"events": []string{"message.exchange"}, "mediaBase64": true}).Want(http.StatusOK)
		s.e.Do("POST", "/api/events/websocket/shop", s.acc, map[string]any{"enabled": true,
			"events": []string{"message.exchange"}, "mediaBase64": true}).Want(http.StatusOK)
		ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
		defer cancel()
		wsURL := "ws" + strings.TrimPrefix(s.e.URL, "http") + "/ws/shop"
		hdr := &websocket.DialOptions{HTTPHeader: http.Header{"token": {s.acc}}}
		live, _, err := websocket.Dial(ctx, wsURL, hdr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer live.CloseNow()
		// A frame with the file inline is larger than the client library's default read limit
		// (32 KiB), as a real client receiving media inline must allow for.
		live.SetReadLimit(1 << 20)

		file := make([]byte, 30_000)
		_, _ = rand.Read(file)
		before := s.sim().MediaDownloads()
		id := s.phoneSends(s.phone, wasim.PhoneMessage{To: s.ownJID().String(), Type: "image",
			Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(file), Mimetype: "image/jpeg"}})
		s.waitMessage(id)
		var hooked webhooktest.Delivery
		for _, d := range s.rcv.Accepted() {
			if d.Envelope.Event == switchboard.EventMessageExchange {
				hooked = d
			}
		}

		frameOf := func(conn *websocket.Conn, what string) webhooktest.Envelope {
			for {
				env := wsFrame(t, conn)
				var d switchboard.MessageExchangeData
				_ = json.Unmarshal(env.Data, &d)
				if d.ID != id {
					continue
				}
				got, _ := base64.StdEncoding.DecodeString(d.Message.Media.Base64)
				if !bytes.Equal(got, file) || !strings.Contains(d.Message.Media.URL, "/api/chat/base64/shop?messageId="+id) {
					t.Fatalf("%s frame: media %+v with %d inline bytes", what, d.Message.Media, len(got))
				}
				if !bytes.Equal(env.Data, hooked.Envelope.Data) {
					t.Fatalf("%s frame data differs from the webhook's:\n%s\n%s", what, env.Data, hooked.Envelope.Data)
				}
				return env
			}
		}
		frameOf(live, "live")
		resumed, _, err := websocket.Dial(ctx, wsURL+"?since=0", hdr)
		if err != nil {
			t.Fatalf("dial ?since=0: %v", err)
		}
		defer resumed.CloseNow()
		resumed.SetReadLimit(1 << 20)
		frameOf(resumed, "replayed")
		if n := s.sim().MediaDownloads() - before; n != 1 {
			t.Fatalf("the media host served the file %d times for the webhook and two sockets, want 1", n)
		}
	})
}
