package wasim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// HTTPClient returns an http.Client that sends every request, whatever its
// URL, to this simulator in plain TCP. Give it to a whatsmeow client with
// both SetWebsocketHTTPClient and SetPreLoginHTTPClient (one is used before
// pairing, the other after; client.go unlockedConnect), and after any
// SetProxy call, which would overwrite them. The server must be listening.
func (s *Server) HTTPClient() *http.Client { return HTTPClientFor(s.Addr()) }

// HTTPClientFor is HTTPClient for a standalone simulator at addr
// ("host:port"). whatsmeow dials the fixed wss://web.whatsapp.com/ws/chat;
// net/http treats a connection returned by DialTLSContext as already past
// TLS, so it speaks HTTP/1.1 (and the websocket upgrade) over plain TCP.
func HTTPClientFor(addr string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	}
	return &http.Client{Transport: &http.Transport{
		DialContext:         dial,
		DialTLSContext:      dial,
		ForceAttemptHTTP2:   false,
		MaxIdleConns:        10,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
	}}
}

// FetchRootKey reads the root public key of a standalone simulator
// (GET baseURL/wasim/root-key), for a process that must call
// InstallTrustRoot before connecting its clients.
func FetchRootKey(ctx context.Context, baseURL string) ([32]byte, error) {
	var key [32]byte
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/wasim/root-key", nil)
	if err != nil {
		return key, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return key, fmt.Errorf("wasim: fetch root key: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return key, fmt.Errorf("wasim: fetch root key: HTTP %d", resp.StatusCode)
	}
	var body struct {
		RootKey string `json:"rootKey"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return key, fmt.Errorf("wasim: decode root key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(body.RootKey)
	if err != nil || len(raw) != 32 {
		return key, fmt.Errorf("wasim: malformed root key")
	}
	return [32]byte(raw), nil
}
