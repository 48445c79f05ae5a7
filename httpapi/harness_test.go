package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store/storetest"
)

// testEnv is the real handler behind a real HTTP server, over the real store (a fresh SQLite
// file per test), a Sessions double, a fake clock and a captured log.
type testEnv struct {
	t        *testing.T
	srv      *httptest.Server
	api      *Server
	store    *faultyStore
	sessions *fakeSessions
	clock    *fakeClock
	logs     *lockedBuffer
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t *testing.T, configure ...func(*Config)) *testEnv {
	t.Helper()
	return newEnvOn(t, storetest.Open(t), configure...)
}

// newEnvOn is newEnv over a given store (PostgreSQL, for the tenancy tests).
func newEnvOn(t *testing.T, backing backingStore, configure ...func(*Config)) *testEnv {
	t.Helper()
	e := &testEnv{
		t:        t,
		store:    newFaultyStore(backing),
		sessions: newFakeSessions(),
		clock:    &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)},
		logs:     &lockedBuffer{},
	}
	cfg := Config{
		Accounts:  e.store,
		Instances: e.store,
		Sessions:  e.sessions,
		Sealer:    fakeSealer{},
		Logger:    slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       e.clock.Now,
		Version:   "test",
	}
	for _, f := range configure {
		f(&cfg)
	}
	if phones, ok := backing.(SandboxPhones); ok && cfg.Sandbox != nil && cfg.SandboxPhones == nil {
		cfg.SandboxPhones = phones // the real store's ownership table, beside its accounts
	}
	e.api = New(cfg)
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(e.srv.Close)
	return e
}

// sub returns the environment bound to a subtest, so failures stop the right test.
func (e *testEnv) sub(t *testing.T) *testEnv {
	copied := *e
	copied.t = t
	return &copied
}

// account creates an account and returns its token.
func (e *testEnv) account(name string, maxInstances int) string {
	e.t.Helper()
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	if _, err := e.store.CreateAccount(context.Background(), name, maxInstances, switchboard.HashToken(token)); err != nil {
		e.t.Fatal(err)
	}
	return token
}

// instance creates an instance through the API and returns its token.
func (e *testEnv) instance(accountToken, name string) string {
	e.t.Helper()
	res := e.do("POST", "/api/instance/new", accountToken, map[string]any{"name": name})
	res.wantStatus(http.StatusCreated)
	return res.str("instance.token")
}

// instanceRow reads an instance straight from the store.
func (e *testEnv) instanceRow(accountToken, name string) *switchboard.Instance {
	e.t.Helper()
	acc, err := e.store.AccountByTokenHash(context.Background(), switchboard.HashToken(accountToken))
	if err != nil {
		e.t.Fatal(err)
	}
	inst, err := e.store.InstanceByName(context.Background(), acc.ID, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return inst
}

type result struct {
	t      *testing.T
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request. body may be nil, a string (sent as is) or a value to marshal.
func (e *testEnv) do(method, path, token string, body any, headers ...string) *result {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, reader)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	checkOpenAPI(e.t, method, path, resp.StatusCode, resp.Header, raw)
	res := &result{t: e.t, status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && method != "HEAD" {
		if err := json.Unmarshal(raw, &res.body); err != nil {
			e.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return res
}

func (r *result) wantStatus(status int) *result {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.raw)
	}
	return r
}

// wantError checks the whole error envelope.
func (r *result) wantError(status int, message string, code switchboard.ErrorCode) *result {
	r.t.Helper()
	r.wantStatus(status)
	if got := r.get("success"); got != false {
		r.t.Fatalf("success = %v, want false; body: %s", got, r.raw)
	}
	if got := r.str("error.message"); got != message {
		r.t.Fatalf("error.message = %q, want %q", got, message)
	}
	if got := r.str("error.code"); got != string(code) {
		r.t.Fatalf("error.code = %q, want %q", got, code)
	}
	return r
}

// get walks a dotted path through the decoded body; numeric segments index arrays.
func (r *result) get(path string) any {
	r.t.Helper()
	var cur any = r.body
	for _, key := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[key]
			if !ok {
				return nil
			}
			cur = v
		case []any:
			i := 0
			for _, c := range key {
				i = i*10 + int(c-'0')
			}
			if i >= len(node) {
				return nil
			}
			cur = node[i]
		default:
			return nil
		}
	}
	return cur
}

func (r *result) str(path string) string {
	r.t.Helper()
	s, _ := r.get(path).(string)
	return s
}

func (r *result) has(path string) bool {
	r.t.Helper()
	_, ok := r.body[path]
	if strings.Contains(path, ".") {
		return r.get(path) != nil
	}
	return ok
}
