package whatsapp

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"go.mau.fi/whatsmeow"
	"golang.org/x/net/proxy"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/egress"
)

// configureTransport decides how a client reaches WhatsApp.
//
// Sandbox (Options.HTTPClient set): every connection goes to the simulator, whatever the
// instance's proxy says. The proxy is ignored with a warning rather than refused, so an
// integration that configures proxies can still be developed against the sandbox; dialling the
// proxy would defeat the sandbox's promise of never reaching the real WhatsApp.
//
// Proxy configured: one transport that can only dial through the proxy serves the websocket
// (before and after login) and media. whatsmeow's SetProxy/SetSOCKSProxy are not used: they
// clone http.DefaultTransport and, for SOCKS, keep its ProxyFromEnvironment, and they overwrite
// (and are overwritten by) the Set*HTTPClient calls; building the client here leaves no such
// ordering trap. A proxy that fails makes the connection fail (whatsmeow retries through the same
// proxy); nothing ever falls back to a direct connection. The proxy's address passes the egress
// guard at dial time (Options.AllowPrivateProxies lifts it).
//
// Neither: whatsmeow's default transport (which honours HTTPS_PROXY like any Go program).
func (m *Manager) configureTransport(cli *whatsmeow.Client, inst *switchboard.Instance, log *slog.Logger) error {
	var h *http.Client
	switch {
	case m.opts.HTTPClient != nil:
		if inst.Proxy.Enabled {
			log.Warn("instance proxy ignored: sandbox mode connects every instance to the simulator")
		}
		h = m.opts.HTTPClient
	case inst.Proxy.Enabled:
		var err error
		if h, err = m.proxyClient(inst.ID, inst.Proxy); err != nil {
			return err
		}
	default:
		m.gateConnects(cli, inst.ID, nil)
		return nil
	}
	cli.SetPreLoginHTTPClient(h)
	cli.SetWebsocketHTTPClient(h)
	cli.SetMediaHTTPClient(h)
	m.gateConnects(cli, inst.ID, h)
	return nil
}

// proxyDialTimeout bounds reaching the proxy itself.
const proxyDialTimeout = 30 * time.Second

// proxyClient builds an http.Client whose every connection goes through p, instance
// instanceID's proxy.
func (m *Manager) proxyClient(instanceID int64, p switchboard.Proxy) (*http.Client, error) {
	u, err := m.proxyURL(instanceID, p)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// The only address this dialer reaches is the proxy's (WhatsApp is dialled by the proxy),
	// and the guard checks it at dial time, after DNS: a proxy named by a host that resolves
	// inside is refused like an IP literal.
	dialer := egress.NewDialer(m.opts.AllowPrivateProxies, proxyDialTimeout)
	switch u.Scheme {
	case "http", "https":
		transport.Proxy = http.ProxyURL(u)
		transport.DialContext = dialer.DialContext
	case "socks5":
		d, err := proxy.FromURL(u, dialer)
		if err != nil {
			return nil, switchboard.Wrap(switchboard.CodeInvalid, "Invalid proxy configuration", err)
		}
		cd, ok := d.(proxy.ContextDialer)
		if !ok {
			return nil, switchboard.Errorf(switchboard.CodeInternal, "SOCKS dialer without context support")
		}
		transport.Proxy = nil // never chain an environment proxy behind the instance's own
		transport.DialContext = cd.DialContext
	}
	return &http.Client{Transport: transport}, nil
}

// proxyURL assembles the proxy address with its unsealed password. The URL holds a secret: it
// must never be logged or put in an error message.
func (m *Manager) proxyURL(instanceID int64, p switchboard.Proxy) (*url.URL, error) {
	switch p.Protocol {
	case "http", "https", "socks5":
	default:
		return nil, switchboard.Errorf(switchboard.CodeInvalid, "Unsupported proxy protocol %q (use http, https or socks5)", p.Protocol)
	}
	if p.Host == "" || p.Port == "" {
		return nil, switchboard.Errorf(switchboard.CodeInvalid, "Proxy host and port are required")
	}
	u := &url.URL{Scheme: p.Protocol, Host: net.JoinHostPort(p.Host, p.Port)}
	if p.Username != "" || len(p.PasswordSealed) > 0 {
		password := ""
		if len(p.PasswordSealed) > 0 {
			if m.opts.OpenProxy == nil {
				return nil, switchboard.Errorf(switchboard.CodeInternal, "Proxy password cannot be decrypted (no key configured: set SWITCHBOARD_SECRET_KEY)")
			}
			var err error
			if password, err = m.opts.OpenProxy(instanceID, p); err != nil {
				// Wrapped, so the cause reaches the logs but not the API client.
				return nil, switchboard.Wrap(switchboard.CodeInternal, "Proxy password cannot be decrypted", err)
			}
		}
		u.User = url.UserPassword(p.Username, password)
	}
	return u, nil
}
