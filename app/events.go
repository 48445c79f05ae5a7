package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/webhook"
)

// openOutbox builds the event outbox and starts its dispatchers, which resume whatever the
// previous process left undelivered.
func (a *App) openOutbox(ctx context.Context, cfg Config) error {
	client := cfg.WebhookHTTPClient
	if client == nil {
		client = webhookClient(cfg.AllowPrivateWebhookURLs)
	}
	a.outbox = outbox.New(outbox.Options{
		Store:     a.store,
		Sender:    webhook.NewSender(client, "Switchboard/"+cfg.Version),
		Open:      cfg.OpenSealed,
		Schedule:  cfg.WebhookRetrySchedule,
		Retention: cfg.EventRetention,
		BaseURL:   cfg.BaseURL,
		Logger:    a.log.With("component", "outbox"),
	})
	if err := a.outbox.Start(ctx); err != nil {
		return fmt.Errorf("start webhook dispatchers: %w", err)
	}
	return nil
}

// webhookClient dials webhook receivers. Unless allowPrivate, every address it connects to (after
// DNS, so a public name pointing inside is caught too) must be public.
//
// This is the webhook side's stand-in for the shared SSRF-guarded client (package egress); app
// wiring passes that one in Config.WebhookHTTPClient once it exists, and this goes.
func webhookClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		dialer.Control = refuseNonPublic
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: webhook.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(addr) || netip.MustParsePrefix("64:ff9b::/96").Contains(addr) {
		return fmt.Errorf("refusing to connect to %s: not a public address", addr)
	}
	return nil
}
