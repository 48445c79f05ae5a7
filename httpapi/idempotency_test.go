package httpapi

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestIdempotencyReplay(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		p := withProbe(e, false)
		acc := e.account("a", 0)
		e.instance(acc, "shop")
		e.instance(acc, "other")

		first := e.raw("POST", probePath+"shop", acc, `{"items": 2}`, "Idempotency-Key", "order-1").Want(http.StatusOK)
		if first.Header.Get(replayedHeader) != "" {
			t.Fatal("a first answer must not claim to be replayed")
		}
		// The same object serialised differently is the same request.
		again := e.raw("POST", probePath+"shop", acc, "{ \"items\":2 }\n", "Idempotency-Key", "order-1").Want(http.StatusOK)
		if !bytes.Equal(again.Raw, first.Raw) || again.Header.Get(replayedHeader) != "true" {
			t.Fatalf("replay = %s (replayed %q), want %s", again.Raw, again.Header.Get(replayedHeader), first.Raw)
		}
		if ct := again.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("replay Content-Type %q", ct)
		}
		if n := p.calls.Load(); n != 1 {
			t.Fatalf("handler ran %d times, want 1", n)
		}

		e.raw("POST", probePath+"shop", acc, `{"items": 3}`, "Idempotency-Key", "order-1").
			WantErrorCode(http.StatusUnprocessableEntity, "Idempotency-Key was already used with a different request body", switchboard.CodeUnprocessable)
		e.raw("POST", probePath+"other", acc, `{"items": 2}`, "Idempotency-Key", "order-1").
			WantErrorCode(http.StatusUnprocessableEntity, "Idempotency-Key was already used with a different route, instance or query", switchboard.CodeUnprocessable)
		e.raw("POST", probePath+"shop?async=false", acc, `{"items": 2}`, "Idempotency-Key", "order-1").
			WantErrorCode(http.StatusUnprocessableEntity, "Idempotency-Key was already used with a different route, instance or query", switchboard.CodeUnprocessable)
		if n := p.calls.Load(); n != 1 {
			t.Fatalf("refused requests ran the handler: %d runs", n)
		}

		// The instance's own token is the same account: it replays too.
		instToken := e.instance(acc, "third")
		e.raw("POST", probePath+"third", instToken, `{"items": 1}`, "Idempotency-Key", "k-third").Want(http.StatusOK)
		e.raw("POST", probePath+"third", acc, `{"items": 1}`, "Idempotency-Key", "k-third").Want(http.StatusOK)
		if n := p.calls.Load(); n != 2 {
			t.Fatalf("handler ran %d times, want 2 (one per key)", n)
		}

		// Keys belong to an account: another account's same key is its own request.
		other := e.account("b", 0)
		e.instance(other, "shop")
		res := e.raw("POST", probePath+"shop", other, `{"items": 2}`, "Idempotency-Key", "order-1").Want(http.StatusOK)
		if res.Header.Get(replayedHeader) != "" || p.calls.Load() != 3 {
			t.Fatalf("another account's key replayed: %s, %d runs", res.Raw, p.calls.Load())
		}

		// Without a key every request runs.
		e.raw("POST", probePath+"shop", acc, `{"items": 2}`).Want(http.StatusOK)
		e.raw("POST", probePath+"shop", acc, `{"items": 2}`).Want(http.StatusOK)
		if n := p.calls.Load(); n != 5 {
			t.Fatalf("handler ran %d times, want 5", n)
		}

		// After 24 hours the key is free again.
		e.clock.Advance(24*time.Hour + time.Minute)
		res = e.raw("POST", probePath+"shop", acc, `{"items": 3}`, "Idempotency-Key", "order-1").Want(http.StatusOK)
		if res.Header.Get(replayedHeader) != "" || p.calls.Load() != 6 {
			t.Fatalf("expired key replayed: %s", res.Raw)
		}
		// That request also purged the day-old records it did not touch.
		var left int
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM idempotency_keys WHERE key = 'k-third'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatal("records older than a day were not purged")
		}
	})
}

// TestIdempotencyReplayAfterRestart: the stored answer lives in the database.
func TestIdempotencyReplayAfterRestart(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		withProbe(e, false)
		acc := e.account("a", 0)
		e.instance(acc, "shop")
		first := e.raw("POST", probePath+"shop", acc, `{"items": 2}`, "Idempotency-Key", "k").Want(http.StatusOK)

		restarted := start()
		p := withProbe(restarted, false)
		again := restarted.raw("POST", probePath+"shop", acc, `{"items": 2}`, "Idempotency-Key", "k").Want(http.StatusOK)
		if !bytes.Equal(again.Raw, first.Raw) || again.Header.Get(replayedHeader) != "true" {
			t.Fatalf("after restart: %s, want the replay of %s", again.Raw, first.Raw)
		}
		if p.calls.Load() != 0 {
			t.Fatal("the restarted server ran the handler again")
		}
	})
}

// TestIdempotencyConcurrent: while the first request runs, its key answers 409; afterwards it
// replays.
func TestIdempotencyConcurrent(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		p := withProbe(e, true)
		acc := e.account("a", 0)
		e.instance(acc, "shop")

		var first *result
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			first = e.sub(t).raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "k")
		}()
		p.waitEntered(t)
		e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "k").
			WantErrorCode(http.StatusConflict, "A request with this Idempotency-Key is still running", switchboard.CodeConflict)
		p.advance(t, 1)
		wg.Wait()
		first.Want(http.StatusOK)

		again := e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "k").Want(http.StatusOK)
		if !bytes.Equal(again.Raw, first.Raw) || p.calls.Load() != 1 {
			t.Fatalf("replay %s after %d runs, want %s after 1", again.Raw, p.calls.Load(), first.Raw)
		}
	})
}

// TestIdempotencyWhatIsKept: a completed answer is replayed, 4xx included; server failures and
// refusals of the moment free the key.
func TestIdempotencyWhatIsKept(t *testing.T) {
	st := storetest.Open(t)
	e := newEnvOn(t, st, func(c *Config) { c.Idempotency = st })
	p := withProbe(e, false)
	acc := e.account("a", 0)
	e.instance(acc, "shop")

	// A validation error is an answer to this body: replayed.
	first := e.raw("POST", probePath+"shop", acc, `{"items": 0}`, "Idempotency-Key", "bad-body").
		WantErrorCode(http.StatusBadRequest, "items is required", switchboard.CodeInvalid)
	again := e.raw("POST", probePath+"shop", acc, `{"items": 0}`, "Idempotency-Key", "bad-body").Want(http.StatusBadRequest)
	if !bytes.Equal(again.Raw, first.Raw) || again.Header.Get(replayedHeader) != "true" || p.calls.Load() != 1 {
		t.Fatalf("4xx not replayed: %s after %d runs", again.Raw, p.calls.Load())
	}

	for _, tc := range []struct {
		code   switchboard.ErrorCode
		status int
	}{
		{switchboard.CodeInternal, 500},
		{switchboard.CodeWhatsAppFailure, 502},
		{switchboard.CodeRateLimited, 429},
		{switchboard.CodeConflict, 409},
		{switchboard.CodeNotConnected, 400},
	} {
		before := p.calls.Load()
		body := `{"items": 1, "code": "` + string(tc.code) + `"}`
		e.raw("POST", probePath+"shop", acc, body, "Idempotency-Key", "k-"+string(tc.code)).Want(tc.status)
		res := e.raw("POST", probePath+"shop", acc, body, "Idempotency-Key", "k-"+string(tc.code)).Want(tc.status)
		if res.Header.Get(replayedHeader) != "" || p.calls.Load() != before+2 {
			t.Errorf("%s: the retry was replayed instead of run (%d runs)", tc.code, p.calls.Load()-before)
		}
	}
}

func TestIdempotencyKeyValidation(t *testing.T) {
	st := storetest.Open(t)
	e := newEnvOn(t, st, func(c *Config) { c.Idempotency = st })
	p := withProbe(e, false)
	acc := e.account("a", 0)
	e.instance(acc, "shop")

	const msg = "Idempotency-Key must be 1 to 255 printable ASCII characters"
	for name, key := range map[string]string{
		"too long":  strings.Repeat("k", 256),
		"non-ASCII": "clé",
		"control":   "a\tb",
	} {
		t.Run(name, func(t *testing.T) {
			e.sub(t).raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", key).
				WantErrorCode(http.StatusBadRequest, msg, switchboard.CodeInvalid)
		})
	}
	// Present but empty is not "no key": the client meant to send one.
	e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "").
		WantErrorCode(http.StatusBadRequest, msg, switchboard.CodeInvalid)
	e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "a", "Idempotency-Key", "b").
		WantErrorCode(http.StatusBadRequest, "Idempotency-Key must be sent once", switchboard.CodeInvalid)
	if p.calls.Load() != 0 {
		t.Fatal("a refused key ran the handler")
	}
	e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", strings.Repeat("k", 255)).Want(http.StatusOK)
	e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "with space, punctuation: ~!").Want(http.StatusOK)
}

// TestIdempotencyWithoutStore: with no IdempotencyStore the header is ignored.
func TestIdempotencyWithoutStore(t *testing.T) {
	e := newEnv(t)
	p := withProbe(e, false)
	acc := e.account("a", 0)
	e.instance(acc, "shop")
	for range 2 {
		res := e.raw("POST", probePath+"shop", acc, `{"items": 1}`, "Idempotency-Key", "k").Want(http.StatusOK)
		if res.Header.Get(replayedHeader) != "" {
			t.Fatal("replayed without a store")
		}
	}
	if p.calls.Load() != 2 {
		t.Fatalf("handler ran %d times, want 2", p.calls.Load())
	}
}

func TestFingerprint(t *testing.T) {
	same := []string{`{"a":1,"b":[1,2]}`, `{ "b": [1, 2], "a": 1 }`, "{\"a\":1,\n\"b\":[1,2]}\n"}
	for _, body := range same[1:] {
		if fingerprint([]byte(body)) != fingerprint([]byte(same[0])) {
			t.Errorf("%q and %q should be the same request", body, same[0])
		}
	}
	different := []string{`{"a":1.0,"b":[1,2]}`, `{"a":1,"b":[2,1]}`, `{"a":1,"b":[1,2]} x`, `not json`, ``}
	for _, body := range different {
		if fingerprint([]byte(body)) == fingerprint([]byte(same[0])) {
			t.Errorf("%q should differ from %q", body, same[0])
		}
	}
}
