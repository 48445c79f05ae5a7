package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// The proxy tests run the gateway in production mode (no simulator): whatsmeow then dials real
// WhatsApp through the instance's proxy. WhatsApp itself is never reached: the proxies here are
// loopback listeners of the test, which record what the gateway sent them and answer like an
// internal service would. Whether a listener is dialled at all is what the guard decides.

const internalBanner = "secret-banner-of-internal-host"

// internalService is a loopback listener standing for a host inside the gateway's network: it
// records the request head of every connection and answers with a status line carrying its
// banner, as the reproduction did.
type internalService struct {
	ln    net.Listener
	mu    sync.Mutex
	heads []string
	wg    sync.WaitGroup
}

func newInternalService(t *testing.T) *internalService {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &internalService{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { _ = ln.Close(); s.wg.Wait() })
	return s
}

func (s *internalService) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		var head []string
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			line = strings.TrimRight(line, "\r\n")
			if err != nil || line == "" {
				break
			}
			head = append(head, line)
		}
		s.mu.Lock()
		s.heads = append(s.heads, strings.Join(head, "\n"))
		s.mu.Unlock()
		_, _ = io.WriteString(conn, "HTTP/1.1 "+internalBanner+"\r\n\r\n")
		_ = conn.Close()
	}
}

func (s *internalService) port() string {
	_, port, _ := net.SplitHostPort(s.ln.Addr().String())
	return port
}

func (s *internalService) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.heads...)
}

// productionGateway starts the gateway without the simulator, with a sealing key, and applies
// configure on top.
func productionGateway(t *testing.T, configure ...func(*app.Config)) *apptest.Env {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Start(t, storetest.SQLiteDSN(t), append([]func(*app.Config){func(c *app.Config) {
		c.Sandbox, c.SandboxRoot, c.Sealer = false, nil, sealer
	}}, configure...)...)
}

// answers collects every raw answer of a test, to check that none ever carries the banner.
type answers struct{ raw [][]byte }

func (a *answers) keep(r *apptest.Response) *apptest.Response {
	a.raw = append(a.raw, r.Raw)
	return r
}

func (a *answers) mustNotContain(t *testing.T, s string) {
	t.Helper()
	for _, raw := range a.raw {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("an API answer carries %q: %s", s, raw)
		}
	}
}

func proxyBody(port, password string) map[string]any {
	body := map[string]any{"enabled": true, "host": "127.0.0.1", "port": port, "protocol": "http", "username": "acct"}
	if password != "" {
		body["password"] = password
	}
	return body
}

func TestProxyOnAnInternalAddressIsNeverDialled(t *testing.T) {
	e := productionGateway(t)
	svc := newInternalService(t)
	acc := e.Account("acme")
	var seen answers
	for _, protocol := range []string{"http", "socks5"} {
		name := "guarded-" + protocol
		seen.keep(e.Do("POST", "/api/instance/new", acc, map[string]any{
			"name": name, "proxyEnabled": true, "proxyHost": "127.0.0.1", "proxyPort": svc.port(),
			"proxyProtocol": protocol, "proxyUsername": "acct", "proxyPassword": "hunter2",
		}).Want(http.StatusCreated))
		// A name that resolves to loopback is refused like the literal: the check runs on the
		// address dialled, after DNS.
		for _, host := range []string{"127.0.0.1", "localhost"} {
			body := proxyBody(svc.port(), "hunter2")
			body["host"], body["protocol"] = host, protocol
			seen.keep(e.Do("POST", "/api/instance/proxy/"+name, acc, body).Want(http.StatusOK))
			seen.keep(e.Do("GET", "/api/instance/connect/"+name, acc, nil).WantError(http.StatusBadRequest,
				"Proxy refused: its address is loopback, private or link-local (the operator can allow such proxies with SWITCHBOARD_ALLOW_PRIVATE_PROXIES=1)"))
			seen.keep(e.Do("GET", "/api/instance/list?instanceName="+name, acc, nil).Want(http.StatusOK))
		}
	}
	if reqs := svc.requests(); len(reqs) != 0 {
		t.Fatalf("the gateway connected to the internal service: %q", reqs)
	}
	seen.mustNotContain(t, internalBanner)
}

func TestProxyFailureNeverEchoesWhatAnswered(t *testing.T) {
	// The operator allowed private proxies, so the gateway does dial the service: the client
	// must still learn nothing of what answered.
	e := productionGateway(t, func(c *app.Config) { c.AllowPrivateProxies = true })
	svc := newInternalService(t)
	acc := e.Account("acme")
	inst := e.Instance(acc, "probe")
	var seen answers
	seen.keep(e.Do("POST", "/api/instance/proxy/probe", acc, proxyBody(svc.port(), "")).Want(http.StatusOK))
	seen.keep(e.Do("GET", "/api/instance/connect/probe", inst, nil).WantError(http.StatusInternalServerError, "Failed to connect to WhatsApp"))
	if len(svc.requests()) == 0 {
		t.Fatal("the service was never dialled: the test proves nothing")
	}
	seen.mustNotContain(t, internalBanner)
	// The detail is for the operator, in the log line that carries the request id.
	if logs := e.Logs.String(); !strings.Contains(logs, internalBanner) || !strings.Contains(logs, `"request_id"`) {
		t.Fatalf("the cause is missing from the log:\n%s", logs)
	}
}

func TestProxyPasswordIsNotSentToANewPort(t *testing.T) {
	e := productionGateway(t, func(c *app.Config) { c.AllowPrivateProxies = true })
	first, second := newInternalService(t), newInternalService(t)
	acc := e.Account("acme")
	e.Instance(acc, "moved")
	credential := "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("acct:hunter2"))

	e.Do("POST", "/api/instance/proxy/moved", acc, proxyBody(first.port(), "hunter2")).Want(http.StatusOK)
	e.Do("GET", "/api/instance/connect/moved", acc, nil).Want(http.StatusInternalServerError)
	if reqs := first.requests(); len(reqs) == 0 || !strings.Contains(reqs[0], credential) {
		t.Fatalf("the first proxy did not get the credential (the test would prove nothing): %q", reqs)
	}

	// Only the port changes, without a password: the stored one must not follow.
	res := e.Do("POST", "/api/instance/proxy/moved", acc, proxyBody(second.port(), "")).Want(http.StatusOK)
	if res.Get("proxy.hasPassword") != false {
		t.Fatalf("the password was kept for another port: %s", res.Raw)
	}
	e.Do("GET", "/api/instance/connect/moved", acc, nil).Want(http.StatusInternalServerError)
	reqs := second.requests()
	if len(reqs) == 0 {
		t.Fatal("the second proxy was never dialled: the test proves nothing")
	}
	for _, head := range reqs {
		if strings.Contains(head, credential) {
			t.Fatalf("the old credential reached the new port:\n%s", head)
		}
	}
}

func TestInstanceTokenCannotChangeTheProxy(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("acme")
	inst := e.Instance(acc, "mine")
	e.Do("POST", "/api/instance/proxy/mine", acc, map[string]any{
		"enabled": true, "host": "proxy.example.com", "port": "3128", "protocol": "http",
	}).Want(http.StatusOK)

	e.Do("POST", "/api/instance/proxy/mine", inst, map[string]any{
		"enabled": true, "host": "10.0.0.1", "port": "22", "protocol": "http",
	}).WantError(http.StatusForbidden, "Only an account token can change an instance's proxy")
	e.Do("POST", "/api/instance/proxy/mine", inst, map[string]any{"enabled": false}).
		WantError(http.StatusForbidden, "Only an account token can change an instance's proxy")

	// Reading stays open to the instance token, and shows the account's proxy unchanged.
	res := e.Do("GET", "/api/instance/getProxy/mine", inst, nil).Want(http.StatusOK)
	if res.Str("proxy.host") != "proxy.example.com" || res.Str("proxy.port") != "3128" {
		t.Fatalf("proxy after the refused changes: %s", res.Raw)
	}
}

func TestProxyPasswordWithoutAKeyCreatesNothing(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.Sandbox, c.SandboxRoot, c.Sealer = false, nil, nil
	})
	acc := e.Account("acme")
	e.Do("POST", "/api/instance/new", acc, map[string]any{
		"name": "px", "proxyEnabled": true, "proxyHost": "proxy.example.com", "proxyPort": 3128,
		"proxyProtocol": "http", "proxyUsername": "u", "proxyPassword": "pw",
	}).WantError(http.StatusBadRequest, "proxyPassword cannot be stored: this server has no encryption key (the operator must set SWITCHBOARD_SECRET_KEY)")
	if list := e.Do("GET", "/api/instance/list", acc, nil).Want(http.StatusOK).List("instances"); len(list) != 0 {
		t.Fatalf("a refused create left instances behind: %v", list)
	}
	got, err := e.App.Store().ListInstances(context.Background(), 1)
	if err != nil || len(got) != 0 {
		t.Fatalf("rows after a refused create: %v %v", got, err)
	}
}

func TestSandboxSealsProxyPasswordsWithItsOwnKey(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t)) // sandbox mode, no SWITCHBOARD_SECRET_KEY
	acc := e.Account("acme")
	// The README's proxy example, as it is.
	res := e.Do("POST", "/api/instance/new", acc, map[string]any{
		"name": "proxied", "proxyEnabled": true, "proxyHost": "proxy.example.com", "proxyPort": "1080",
		"proxyProtocol": "socks5", "proxyUsername": "user", "proxyPassword": "secret",
	}).Want(http.StatusCreated)
	if res.Get("instance.proxy.hasPassword") != true || bytes.Contains(res.Raw, []byte(`"secret"`)) {
		t.Fatalf("create: %s", res.Raw)
	}
	e.Restart() // the key lives in the database, so a restart still opens what it sealed
	ctx := context.Background()
	key, err := e.App.Store().SandboxSealingKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	insts, err := e.App.Store().ListInstances(ctx, 1)
	if err != nil || len(insts) != 1 {
		t.Fatalf("instances: %v %v", insts, err)
	}
	plain, err := sealer.Open(insts[0].Proxy.PasswordSealed, insts[0].ID)
	if err != nil || string(plain) != "secret" {
		t.Fatalf("the stored password does not open under the sandbox key: %q %v", plain, err)
	}
	// The instance pairs in the sandbox: its proxy is ignored there, the password is not in the way.
	e.Pair(acc, "proxied", "")
}
