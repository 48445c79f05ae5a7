package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/amqpsink"
	"github.com/switchboard/switchboard/egress"
	"github.com/switchboard/switchboard/natssink"
	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/s3archive"
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
	publishers, err := a.openSinks(cfg)
	if err != nil {
		return err
	}
	a.outbox = outbox.New(outbox.Options{
		Publishers: publishers,
		Store:      a.store,
		Sender:     webhook.NewSender(client, "Switchboard/"+cfg.Version, cfg.BaseURL),
		Encode:     webhook.Encoder(cfg.BaseURL),
		Open:       open,
		Enrich:     a.eventEnricher(cfg),
		Schedule:   cfg.WebhookRetrySchedule,
		Retention:  cfg.EventRetention,
		Logger:     a.log.With("component", "outbox"),
		Metrics:    a.metrics,
	})
	if err := a.outbox.Start(ctx); err != nil {
		return fmt.Errorf("start webhook dispatchers: %w", err)
	}
	return nil
}

// openSinks builds the configured broker sinks. Neither dials here in a way that can fail
// start-up: a broker that is down only delays its own events (the outbox retries from the sink's
// cursor); a malformed URL is an error.
func (a *App) openSinks(cfg Config) ([]switchboard.EventPublisher, error) {
	var out []switchboard.EventPublisher
	name := "switchboard/" + cfg.Version
	if cfg.EventsNATSURL != "" {
		s, err := natssink.New(natssink.Options{URL: cfg.EventsNATSURL, Stream: cfg.EventsNATSStream, Name: name})
		if err != nil {
			return nil, fmt.Errorf("SWITCHBOARD_EVENTS_NATS_URL: %w", err)
		}
		out = append(out, s)
	}
	if cfg.EventsAMQPURL != "" {
		s, err := amqpsink.New(amqpsink.Options{URL: cfg.EventsAMQPURL, Exchange: cfg.EventsAMQPExchange, Name: name})
		if err != nil {
			for _, p := range out {
				_ = p.Close()
			}
			return nil, fmt.Errorf("SWITCHBOARD_EVENTS_AMQP_URL: %w", err)
		}
		out = append(out, s)
	}
	a.sinks = out
	return out, nil
}

// openMediaArchive builds the S3 uploader: each instance's bucket from the store, its secret
// key opened with the sealer (without one, uploads fail and say why), every endpoint dialled
// through egress's guard.
func openMediaArchive(st *store.Store, sealer *store.Sealer, allowPrivate bool) *s3archive.Archive {
	var open func([]byte, int64) ([]byte, error)
	if sealer != nil {
		open = sealer.Open
	}
	return s3archive.New(s3archive.Options{Configs: st, Open: open, AllowPrivate: allowPrivate})
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

// eventEnricher completes events at delivery time: attachments copied to the instance's own
// bucket when it has one (switchboard.MediaArchiver, media.s3Url), then linked, or inlined for
// receivers with mediaBase64 (switchboard.MediaInliner). Both read the file through one
// switchboard.SharedMedia, so an attachment is downloaded once for the bucket, every webhook and
// the WebSocket stream (and their early retries), not once per enricher per receiver.
func (a *App) eventEnricher(cfg Config) switchboard.EventEnricher {
	max := int64(cfg.EventMediaMax)
	if max <= 0 {
		max = switchboard.DefaultEventMediaMax
	}
	a.eventFiles = &switchboard.SharedMedia{
		Source:   switchboard.DirectMedia{Messages: a.store, Download: a.downloadEventMedia},
		MaxBytes: max,
	}
	log := a.log.With("component", "outbox")
	return switchboard.EnrichChain{
		&switchboard.MediaArchiver{
			Archive: a.media, Files: a.eventFiles,
			OnError: func(e switchboard.Event, err error) {
				log.Warn("event media not copied to the instance's S3 bucket", "event", e.ID, "err", err)
			},
		},
		&switchboard.MediaInliner{
			Files: a.eventFiles, MaxBytes: max, BaseURL: cfg.BaseURL,
			OnError: func(e switchboard.Event, err error) {
				log.Info("event media not inlined; the event carries its URL", "event", e.ID, "err", err)
			},
		},
	}
}

// downloadEventMedia fetches and decrypts an attachment through the instance's session. The
// session manager is read when a delivery needs it, since it is built after the outbox.
func (a *App) downloadEventMedia(ctx context.Context, instanceID int64, ref *switchboard.MediaRef) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, eventMediaTimeout)
	defer cancel()
	inst, err := a.store.InstanceByID(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	mc, err := a.sessions.Messages(inst)
	if err != nil {
		return nil, err
	}
	return mc.Download(ctx, ref)
}

// eventMediaTimeout bounds one attachment download for an event.
const eventMediaTimeout = time.Minute
