package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/webhook"
)

// TestSignatureVerifiesWithSvix: what the standard-webhooks library signs, Svix's independent
// implementation verifies; one changed byte does not.
func TestSignatureVerifiesWithSvix(t *testing.T) {
	secret := switchboard.NewWebhookSecret()
	var header http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header, body = r.Header.Clone(), must(io.ReadAll(r.Body))
	}))
	defer srv.Close()
	payload := []byte(`{"event":"webhook.test","data":{}}`)
	res := webhook.NewSender(nil, "t", "").SendBody(context.Background(), switchboard.WebhookTarget{URL: srv.URL, Secret: secret}, "evt_1", "webhook.test", payload)
	if !res.OK() {
		t.Fatalf("send: %+v", res)
	}
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, header); err != nil {
		t.Fatalf("svix rejects our signature: %v", err)
	}
	if !strings.HasPrefix(header.Get("webhook-signature"), "v1,") || header.Get("webhook-id") != "evt_1" {
		t.Fatalf("headers %v", header)
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] = ' '
	if err := wh.Verify(tampered, header); err == nil {
		t.Fatal("svix accepted a changed body")
	}
}

// TestNoRedirectsAndCappedRead: a 3xx is an answer (a failed attempt), not followed; a huge
// answer is read only up to the cap; userinfo never appears in a transport error.
func TestNoRedirectsAndCappedRead(t *testing.T) {
	followed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/elsewhere":
			followed = true
		case "/huge":
			chunk := make([]byte, 1<<20)
			for i := 0; i < 64; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}))
	defer srv.Close()
	s := webhook.NewSender(nil, "t", "")
	secret := switchboard.NewWebhookSecret()
	res := s.SendBody(context.Background(), switchboard.WebhookTarget{URL: srv.URL + "/redirect", Secret: secret}, "evt_1", "x", []byte("{}"))
	if res.Status != http.StatusFound || res.OK() || followed {
		t.Fatalf("redirect: %+v followed=%v", res, followed)
	}
	res = s.SendBody(context.Background(), switchboard.WebhookTarget{URL: srv.URL + "/huge", Secret: secret}, "evt_1", "x", []byte("{}"))
	if !res.OK() {
		t.Fatalf("huge answer: %+v", res)
	}
	res = s.SendBody(context.Background(), switchboard.WebhookTarget{URL: "http://user:hunter2@127.0.0.1:1/x?key=hunter2", Secret: secret}, "evt_1", "x", []byte("{}"))
	if res.Err == nil || strings.Contains(res.Err.Error(), "hunter2") {
		t.Fatalf("transport error %v leaks the URL's credentials", res.Err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
