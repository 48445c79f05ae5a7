// Package outbox turns stored events into webhook deliveries. Producers call Emit, which returns
// once the event and its delivery rows are committed (store.AppendEvent); one dispatcher per
// enabled webhook then delivers them: in sequence order while the receiver answers 2xx, a head
// event that keeps failing moved aside to a retry lane so it cannot stall the rest, every
// attempt's outcome written back before the next. Everything is read from the database, so a
// restart resumes exactly where the previous process stopped (an attempt cut short is made again,
// with the same webhook-id, so receivers can drop the duplicate).
package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard"
)

// Store is what the outbox needs from the database (package store implements it).
type Store interface {
	AppendEvent(ctx context.Context, e switchboard.Event) (switchboard.Event, bool, error)
	EnabledWebhooks(ctx context.Context) ([]*switchboard.Webhook, error)
	NextDelivery(ctx context.Context, webhookID int64, at time.Time) (*switchboard.PendingDelivery, time.Time, error)
	RecordAttempt(ctx context.Context, webhookID int64, eventID string, a switchboard.DeliveryAttempt) error
	DisableWebhook(ctx context.Context, webhookID int64, reason string) error
	// PurgeEvents keeps, besides what webhooks wait for, what the sinks named in keepFor have
	// not published.
	PurgeEvents(ctx context.Context, olderThan time.Time, keepFor ...string) (int, error)
	ClaimDelivery(ctx context.Context, webhookID int64, eventID string, at, until time.Time) (bool, error)
}

// Defaults for the zero values of Options.
const (
	DefaultHeadAttempts  = 3
	DefaultMaxConcurrent = 64
	// pollInterval bounds how long a dispatcher sleeps without a wake-up: a safety net, since
	// every commit in this process wakes the dispatchers concerned.
	pollInterval = 30 * time.Second
	// claimTTL is how long a claimed attempt keeps the other processes away from its delivery:
	// longer than one attempt (webhook.Timeout, 15 s) with room to record it. It is also how long
	// a delivery waits when the process attempting it is killed.
	claimTTL = 45 * time.Second
)

// Options configure an Outbox.
type Options struct {
	Store Store
	// Sender makes the delivery attempts (package webhook, wired by app).
	Sender switchboard.WebhookSender
	// Encode builds the envelope of a WebSocket frame (package webhook's, wired by app).
	Encode func(e switchboard.Event, instance string) ([]byte, error)
	// Open unseals a webhook's signing secret and Authorization value; nil when the server has
	// no SWITCHBOARD_SECRET_KEY (deliveries of webhooks with sealed values then fail, logged).
	// Values are sealed for their instance (store.Sealer binds each to an instance id).
	Open func(sealed []byte, instanceID int64) ([]byte, error)
	// Enrich completes an event's data before each attempt, outside WhatsApp's handler (media
	// inlined or linked; an S3 upload); nil sends the data as stored.
	Enrich switchboard.EventEnricher
	// Schedule is the delay before each attempt (DefaultSchedule when empty).
	Schedule []time.Duration
	// HeadAttempts is how many attempts an event makes at the head of the ordered lane before
	// it moves to the retry lane (DefaultHeadAttempts).
	HeadAttempts int
	// MaxConcurrent bounds the attempts in flight over all webhooks (one per webhook always).
	MaxConcurrent int
	// Retention is how long events are kept once no webhook waits for them; 0 keeps them.
	Retention time.Duration
	// Publishers are the server-wide broker sinks (natssink, amqpsink, wired by app): each gets
	// every event, in per-instance order, from a durable cursor of its own (sink.go). The Store
	// must then also implement SinkStore.
	Publishers []switchboard.EventPublisher
	// Metrics receives the broker sinks' counters; nil counts without exposing.
	Metrics prometheus.Registerer
	// SinkRetryMax caps the backoff of a sink whose broker fails (DefaultSinkRetryMax).
	SinkRetryMax time.Duration
	Logger       *slog.Logger
}

// Outbox is the EventSink of the gateway and the owner of the webhook dispatchers.
type Outbox struct {
	o     Options
	log   *slog.Logger
	slots chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	workers map[int64]*worker // by webhook id
	closed  bool

	hub   hub           // live WebSocket subscribers (stream.go)
	sinks []*sinkRunner // broker sinks (sink.go)
}

var _ switchboard.EventSink = (*Outbox)(nil)

// New builds an Outbox; Start runs its dispatchers.
func New(o Options) *Outbox {
	if len(o.Schedule) == 0 {
		o.Schedule = DefaultSchedule
	}
	if o.HeadAttempts <= 0 {
		o.HeadAttempts = DefaultHeadAttempts
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Outbox{
		o: o, log: o.Logger, slots: make(chan struct{}, o.MaxConcurrent),
		ctx: ctx, cancel: cancel, workers: map[int64]*worker{},
	}
}

// Start starts a dispatcher for every enabled webhook (resuming whatever a previous process left
// undelivered) and the retention purge.
func (ob *Outbox) Start(ctx context.Context) error {
	if err := ob.WebhooksChanged(ctx); err != nil {
		return err
	}
	if ob.o.Retention > 0 {
		ob.goTracked(ob.purgeLoop)
	}
	ob.goTracked(ob.syncLoop)
	return ob.startSinks()
}

// syncLoop re-reads the enabled webhooks every poll interval, so dispatchers follow changes this
// process was not told about (an instance deleted with its webhooks, another process's writes).
func (ob *Outbox) syncLoop() {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ob.ctx.Done():
			return
		case <-t.C:
		}
		if err := ob.WebhooksChanged(ob.ctx); err != nil && ob.ctx.Err() == nil {
			ob.log.Warn("re-reading webhooks", "err", err)
		}
	}
}

// Emit stores e (see store.AppendEvent) and wakes the dispatchers that may now have work. A
// duplicate dedupe key returns the stored event and wakes nobody.
func (ob *Outbox) Emit(ctx context.Context, e switchboard.Event) (switchboard.Event, error) {
	stored, created, err := ob.o.Store.AppendEvent(ctx, e)
	if err != nil {
		return stored, err
	}
	if created {
		ob.wake(stored.InstanceID)
		ob.pokeSinks()
		ob.publish(ctx, stored)
	}
	return stored, nil
}

// Wake tells the dispatchers of an instance to look for work (after a redelivery request).
func (ob *Outbox) Wake(instanceID int64) { ob.wake(instanceID) }

func (ob *Outbox) wake(instanceID int64) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, w := range ob.workers {
		if w.hook.InstanceID == instanceID {
			w.poke()
		}
	}
}

// WebhooksChanged re-reads the enabled webhooks: dispatchers of removed or disabled ones stop,
// new ones start, and one whose configuration changed restarts with it.
func (ob *Outbox) WebhooksChanged(ctx context.Context) error {
	hooks, err := ob.o.Store.EnabledWebhooks(ctx)
	if err != nil {
		return err
	}
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.closed {
		return nil
	}
	keep := map[int64]bool{}
	for _, h := range hooks {
		keep[h.ID] = true
		if w, ok := ob.workers[h.ID]; ok {
			if w.hook.UpdatedAt.Equal(h.UpdatedAt) {
				continue
			}
			w.stop()
		}
		w := newWorker(ob, h)
		ob.workers[h.ID] = w
		ob.goTracked(w.run)
	}
	for id, w := range ob.workers {
		if !keep[id] {
			w.stop()
			delete(ob.workers, id)
		}
	}
	return nil
}

// forget drops a worker that stopped itself (its webhook was disabled by a 410).
func (ob *Outbox) forget(w *worker) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.workers[w.hook.ID] == w {
		delete(ob.workers, w.hook.ID)
	}
}

func (ob *Outbox) goTracked(f func()) {
	ob.wg.Add(1)
	go func() {
		defer ob.wg.Done()
		f()
	}()
}

// Close stops every dispatcher and waits for attempts in flight to end (they are cancelled; an
// attempt cut short is made again after the next start).
func (ob *Outbox) Close() {
	ob.mu.Lock()
	ob.closed = true
	for _, w := range ob.workers {
		w.stop()
	}
	ob.mu.Unlock()
	ob.cancel()
	ob.wg.Wait()
}

// purgeLoop deletes, every hour, the events older than the retention that no webhook waits for.
func (ob *Outbox) purgeLoop() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := ob.o.Store.PurgeEvents(ob.ctx, time.Now().Add(-ob.o.Retention), ob.sinkNames()...)
		switch {
		case err != nil && ob.ctx.Err() == nil:
			ob.log.Warn("purging old events", "err", err)
		case n > 0:
			ob.log.Info("purged old events", "count", n)
		}
		select {
		case <-ob.ctx.Done():
			return
		case <-t.C:
		}
	}
}
