package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/egress"
	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/webhook"
)

// openOutbox builds the event outbox and starts its dispatchers, which resume whatever the
// previous process left undelivered.
func (a *App) openOutbox(ctx context.Context, cfg Config, sealer *store.Sealer) error {
	client := cfg.WebhookHTTPClient
	if client == nil {
		client = webhookClient(cfg.AllowPrivateWebhookURLs)
	}
	var open func([]byte, int64) ([]byte, error)
	if sealer != nil {
		open = sealer.Open
	}
	a.outbox = outbox.New(outbox.Options{
		Store:     a.store,
		Sender:    webhook.NewSender(client, "Switchboard/"+cfg.Version, cfg.BaseURL),
		Encode:    webhook.Encoder(cfg.BaseURL),
		Open:      open,
		Schedule:  cfg.WebhookRetrySchedule,
		Retention: cfg.EventRetention,
		Logger:    a.log.With("component", "outbox"),
	})
	if err := a.outbox.Start(ctx); err != nil {
		return fmt.Errorf("start webhook dispatchers: %w", err)
	}
	return nil
}

// webhookClient dials webhook receivers through the shared guard: unless allowPrivate, every
// address it connects to (after DNS, so a public name pointing inside is caught too) must be
// public.
func webhookClient(allowPrivate bool) *http.Client {
	dialer := egress.NewDialer(allowPrivate, 10*time.Second)
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
