package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard"
)

// Idempotency-Key, after Stripe's rules (design/reliability.md):
//
//   - Keys belong to the account: every token of an account (its own and its instances') shares
//     one key space, so a client retrying with another token of the same account is still
//     protected, and two accounts can never see each other's answers.
//   - A key is bound to the first request that used it: its route, instance and query string
//     (scope) and its body (fingerprint). The same key with another scope or another body is
//     refused with 422 rather than silently replaying an answer to a different question.
//   - Every completed answer is kept for 24 hours and replayed byte for byte with
//     Idempotent-Replayed: true, except answers that promise nothing was settled: 5xx, 429,
//     409 and "not connected", which depend on the moment rather than on the request. Those
//     free the key, so a retry with it runs again.
//   - A key whose first request is still running answers 409. A request cut short by a crash
//     leaves its key running; the next boot frees it (app.New), so its retry runs.
//   - With ?async=true the answer kept is the 202, so a retry finds the same job.
//   - A route whose answer holds a new token (POST /api/instance/new) keeps it sealed with the
//     server's key and accepts the header only when the server has one (idempotency_sealed.go).
//   - Without an IdempotencyStore the header is ignored.
const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
	maxIdempotencyKey = 255
	// idempotencyTTL mirrors store.IdempotencyTTL (httpapi does not import the store).
	idempotencyTTL = 24 * time.Hour
	// idempotencyPurgeEvery is how often old records are deleted, at most; the store already
	// ignores expired ones, so this only bounds the table's size.
	idempotencyPurgeEvery = time.Hour
)

var (
	errIdempotencyKeyInvalid = invalid("Idempotency-Key must be 1 to 255 printable ASCII characters")
	errIdempotencyKeyTwice   = invalid("Idempotency-Key must be sent once")
	errIdempotencyOtherBody  = &switchboard.Error{Code: switchboard.CodeUnprocessable,
		Message: "Idempotency-Key was already used with a different request body"}
	errIdempotencyOtherRoute = &switchboard.Error{Code: switchboard.CodeUnprocessable,
		Message: "Idempotency-Key was already used with a different route, instance or query"}
	errIdempotencyRunning = &switchboard.Error{Code: switchboard.CodeConflict,
		Message: "A request with this Idempotency-Key is still running"}
)

// idempotentRoute applies Idempotency-Key to a route without {instance}.
func (s *Server) idempotentRoute(opts routeOptions, h handlerFunc) handlerFunc {
	if !opts.idempotent {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.withIdempotencyKey(w, r, r.Pattern, opts.sealedReplay, h)
	}
}

// idempotentInstanceRoute applies Idempotency-Key to an {instance} route, once the instance is
// resolved: the key's scope names the instance by id, so a key used on one instance never
// replays on another, even one later created with the same name.
func (s *Server) idempotentInstanceRoute(opts routeOptions, h instanceHandlerFunc) instanceHandlerFunc {
	if !opts.idempotent {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
		scope := r.Pattern + " instance=" + strconv.FormatInt(inst.ID, 10)
		return s.withIdempotencyKey(w, r, scope, opts.sealedReplay, func(w http.ResponseWriter, r *http.Request) error {
			return h(w, r, inst)
		})
	}
}

// withIdempotencyKey runs h at most once per key: it replays, refuses, or runs h and stores its
// answer. Without the header, or without a store, it just runs h. sealed keeps the answer sealed
// at rest, for routes whose answer carries a secret.
func (s *Server) withIdempotencyKey(w http.ResponseWriter, r *http.Request, route string, sealed bool, h handlerFunc) error {
	values := r.Header.Values(idempotencyHeader)
	p := principalFrom(r.Context())
	if s.cfg.Idempotency == nil || len(values) == 0 || p == nil {
		return h(w, r)
	}
	if len(values) > 1 {
		return errIdempotencyKeyTwice
	}
	key := values[0]
	if !validIdempotencyKey(key) {
		return errIdempotencyKeyInvalid
	}
	var seal replaySealing
	if sealed {
		if seal = s.replaySealing(p.accountID, key); seal == nil {
			return errIdempotencyNeedsSecretKey
		}
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if q := r.URL.Query(); len(q) > 0 {
		route += " ?" + q.Encode() // Encode sorts, so the order of parameters does not matter
	}
	now, hash := s.now(), fingerprint(body)
	s.purgeIdempotencyKeys(r.Context(), now)

	existing, created, err := s.cfg.Idempotency.BeginIdempotent(r.Context(), switchboard.IdempotencyRecord{
		Key: key, AccountID: p.accountID, Route: route, RequestHash: hash, CreatedAt: now,
	})
	if err != nil {
		return failed("Failed to check the Idempotency-Key", err)
	}
	if !created {
		return replayIdempotent(w, existing, route, hash, seal)
	}

	// From here the key is ours: it must end finished or abandoned, or it would answer 409 for a
	// day. The store calls outlive the client (a client that hung up still deserves its replay).
	bg, cancel := detached(r.Context())
	defer cancel()
	capture := newCapture(w)
	settled := false
	defer func() {
		if !settled { // a panic passing through (http.ErrAbortHandler): nothing to replay
			s.abandonIdempotent(bg, r, p.accountID, key)
		}
	}()
	var code switchboard.ErrorCode
	s.runCaptured(capture, r, func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		if err != nil {
			code = switchboard.ErrorCodeOf(err)
		}
		return err
	})
	settled = true
	if !worthReplaying(capture.status, code) {
		s.abandonIdempotent(bg, r, p.accountID, key)
		return nil
	}
	stored, err := seal.seal(capture.body.Bytes())
	if err == nil {
		err = s.cfg.Idempotency.FinishIdempotent(bg, p.accountID, key, capture.status, stored)
	}
	if err != nil {
		// The client has its answer; only a later replay is lost. Free the key rather than leave
		// it "running" for a day.
		s.requestLogger(r).Error("storing the Idempotency-Key answer", "err", err)
		s.abandonIdempotent(bg, r, p.accountID, key)
	}
	return nil
}

// replayIdempotent answers a key that was seen before; seal opens a sealed answer (nil: stored
// in clear).
func replayIdempotent(w http.ResponseWriter, rec *switchboard.IdempotencyRecord, route, hash string, seal replaySealing) error {
	switch {
	case rec.Route != route:
		return errIdempotencyOtherRoute
	case rec.RequestHash != hash:
		return errIdempotencyOtherBody
	case rec.Status == 0:
		return errIdempotencyRunning
	}
	body, err := seal.open(rec.Body)
	if err != nil {
		return switchboard.Wrap(switchboard.CodeInternal, "Failed to replay the Idempotency-Key answer", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set(replayedHeader, "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(body)
	return nil
}

// worthReplaying says whether an answer settles the request for good. Server failures and
// refusals that depend on the moment (rate limits, a concurrent conflict, a disconnected
// instance) are not kept: a retry should run again, as a retry without a key would.
func worthReplaying(status int, code switchboard.ErrorCode) bool {
	switch {
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusConflict:
		return false
	case code == switchboard.CodeNotConnected:
		return false
	}
	return true
}

func (s *Server) abandonIdempotent(ctx context.Context, r *http.Request, accountID int64, key string) {
	err := s.cfg.Idempotency.AbandonIdempotent(ctx, accountID, key)
	if err != nil && !errors.Is(err, switchboard.ErrNotFound) {
		s.requestLogger(r).Error("freeing an Idempotency-Key", "err", err)
	}
}

// validIdempotencyKey: 1 to 255 printable ASCII characters, space included. Stripe's limit; a
// longer or binary value is a client bug better reported than stored.
func validIdempotencyKey(key string) bool {
	if len(key) == 0 || len(key) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// readBody reads the whole body and puts an identical one back for the handler.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if tooLarge(err) {
			return nil, errBodyTooLarge
		}
		return nil, &bodyError{detail: "the body could not be read"}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// fingerprint hashes a request body. A JSON body is hashed in a canonical form (keys sorted,
// no insignificant whitespace, numbers as written), so a retry that serialises the same object
// differently is still the same request; anything else is hashed as it is.
func fingerprint(body []byte) string {
	canonical := body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if _, err := dec.Token(); errors.Is(err, io.EOF) { // one value and nothing after it
			if out, err := json.Marshal(v); err == nil {
				canonical = out
			}
		}
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// idempotencyPurge remembers when expired records were last deleted.
type idempotencyPurge struct {
	last atomic.Int64 // unix nanoseconds on the server's clock
}

// purgeIdempotencyKeys deletes records older than a day, at most once an hour, on the request
// that happens to come first. A failure is only logged: it costs disk space, not correctness.
func (s *Server) purgeIdempotencyKeys(ctx context.Context, now time.Time) {
	last := s.idemPurge.last.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < idempotencyPurgeEvery {
		return
	}
	if !s.idemPurge.last.CompareAndSwap(last, now.UnixNano()) {
		return // another request is purging
	}
	if err := s.cfg.Idempotency.PurgeIdempotent(ctx, now.Add(-idempotencyTTL)); err != nil {
		s.log.Warn("purging old Idempotency-Keys", "err", err)
	}
}
