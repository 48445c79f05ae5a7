package whatsapp

import (
	"errors"
	"net/http"

	"go.mau.fi/whatsmeow"
)

// errConnectRefused marks a dial refused by Options.MayConnect.
var errConnectRefused = errors.New("whatsapp: this node may not connect the instance")

// gateConnects puts Options.MayConnect in front of the client's websockets (pairing and
// logged-in), so that no path of whatsmeow's, its automatic reconnects included, opens a
// connection for an instance this node does not surely own. base is the client's HTTP client
// (nil: whatsmeow's default). Media downloads are not gated: they open no session.
func (m *Manager) gateConnects(cli *whatsmeow.Client, instanceID int64, base *http.Client) {
	may := m.opts.MayConnect
	if may == nil {
		return
	}
	inner := http.DefaultTransport.(*http.Transport).Clone()
	var transport http.RoundTripper = inner
	if base != nil && base.Transport != nil {
		transport = base.Transport
	}
	gated := &http.Client{Transport: gatedTransport{inner: transport, allow: func() error { return may(instanceID) }}}
	if base != nil {
		gated.Timeout, gated.Jar, gated.CheckRedirect = base.Timeout, base.Jar, base.CheckRedirect
	}
	cli.SetPreLoginHTTPClient(gated)
	cli.SetWebsocketHTTPClient(gated)
	cli.AutoReconnectHook = func(err error) bool { return !errors.Is(err, errConnectRefused) }
}

type gatedTransport struct {
	inner http.RoundTripper
	allow func() error
}

func (g gatedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := g.allow(); err != nil {
		return nil, errors.Join(errConnectRefused, err)
	}
	return g.inner.RoundTrip(r)
}
