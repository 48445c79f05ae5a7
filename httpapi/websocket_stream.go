package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard/switchboard"
)

// EventStream is the live feed of committed events, and the outbox read for clients resuming
// with ?since=.
type EventStream interface {
	Subscribe(instanceID int64) (frames <-chan switchboard.EventFrame, overflow <-chan struct{}, cancel func())
	Replay(ctx context.Context, instanceID, afterSeq int64, limit int) ([]switchboard.EventFrame, error)
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

// handleWebSocket streams the instance's events as JSON text frames with the webhook envelope.
// Switchboard's ?since=<seq> first replays the stored events after seq (within the retention),
// then continues live without a gap or a repeat. A client that falls 256 frames behind is closed
// with 1013 (try again later) instead of being buffered without bound. Browser Origins must match
// the request's host (coder/websocket's check); clients without an Origin are accepted.
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
	frames, overflow, cancel := s.cfg.Stream.Subscribe(inst.ID)
	defer cancel()
	conn, err := websocket.Accept(w, r, nil)
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
			page, err := s.cfg.Stream.Replay(ctx, inst.ID, last, wsReplayPage)
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

func writeFrame(ctx context.Context, conn *websocket.Conn, f switchboard.EventFrame) error {
	wctx, stop := context.WithTimeout(ctx, wsWriteTimeout)
	defer stop()
	return conn.Write(wctx, websocket.MessageText, f.Body)
}
