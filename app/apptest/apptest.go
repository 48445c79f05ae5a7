// Package apptest runs the whole gateway for end-to-end tests: the real HTTP server, the real
// store (SQLite or PostgreSQL), real whatsmeow clients and the embedded wasim simulator, wired
// by package app exactly as `switchboard serve --sandbox` wires them.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/httpapi/openapitest"
	"github.com/switchboard/switchboard/internal/testkit"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// Timeout bounds every wait of the harness.
const Timeout = 60 * time.Second

// Env is one running gateway in sandbox mode.
type Env struct {
	T   testing.TB
	DSN string
	App *app.App
	URL string

	cfg  app.Config
	srv  *httptest.Server
	Logs *LockedBuffer
}

// Start runs a sandbox gateway on dsn (storetest.SQLiteDSN or PostgresDSN). Rate limits are
// lifted and link pacing is off unless configure says otherwise. Everything stops with the test.
func Start(t testing.TB, dsn string, configure ...func(*app.Config)) *Env {
	t.Helper()
	e := &Env{T: t, DSN: dsn, Logs: &LockedBuffer{}}
	e.cfg = app.Defaults()
	e.cfg.DSN, e.cfg.Sandbox, e.cfg.SandboxRoot = dsn, true, wasimtest.SharedRoot()
	e.cfg.RateLimit, e.cfg.CreateRateLimit, e.cfg.LinkInterval = 1_000_000, 1_000_000, 0
	e.cfg.Logger = slog.New(slog.NewJSONHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.cfg.Version = "test"
	for _, f := range configure {
		f(&e.cfg)
	}
	e.start()
	t.Cleanup(e.Stop)
	return e
}

func (e *Env) start() {
	e.T.Helper()
	a, err := app.New(context.Background(), e.cfg)
	if err != nil {
		e.T.Fatalf("start gateway: %v", err)
	}
	e.App = a
	e.srv = httptest.NewServer(a.Handler())
	e.URL = e.srv.URL
}

// Stop shuts the gateway down cleanly, as SIGTERM does. Calling it twice is harmless.
func (e *Env) Stop() {
	if e.srv != nil {
		e.srv.Close()
		e.srv = nil
	}
	if e.App != nil {
		e.App.Close()
		e.App = nil
	}
}

// Restart stops the gateway and starts a new one on the same database.
func (e *Env) Restart() {
	e.T.Helper()
	e.Stop()
	e.start()
}

// Account creates an account as `switchboard account create` does and returns its token.
func (e *Env) Account(name string) string {
	e.T.Helper()
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	if _, err := e.App.Store().CreateAccount(context.Background(), name, 0, switchboard.HashToken(token)); err != nil {
		e.T.Fatalf("create account: %v", err)
	}
	return token
}

// openAPI checks every answer of Do against the gateway's OpenAPI document, so every end-to-end
// test also tests the document; the schemas are compiled once per test binary.
var openAPI = sync.OnceValues(func() (*openapitest.Validator, error) {
	return openapitest.Load(httpapi.OpenAPIDocument())
})

// Response is one HTTP answer, with its JSON body decoded (internal/testkit).
type Response = testkit.Response

// Do sends a request with the token header; body is sent as JSON unless it is a string.
func (e *Env) Do(method, path, token string, body any) *Response {
	e.T.Helper()
	return e.DoWithHeaders(method, path, token, body, nil)
}

// DoWithHeaders is Do with extra request headers (Idempotency-Key, ...).
func (e *Env) DoWithHeaders(method, path, token string, body any, headers map[string]string) *Response {
	e.T.Helper()
	header := http.Header{}
	if token != "" {
		header.Set("token", token)
	}
	for k, v := range headers {
		header.Set(k, v)
	}
	return e.send(method, path, header, testkit.Body(e.T, body))
}

// DoHeaders sends a request with exactly the given headers (no token header is added: pass
// "token", "Authorization", "X-Forwarded-For" or "Origin" yourself). The body, when not "", is
// sent as JSON.
func (e *Env) DoHeaders(method, path string, header http.Header, body string) *Response {
	e.T.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return e.send(method, path, header, rd)
}

// send is the one request path of the harness: every answer is checked against the gateway's
// OpenAPI document, so every end-to-end test also tests the document.
func (e *Env) send(method, path string, header http.Header, body io.Reader) *Response {
	e.T.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	for name, values := range header {
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	v, err := openAPI()
	if err != nil {
		e.T.Fatalf("OpenAPI document: %v", err)
	}
	return testkit.Send(e.T, http.DefaultClient, req, v)
}

// Instance creates an instance and returns its token.
func (e *Env) Instance(account, name string) string {
	e.T.Helper()
	res := e.Do("POST", "/api/instance/new", account, map[string]any{"name": name}).Want(http.StatusCreated)
	token := res.Str("instance.token")
	if token == "" {
		e.T.Fatalf("no instance token: %s", res.Raw)
	}
	return token
}

// Pair connects an instance of the account, has a simulated phone (phone, or a new number when
// "") scan its QR, waits until the instance is connected and returns the phone number.
func (e *Env) Pair(account, name, phone string) string {
	e.T.Helper()
	res := e.Do("GET", "/api/instance/connect/"+name, account, nil).Want(http.StatusOK)
	qr := res.Str("qrCode")
	if qr == "" {
		e.T.Fatalf("no QR code: %s", res.Raw)
	}
	scan := e.Do("POST", "/sandbox/scan", account, map[string]any{"qrCode": qr, "phone": phone}).Want(http.StatusOK)
	e.WaitState(account, name, "connected")
	return scan.Str("phone")
}

// WaitState polls the instance list until the instance reaches state.
func (e *Env) WaitState(token, name, state string) *Response {
	e.T.Helper()
	deadline := time.Now().Add(Timeout)
	var last *Response
	for time.Now().Before(deadline) {
		last = e.Do("GET", "/api/instance/list?instanceName="+name, token, nil)
		if last.Status == http.StatusOK && last.Str("instances.0.connection.state") == state {
			return last
		}
		time.Sleep(25 * time.Millisecond)
	}
	e.T.Fatalf("instance %s never reached %q; last answer: %s", name, state, last.Raw)
	return nil
}

// LockedBuffer collects logs written from many goroutines (internal/testkit).
type LockedBuffer = testkit.LockedBuffer
