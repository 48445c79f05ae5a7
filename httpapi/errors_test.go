package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
)

func TestStatusOfEveryCode(t *testing.T) {
	want := map[switchboard.ErrorCode]int{
		switchboard.CodeInvalid:         400,
		switchboard.CodeNotConnected:    400,
		switchboard.CodeUnauthorized:    401,
		switchboard.CodeForbidden:       403,
		switchboard.CodeNotFound:        404,
		switchboard.CodeConflict:        409,
		switchboard.CodeTooLarge:        413,
		switchboard.CodeUnprocessable:   422,
		switchboard.CodeRateLimited:     429,
		switchboard.CodeInternal:        500,
		switchboard.CodeNotImplemented:  501,
		switchboard.CodeWhatsAppFailure: 502,
		switchboard.CodeUnavailable:     503,
		switchboard.CodeTimeout:         504,
		"some_future_code":              500,
	}
	for code, status := range want {
		if got := statusOf(code); got != status {
			t.Errorf("statusOf(%s) = %d, want %d", code, got, status)
		}
	}
}

func TestRenderError(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		err     error
		status  int
		body    string
		logHint string
	}{
		{
			err:    switchboard.Errorf(switchboard.CodeNotConnected, "Instance is not connected to WhatsApp"),
			status: 400,
			body:   `{"success":false,"error":{"message":"Instance is not connected to WhatsApp","code":"not_connected"}}`,
		},
		{
			err:    fmt.Errorf("group op: %w", switchboard.Wrap(switchboard.CodeWhatsAppFailure, "WhatsApp answered 500", errors.New("iq error"))),
			status: 502,
			body:   `{"success":false,"error":{"message":"WhatsApp answered 500","code":"whatsapp_error"}}`,
		},
		{
			err:     errors.New("pq: password authentication failed for user secretuser"),
			status:  500,
			body:    `{"success":false,"error":{"message":"Internal server error","code":"internal"}}`,
			logHint: "secretuser", // the cause is logged, never sent
		},
		{
			err:    &bodyError{detail: `field "name" must be a string`},
			status: 400,
			body:   `{"success":false,"error":{"message":"Invalid request body","code":"invalid","detail":"field \"name\" must be a string"}}`,
		},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/x", nil)
		e.api.renderError(rec, req, c.err)
		if rec.Code != c.status || strings.TrimSpace(rec.Body.String()) != c.body {
			t.Errorf("%v: got %d %s, want %d %s", c.err, rec.Code, rec.Body, c.status, c.body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if c.logHint != "" && !strings.Contains(e.logs.String(), c.logHint) {
			t.Errorf("cause %q not logged", c.logHint)
		}
	}
}

func TestPanicBecomesLogged500(t *testing.T) {
	e := newEnv(t)
	e.api.mux.Handle("GET /boom", e.api.public(func(http.ResponseWriter, *http.Request) error {
		panic("kaboom")
	}))
	res := e.do("GET", "/boom", "", nil, "X-Request-Id", "req-123")
	res.WantErrorCode(500, "Internal server error", "internal")
	if res.Header.Get("X-Request-Id") != "req-123" {
		t.Fatalf("X-Request-Id = %q", res.Header.Get("X-Request-Id"))
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "handler panic") || !strings.Contains(logs, "kaboom") || !strings.Contains(logs, `"request_id":"req-123"`) {
		t.Fatalf("panic not logged with its request id:\n%s", logs)
	}
	// The server keeps serving.
	e.do("GET", "/health", "", nil).Want(200)
}

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/nothing/here", "", nil).WantErrorCode(404, "Route not found", "not_found")
	e.do("GET", "/", "", nil).WantErrorCode(404, "Route not found", "not_found")

	res := e.do("GET", "/api/instance/new", "", nil).WantErrorCode(405, "Method not allowed", "method_not_allowed")
	if res.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow = %q", res.Header.Get("Allow"))
	}
	res = e.do("PUT", "/api/instance/settings/x", "", nil).WantErrorCode(405, "Method not allowed", "method_not_allowed")
	if res.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow = %q", res.Header.Get("Allow"))
	}
	// Sandbox routes do not exist outside sandbox mode.
	e.do("POST", "/sandbox/scan", "", map[string]any{}).WantErrorCode(404, "Route not found", "not_found")
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	res := e.do("GET", "/health", "", nil)
	if id := res.Header.Get("X-Request-Id"); len(id) != 32 {
		t.Fatalf("generated id = %q", id)
	}
	res = e.do("GET", "/health", "", nil, "X-Request-Id", "abc-DEF_1.2:3")
	if id := res.Header.Get("X-Request-Id"); id != "abc-DEF_1.2:3" {
		t.Fatalf("echoed id = %q", id)
	}
	res = e.do("GET", "/health", "", nil, "X-Request-Id", `bad id"with{junk}`)
	if id := res.Header.Get("X-Request-Id"); id == `bad id"with{junk}` || len(id) != 32 {
		t.Fatalf("unsafe id echoed: %q", id)
	}
}

// Every 503 says when to retry: a client may retry it, and the cluster's chaos test requires it.
func TestUnavailableSaysWhenToRetry(t *testing.T) {
	e := newEnv(t)
	rec := httptest.NewRecorder()
	e.api.renderError(rec, httptest.NewRequest("GET", "/x", nil), switchboard.Errorf(switchboard.CodeUnavailable, "later"))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("got %d with Retry-After %q, want 503 with 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	rec.Header().Set("Retry-After", "7")
	e.api.renderError(rec, httptest.NewRequest("GET", "/x", nil), switchboard.Errorf(switchboard.CodeUnavailable, "later"))
	if got := rec.Header().Get("Retry-After"); got != "7" {
		t.Fatalf("Retry-After %q, want the handler's 7 kept", got)
	}
}
