package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard/switchboard"
)

// EventStream is the live feed of committed events, and the outbox read for clients resuming
// with ?since=. Frames carry the body webhooks get (media linked, copied to S3), with the file
// inline in media.base64 when mediaBase64 is set.
type EventStream interface {
	Subscribe(instanceID int64, mediaBase64 bool) (frames <-chan switchboard.EventFrame, overflow <-chan struct{}, cancel func())
	Replay(ctx context.Context, instanceID, afterSeq int64, limit int, mediaBase64 bool) ([]switchboard.EventFrame, error)
}

// WebSocket timings and limits.
const (
	wsPingInterval = 30 * time.Second
	wsWriteTimeout = 10 * time.Second
	wsReplayPage   = 500
)

// tokenFromQuery lets browsers, which cannot set headers on a WebSocket upgrade, pass the token
// as ?token= (RyzeAPI 2.5.5). The header wins when both are present.
func tokenFromQuery(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("token"); q != "" && r.Header.Get("token") == "" && r.Header.Get("Authorization") == "" {
			r = r.Clone(r.Context())
			r.Header.Set("token", q)
		}
		h.ServeHTTP(w, r)
	})
}

var (
	errNotUpgrade       = &switchboard.Error{Code: switchboard.CodeInvalid, Message: "WebSocket upgrade required: connect with a WebSocket client"}
	errOriginNotAllowed = &switchboard.Error{Code: switchboard.CodeForbidden, Message: "Origin not allowed"}
)

// isWebSocketUpgrade reports a WebSocket handshake; anything else gets our JSON 400 rather than
// the library's plain-text 426.
func isWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// handleWebSocket streams the instance's events as JSON text frames with the webhook envelope.
// Switchboard's ?since=<seq> first replays the stored events after seq (within the retention),
// then continues live without a gap or a repeat. A client that falls 256 frames behind is closed
// with 1013 (try again later) instead of being buffered without bound. A browser Origin must be
// one of the account's allowed origins (the CORS list); clients without an Origin are accepted.
// The configuration's mediaBase64, as it is when the connection opens, puts the file of each
// message's attachment in media.base64 (within SWITCHBOARD_EVENT_MEDIA_MAX), as for webhooks.
func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	c, err := s.cfg.Websockets.WebsocketConfigOf(r.Context(), inst.ID)
	if err != nil && !errors.Is(err, switchboard.ErrNotFound) {
		return failed("Failed to get websocket configuration", err)
	}
	if c == nil || !c.Enabled {
		return invalid("WebSocket is not enabled for this instance. Configure it first using POST /api/events/websocket/" + inst.Name)
	}
	var since int64 = -1
	if raw := r.URL.Query().Get("since"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return invalid("since must be a non-negative integer")
		}
		since = n
	}
	if !isWebSocketUpgrade(r) {
		return errNotUpgrade
	}
	if r.Header.Get("Origin") != "" {
		if _, ok := s.originAllowed(r, inst.AccountID); !ok {
			return errOriginNotAllowed
		}
	}
	frames, overflow, cancel := s.cfg.Stream.Subscribe(inst.ID, c.MediaBase64)
	defer cancel()
	// The Origin was checked above against the account's list, which the library cannot know.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered the client
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(context.Background())
	wanted := func(f switchboard.EventFrame) bool { return len(c.Events) == 0 || slices.Contains(c.Events, f.Type) }

	var last int64
	if since >= 0 {
		last = since
		for {
			page, err := s.cfg.Stream.Replay(ctx, inst.ID, last, wsReplayPage, c.MediaBase64)
			if err != nil {
				conn.Close(websocket.StatusInternalError, "replay failed")
				return nil
			}
			for _, f := range page {
				if wanted(f) && writeFrame(ctx, conn, f) != nil {
					return nil
				}
				last = f.Seq
			}
			if len(page) < wsReplayPage {
				break
			}
		}
	}
	ping := time.NewTicker(wsPingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-overflow:
			conn.Close(websocket.StatusTryAgainLater, "client too slow; reconnect with ?since=")
			return nil
		case f := <-frames:
			if f.Seq <= last || !wanted(f) {
				continue
			}
			last = f.Seq
			if writeFrame(ctx, conn, f) != nil {
				return nil
			}
		case <-ping.C:
			pctx, stop := context.WithTimeout(ctx, wsWriteTimeout)
			err := conn.Ping(pctx)
			stop()
			if err != nil {
				return nil
			}
		}
	}
}

// writeFrame writes one frame; a frame still being completed (its media fetched) is waited for,
// which keeps the order, and skipped if it could not be built.
func writeFrame(ctx context.Context, conn *websocket.Conn, f switchboard.EventFrame) error {
	body := f.Body
	if f.Later != nil {
		if body = f.Later.Wait(ctx); body == nil {
			return ctx.Err()
		}
	}
	wctx, stop := context.WithTimeout(ctx, wsWriteTimeout)
	defer stop()
	return conn.Write(wctx, websocket.MessageText, body)
}
