package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// recorder remembers what the handler sent, for the access log and so the error renderer knows
// whether a status line is still possible.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int
	wroteHeader bool
}

func (rec *recorder) WriteHeader(status int) {
	if rec.wroteHeader {
		return
	}
	rec.status, rec.wroteHeader = status, true
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flush).
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// requestState is what the middleware learns about a request as it goes (who is calling, which
// instance), so that every log line of the request, the access line included, carries it.
type requestState struct {
	id        string
	accountID int64
	instance  string
	route     string // the matched route pattern, for metrics; "" when none matched
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// requestLogger returns the server logger with the request's id, account and instance. Tokens
// are never among the fields: the account id identifies the caller in logs.
func (s *Server) requestLogger(r *http.Request) *slog.Logger { return s.logFor(r.Context()) }

// logFor is requestLogger for code that has the request's context but not the request (helpers
// of a handler): its lines carry the same request_id, account and instance.
func (s *Server) logFor(ctx context.Context) *slog.Logger {
	st := stateFrom(ctx)
	if st == nil {
		return s.log
	}
	var buf [3]slog.Attr
	attrs := st.appendAttrs(buf[:0])
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return s.log.With(args...)
}

// appendAttrs appends the fields that requestLogger adds to every line of the request.
func (st *requestState) appendAttrs(attrs []slog.Attr) []slog.Attr {
	attrs = append(attrs, slog.String("request_id", st.id))
	if st.accountID != 0 {
		attrs = append(attrs, slog.Int64("account_id", st.accountID))
	}
	if st.instance != "" {
		attrs = append(attrs, slog.String("instance", st.instance))
	}
	return attrs
}

// logAccess writes the request's access line. It is requestLogger(r).Log with the same fields in
// the same order, but it passes them with the record instead of deriving a logger: With copies
// the handler and pre-formats its fields, which is worth it for a logger that writes many lines,
// and this one writes one line for every request.
func (s *Server) logAccess(r *http.Request, st *requestState, rec *recorder, start time.Time) {
	level := slog.LevelInfo
	if r.URL.Path == "/health" {
		level = slog.LevelDebug // probes every few seconds would drown the log
	}
	ctx := r.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	if sampledStatus(rec.status) {
		admitted, summaries := s.sampler.admit(s.clientIP(r))
		for _, sum := range summaries {
			s.log.LogAttrs(ctx, slog.LevelWarn, "access lines suppressed",
				slog.String("client", sum.key), slog.Int("suppressed", sum.count),
				slog.Time("window_start", sum.since), slog.Int("logged_per_minute", accessLogBurst))
		}
		if !admitted {
			return
		}
	}
	var buf [9]slog.Attr
	attrs := append(st.appendAttrs(buf[:0]),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Int("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("remote_addr", r.RemoteAddr))
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

// observe gives the request its id and writes one access line when it ends. Query strings are
// left out of the log: they carry phone numbers and, from browsers, sometimes tokens.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now() // the wall clock: Config.Now drives the limiter, not durations
		st := &requestState{id: requestID(r.Header.Get("X-Request-Id"))}
		w.Header().Set("X-Request-Id", st.id)
		if s.cfg.Sandbox != nil {
			// Every answer of a sandbox process comes from simulated WhatsApp; say so on all of
			// them, so a client can never mistake sandbox results for real ones.
			w.Header().Set("X-Switchboard-Sandbox", "true")
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		next.ServeHTTP(rec, r)
		s.metrics.observe(st.route, rec.status, time.Since(start))
		s.logAccess(r, st, rec, start)
	})
}

// requestID echoes a caller's id when it is short and plain, so it cannot inject into logs or
// headers; otherwise it makes a new one.
func requestID(given string) string {
	if given != "" && len(given) <= 128 {
		plain := true
		for i := 0; i < len(given); i++ {
			c := given[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
				plain = false
				break
			}
		}
		if plain {
			return given
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recoverPanics turns a handler panic into a logged 500 envelope. http.ErrAbortHandler is
// re-raised: it is net/http's way to abort a response on purpose.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.requestLogger(r).Error("handler panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.renderError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps the body at MaxBodyBytes. A declared length over the cap is refused before
// reading anything; an undeclared one is cut by MaxBytesReader and refused by the decoder.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.bodyLimit(r)
		if r.ContentLength > limit {
			drainRefused(r)
			s.renderError(w, r, errBodyTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// bodyLimit is MaxBodyBytes, except on the send routes that carry media inline (mediaBase64,
// a sticker's data: URL), which take the media cap in base64 plus room for the other fields.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && (strings.HasPrefix(r.URL.Path, "/api/message/media/") ||
		strings.HasPrefix(r.URL.Path, "/api/message/sticker/") || strings.HasPrefix(r.URL.Path, "/api/message/status/")) {
		return int64(base64.StdEncoding.EncodedLen(int(s.attachments.Limit(true)))) + MaxBodyBytes
	}
	return MaxBodyBytes
}

// maxDrain is how much of a refused body is read before answering. Clients that write their
// whole body before reading (Python's urllib and requests, Node's fetch) get a reset instead of
// the 413 when the server closes with their body unread; reading a bounded amount lets them
// finish writing and read the answer. Beyond it the connection is closed anyway.
const maxDrain = 8 << 20

func drainRefused(r *http.Request) {
	if r.ContentLength <= maxDrain {
		_, _ = io.CopyN(io.Discard, r.Body, r.ContentLength)
	}
}

// now is the injectable clock.
func (s *Server) now() time.Time { return s.cfg.Now() }
