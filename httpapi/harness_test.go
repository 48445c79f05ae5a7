package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/internal/testkit"
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

// lockedBuffer collects the server's logs from many goroutines.
type lockedBuffer = testkit.LockedBuffer

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
	res.Want(http.StatusCreated)
	return res.Str("instance.token")
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

// result is one answer (internal/testkit's Response, shared with the end-to-end harness).
type result = testkit.Response

// do sends a request. body may be nil, a string (sent as is) or a value to marshal; headers are
// name, value pairs.
func (e *testEnv) do(method, path, token string, body any, headers ...string) *result {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, testkit.Body(e.t, body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return testkit.Send(e.t, e.srv.Client(), req, openAPI(e.t))
}
