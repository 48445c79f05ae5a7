package whatsapp

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
)

// fakeProxy accepts connections on loopback, records the first bytes a client sends and then
// refuses, like a proxy that cannot reach WhatsApp.
type fakeProxy struct {
	ln   net.Listener
	mu   sync.Mutex
	seen []string
	wg   sync.WaitGroup
}

// answer reads what the client sent, passes it to record before replying (so that the test sees
// it as soon as the client has the reply), and replies.
func newFakeProxy(t *testing.T, answer func(conn net.Conn, r *bufio.Reader, record func(string))) *fakeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProxy{ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			answer(conn, bufio.NewReader(conn), p.record)
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

func (p *fakeProxy) record(s string) {
	p.mu.Lock()
	p.seen = append(p.seen, s)
	p.mu.Unlock()
}

func (p *fakeProxy) port() string {
	_, port, _ := net.SplitHostPort(p.ln.Addr().String())
	return port
}

func (p *fakeProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// httpProxyRefusing reads a CONNECT request (and its Proxy-Authorization) and answers 502.
func httpProxyRefusing(conn net.Conn, r *bufio.Reader, record func(string)) {
	var lines []string
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if err != nil || line == "" {
			break
		}
		lines = append(lines, line)
	}
	record(strings.Join(lines, "\n"))
	_, _ = io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
}

// socksRefusing reads the SOCKS5 greeting and closes.
func socksRefusing(_ net.Conn, r *bufio.Reader, record func(string)) {
	b := make([]byte, 2)
	if _, err := io.ReadFull(r, b); err != nil {
		record("")
		return
	}
	record(string(rune('0' + b[0]))) // "5" for SOCKS5
}

func proxyInstance(e *env, name, protocol, port string) *switchboard.Instance {
	inst := e.instance(name)
	p := switchboard.Proxy{Enabled: true, Protocol: protocol, Host: "127.0.0.1", Port: port, Username: "user", PasswordSealed: []byte("sealed")}
	if err := e.store.SetProxy(ctxT(e.t), inst.ID, p); err != nil {
		e.t.Fatal(err)
	}
	return e.row(inst)
}

// withoutSandbox is a production-mode manager: no simulator transport, proxy passwords unsealed
// by a stub, and the test's loopback proxies allowed.
func withoutSandbox(o *Options) {
	o.HTTPClient = nil
	o.OpenProxy = func(_ int64, p switchboard.Proxy) (string, error) { return "s3cret", nil }
	o.AllowPrivateProxies = true
}

// guarded is withoutSandbox with the default address guard.
func guarded(o *Options) {
	withoutSandbox(o)
	o.AllowPrivateProxies = false
}

// bannerProxy answers every connection with the status line of an internal service.
func bannerProxy(conn net.Conn, r *bufio.Reader, record func(string)) {
	record("dialled")
	_, _ = io.WriteString(conn, "HTTP/1.1 secret-banner-of-internal-host\r\n\r\n")
}

func TestProxyOnAPrivateAddressIsNeverDialled(t *testing.T) {
	e := newEnv(t)
	for _, protocol := range []string{"http", "socks5"} {
		proxy := newFakeProxy(t, bannerProxy)
		m := e.manager(guarded)
		inst := proxyInstance(e, "guarded-"+protocol, protocol, proxy.port())
		_, err := m.Connect(ctxT(t), inst, "")
		if !switchboard.IsCode(err, switchboard.CodeInvalid) || switchboard.ErrorMessageOf(err) != msgProxyRefused {
			t.Fatalf("%s: Connect through a loopback proxy: %v, want %q", protocol, err, msgProxyRefused)
		}
		if reqs := proxy.requests(); len(reqs) != 0 {
			t.Fatalf("%s: the guarded manager dialled the loopback proxy: %q", protocol, reqs)
		}
	}
}

func TestProxyFailureDoesNotEchoWhatAnswered(t *testing.T) {
	e := newEnv(t)
	proxy := newFakeProxy(t, bannerProxy)
	m := e.manager(withoutSandbox)
	inst := proxyInstance(e, "banner", "http", proxy.port())
	_, err := m.Connect(ctxT(t), inst, "")
	if msg := switchboard.ErrorMessageOf(err); msg != msgConnectFailed {
		t.Fatalf("client message %q, want %q", msg, msgConnectFailed)
	}
	if !strings.Contains(err.Error(), "secret-banner") {
		t.Fatalf("the cause should stay wrapped for the log: %v", err)
	}
	if reqs := proxy.requests(); len(reqs) == 0 {
		t.Fatal("the proxy was never dialled: the test proves nothing")
	}
}

func TestHTTPProxyIsUsedAndNeverBypassed(t *testing.T) {
	e := newEnv(t)
	proxy := newFakeProxy(t, httpProxyRefusing)
	m := e.manager(withoutSandbox)
	inst := proxyInstance(e, "http-proxied", "http", proxy.port())

	_, err := m.Connect(ctxT(t), inst, "")
	if err == nil {
		t.Fatal("Connect through a refusing proxy succeeded")
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(switchboard.ErrorMessageOf(err), "s3cret") {
		t.Fatalf("the proxy password leaked into the error: %v", err)
	}
	reqs := proxy.requests()
	if len(reqs) == 0 || !strings.HasPrefix(reqs[0], "CONNECT web.whatsapp.com:443") {
		t.Fatalf("proxy saw %q, want a CONNECT to WhatsApp", reqs)
	}
	if !strings.Contains(reqs[0], "Proxy-Authorization: Basic ") {
		t.Fatalf("no proxy credentials sent: %q", reqs[0])
	}
	if st := m.Status(e.row(inst)); st.State != switchboard.StateDisconnected {
		t.Fatalf("status after a failed connect: %+v", st)
	}
}

func TestSOCKSProxyIsUsed(t *testing.T) {
	e := newEnv(t)
	proxy := newFakeProxy(t, socksRefusing)
	m := e.manager(withoutSandbox)
	inst := proxyInstance(e, "socks-proxied", "socks5", proxy.port())

	if _, err := m.Connect(ctxT(t), inst, ""); err == nil {
		t.Fatal("Connect through a refusing SOCKS proxy succeeded")
	}
	if reqs := proxy.requests(); len(reqs) == 0 || reqs[0] != "5" {
		t.Fatalf("proxy saw %q, want a SOCKS5 greeting", reqs)
	}
}

func TestProxyIgnoredInSandbox(t *testing.T) {
	e := newEnv(t)
	proxy := newFakeProxy(t, httpProxyRefusing)
	m := e.manager()
	inst := proxyInstance(e, "sandboxed", "http", proxy.port())
	e.pairQR(m, inst, "5511400001111")
	if reqs := proxy.requests(); len(reqs) != 0 {
		t.Fatalf("sandbox mode dialled the instance proxy: %q", reqs)
	}
}

func TestProxyConfigurationErrors(t *testing.T) {
	m := &Manager{}
	base := switchboard.Proxy{Enabled: true, Protocol: "http", Host: "proxy.example", Port: "3128"}

	bad := base
	bad.Protocol = "ftp"
	if _, err := m.proxyURL(1, bad); !switchboard.IsCode(err, switchboard.CodeInvalid) {
		t.Fatalf("unknown protocol: %v", err)
	}
	noPort := base
	noPort.Port = ""
	if _, err := m.proxyURL(1, noPort); !switchboard.IsCode(err, switchboard.CodeInvalid) {
		t.Fatalf("missing port: %v", err)
	}
	sealed := base
	sealed.Username, sealed.PasswordSealed = "u", []byte{1}
	if _, err := m.proxyURL(1, sealed); !switchboard.IsCode(err, switchboard.CodeInternal) {
		t.Fatalf("sealed password without a key: %v", err)
	}
	m.opts.OpenProxy = func(int64, switchboard.Proxy) (string, error) { return "", errors.New("bad tag for s3cret") }
	if _, err := m.proxyURL(1, sealed); switchboard.ErrorMessageOf(err) != "Proxy password cannot be decrypted" {
		t.Fatalf("unseal failure: %v", err)
	}
	m.opts.OpenProxy = func(int64, switchboard.Proxy) (string, error) { return "p@ss:word", nil }
	u, err := m.proxyURL(1, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); pw != "p@ss:word" || u.User.Username() != "u" || u.Host != "proxy.example:3128" {
		t.Fatalf("proxy url %s", u.Redacted())
	}
	v6 := base
	v6.Host = "::1"
	if u, err := m.proxyURL(1, v6); err != nil || u.Host != "[::1]:3128" {
		t.Fatalf("IPv6 host: %v %v", u, err)
	}
}
