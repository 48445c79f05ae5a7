// Package webhooktest is a real HTTP webhook receiver for tests: it verifies every request's
// Standard Webhooks signature with Svix's library (an implementation independent of the one the
// gateway signs with), records what arrived, and answers with whatever status the test scripts.
package webhooktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// Delivery is one request the receiver got.
type Delivery struct {
	ID        string // webhook-id
	Path      string
	Auth      string // the Authorization header
	Verified  bool   // the signature checked out with the secret
	VerifyErr string
	Status    int // what the receiver answered
	Body      []byte
	Envelope  Envelope
}

// Envelope is the body the gateway sends.
type Envelope struct {
	Event        string          `json:"event"`
	Data         json.RawMessage `json:"data"`
	InstanceData map[string]any  `json:"instanceData"`
	ID           string          `json:"id"`
	Timestamp    string          `json:"timestamp"`
	Seq          int64           `json:"seq"`
}

// Receiver is a running receiver.
type Receiver struct {
	URL string
	srv *httptest.Server

	mu      sync.Mutex
	secret  string
	got     []Delivery
	respond func(n int, d Delivery) int // status for the n-th request (0-based)
	changed chan struct{}
}

// Start runs a receiver that answers 200 until told otherwise; it stops with the test.
func Start(t testing.TB) *Receiver {
	r := &Receiver{changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	t.Cleanup(r.srv.Close)
	return r
}

// SetSecret gives the receiver the webhook's signing secret to verify with.
func (r *Receiver) SetSecret(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
}

// Respond scripts the status of each request; nil means 200.
func (r *Receiver) Respond(f func(n int, d Delivery) int) {
	r.mu.Lock()
	r.respond = f
	r.mu.Unlock()
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	d := Delivery{ID: req.Header.Get("webhook-id"), Path: req.URL.Path, Auth: req.Header.Get("Authorization"), Body: body}
	_ = json.Unmarshal(body, &d.Envelope)
	r.mu.Lock()
	if r.secret != "" {
		wh, err := svix.NewWebhook(r.secret)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		d.Verified = err == nil
		if err != nil {
			d.VerifyErr = err.Error()
		}
	}
	d.Status = http.StatusOK
	if r.respond != nil {
		d.Status = r.respond(len(r.got), d)
	}
	r.got = append(r.got, d)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	w.WriteHeader(d.Status)
}

// All returns every request so far.
func (r *Receiver) All() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Accepted returns the requests answered 2xx, in arrival order.
func (r *Receiver) Accepted() []Delivery {
	var out []Delivery
	for _, d := range r.All() {
		if d.Status >= 200 && d.Status < 300 {
			out = append(out, d)
		}
	}
	return out
}

// WaitFor waits until cond holds over the requests so far, or fails the test after timeout.
func (r *Receiver) WaitFor(t testing.TB, timeout time.Duration, what string, cond func(all []Delivery) bool) []Delivery {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		all := append([]Delivery(nil), r.got...)
		changed := r.changed
		r.mu.Unlock()
		if cond(all) {
			return all
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("receiver: timed out waiting for %s; got %d requests", what, len(all))
			return nil
		}
	}
}
