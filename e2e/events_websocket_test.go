package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// wsFrame reads one frame and decodes its envelope.
func wsFrame(t *testing.T, conn *websocket.Conn) webhooktest.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()
	typ, raw, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("frame type %v, want text", typ)
	}
	var env webhooktest.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("frame %s: %v", raw, err)
	}
	return env
}

func wsState(t *testing.T, env webhooktest.Envelope) string {
	var d stateData
	_ = json.Unmarshal(env.Data, &d)
	return d.State
}

// readUntilState reads frames until one reports state, checking seq strictly increases.
func readUntilState(t *testing.T, conn *websocket.Conn, state string, last *int64) []webhooktest.Envelope {
	t.Helper()
	var got []webhooktest.Envelope
	for {
		env := wsFrame(t, conn)
		if env.Seq <= *last {
			t.Fatalf("frame seq %d after %d: repeated or out of order", env.Seq, *last)
		}
		*last = env.Seq
		got = append(got, env)
		if wsState(t, env) == state {
			return got
		}
	}
}

// TestWebSocketStream: the WebSocket routes of RyzeAPI 2.5.3-2.5.5 against a real whatsmeow
// pairing: 404 before configuration, 400 upgrades while disabled, live instance.state frames with
// the envelope, and ?since= replaying the stored events before continuing live without repeats.
func TestWebSocketStream(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := eventsGateway(t, dsn)
		acc := e.Account("demo")
		inst := e.Instance(acc, "shop")
		e.Do("GET", "/api/events/getWebsocket/shop", inst, nil).WantError(http.StatusNotFound, "WebSocket not configured for this instance")
		notEnabled := "WebSocket is not enabled for this instance. Configure it first using POST /api/events/websocket/shop"
		e.Do("GET", "/ws/shop", inst, nil).WantError(http.StatusBadRequest, notEnabled)
		e.Do("POST", "/api/events/websocket/shop", inst, map[string]any{"events": []string{"nope"}}).WantError(http.StatusBadRequest, "enabled is required")
		res := e.Do("POST", "/api/events/websocket/shop", inst, map[string]any{"enabled": true, "events": []string{"instance.state"}}).Want(http.StatusOK)
		if ev := res.Strings("websocket.events"); len(ev) != 1 || ev[0] != "instance.state" {
			t.Fatalf("set websocket: %s", res.Raw)
		}
		got := e.Do("GET", "/api/events/getWebsocket/shop", acc, nil).Want(http.StatusOK)
		if got.Str("message") != "WebSocket configuration retrieved" || got.Get("websocket.enabled") != true {
			t.Fatalf("get websocket: %s", got.Raw)
		}

		wsURL := "ws" + strings.TrimPrefix(e.URL, "http") + "/ws/shop"
		ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
		defer cancel()
		live, _, err := websocket.Dial(ctx, wsURL+"?token="+inst, nil)
		if err != nil {
			t.Fatalf("dial with ?token=: %v", err)
		}
		defer live.CloseNow()
		if _, _, err := websocket.Dial(ctx, wsURL+"?token=wrong", nil); err == nil {
			t.Fatal("a wrong token upgraded")
		}
		e.Do("GET", "/ws/shop", inst, nil).WantError(http.StatusBadRequest, "WebSocket upgrade required: connect with a WebSocket client")
		// A browser page of an origin the account never allowed cannot read the stream.
		_, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"token": {inst}, "Origin": {"https://evil.example"}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("foreign Origin: err %v, response %v; want 403", err, resp)
		}

		phone := e.Pair(acc, "shop", "")
		var last int64
		frames := readUntilState(t, live, "connected", &last)
		if wsState(t, frames[0]) != "qr_ready" || frames[0].InstanceData["instance"] != "shop" || frames[0].ID == "" {
			t.Fatalf("first frame %+v", frames[0])
		}
		var conn stateData
		_ = json.Unmarshal(frames[len(frames)-1].Data, &conn)
		if conn.NumberJID != phone+"@s.whatsapp.net" {
			t.Fatalf("connected frame %+v", conn)
		}

		// A second client resumes from seq 0: it gets the same events from the outbox, then the
		// live logout, each once.
		hdr := http.Header{"token": []string{acc}}
		resumed, _, err := websocket.Dial(ctx, wsURL+"?since=0", &websocket.DialOptions{HTTPHeader: hdr})
		if err != nil {
			t.Fatalf("dial with ?since=0: %v", err)
		}
		defer resumed.CloseNow()
		var rlast int64
		replayed := readUntilState(t, resumed, "connected", &rlast)
		if len(replayed) != len(frames) || replayed[0].ID != frames[0].ID || rlast != last {
			t.Fatalf("replay gave %d frames up to seq %d, live gave %d up to %d", len(replayed), rlast, len(frames), last)
		}
		e.Do("DELETE", "/api/instance/logout/shop", acc, nil).Want(http.StatusOK)
		readUntilState(t, live, "logged_out", &last)
		readUntilState(t, resumed, "logged_out", &rlast)

		// Disabled: open sockets stay, new upgrades are refused.
		e.Do("POST", "/api/events/websocket/shop", acc, map[string]any{"enabled": false}).Want(http.StatusOK)
		e.Do("GET", "/ws/shop", inst, nil).WantError(http.StatusBadRequest, notEnabled)
		pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer pcancel()
		live.CloseRead(pctx) // a reader must run for the pong to be seen
		if err := live.Ping(pctx); err != nil {
			t.Fatalf("an open socket was closed by disabling: %v", err)
		}
	})
}
