package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboard/switchboard"
)

// worker is the dispatcher of one enabled webhook: one attempt at a time, so the receiver sees
// events in order while it is healthy. Every process on the database runs one per webhook (the
// nodes of a cluster); each attempt is claimed first (store.ClaimDelivery), so exactly one of
// them makes it, and the ordered lane's head is attempted by one process at a time.
type worker struct {
	ob     *Outbox
	hook   *switchboard.Webhook
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wakeC  chan struct{}
}

func newWorker(ob *Outbox, h *switchboard.Webhook) *worker {
	ctx, cancel := context.WithCancel(ob.ctx)
	return &worker{
		ob: ob, hook: h, ctx: ctx, cancel: cancel, wakeC: make(chan struct{}, 1),
		log: ob.log.With("webhook_id", h.ID, "webhook_label", h.Label, "instance_id", h.InstanceID),
	}
}

func (w *worker) poke() {
	select {
	case w.wakeC <- struct{}{}:
	default:
	}
}

func (w *worker) stop() { w.cancel() }

func (w *worker) run() {
	target, err := w.target()
	if err != nil {
		// Without the secret nothing can be signed; the rows wait until the configuration is
		// fixed (a new key or a rotated secret restarts this dispatcher).
		w.log.Error("webhook cannot be delivered", "err", err)
		return
	}
	for w.ctx.Err() == nil {
		d, wakeAt, err := w.ob.o.Store.NextDelivery(w.ctx, w.hook.ID, time.Now())
		if err != nil {
			if w.ctx.Err() == nil {
				w.log.Warn("reading the next delivery", "err", err)
			}
			w.sleep(time.Now().Add(time.Second))
			continue
		}
		if d == nil {
			w.sleep(wakeAt)
			continue
		}
		now := time.Now()
		claimed, err := w.ob.o.Store.ClaimDelivery(w.ctx, w.hook.ID, d.ID, now, now.Add(claimTTL))
		if err != nil {
			if w.ctx.Err() == nil {
				w.log.Warn("claiming a delivery", "err", err)
			}
			w.sleep(time.Now().Add(time.Second))
			continue
		}
		if !claimed {
			continue // another process makes this attempt; the next read sees it not due
		}
		if !w.attempt(target, d) {
			return
		}
	}
}

// sleep waits until at (zero: the poll interval), a wake-up or the end.
func (w *worker) sleep(at time.Time) {
	wait := pollInterval
	if !at.IsZero() {
		wait = min(time.Until(at), pollInterval)
	}
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ctx.Done():
	case <-w.wakeC:
	case <-t.C:
	}
}

// target opens the webhook's sealed values.
func (w *worker) target() (switchboard.WebhookTarget, error) {
	t := switchboard.WebhookTarget{URL: w.hook.URL, ByEvents: w.hook.ByEvents}
	open := func(sealed []byte) (string, error) {
		if sealed == nil {
			return "", nil
		}
		if w.ob.o.Open == nil {
			return "", errors.New("the server has no SWITCHBOARD_SECRET_KEY to open it")
		}
		plain, err := w.ob.o.Open(sealed, w.hook.InstanceID)
		return string(plain), err
	}
	var err error
	if t.Secret, err = open(w.hook.SecretSealed); err != nil {
		return t, fmt.Errorf("signing secret: %w", err)
	}
	if t.Secret == "" {
		return t, errors.New("the webhook has no signing secret")
	}
	if t.Authorization, err = open(w.hook.AuthorizationSealed); err != nil {
		return t, fmt.Errorf("authorization: %w", err)
	}
	return t, nil
}

// attempt makes one attempt and records it; false means the webhook was disabled (410) and the
// dispatcher ends.
func (w *worker) attempt(target switchboard.WebhookTarget, d *switchboard.PendingDelivery) bool {
	ev := d.Event
	if w.ob.o.Enrich != nil {
		// Before taking a slot: a media download must not hold one of the shared attempts.
		ev.Data = w.ob.o.Enrich.Enrich(w.ctx, ev, d.InstanceName, w.hook.MediaBase64)
	}
	select {
	case w.ob.slots <- struct{}{}:
	case <-w.ctx.Done():
		return true
	}
	res := w.ob.o.Sender.Send(w.ctx, target, ev, d.InstanceName)
	<-w.ob.slots
	if w.ctx.Err() != nil {
		// Stopped mid-attempt (shutdown or a configuration change): not the receiver's failure.
		// The row is still waiting, so the next dispatcher makes the attempt again.
		return true
	}
	at := time.Now()
	rec := switchboard.DeliveryAttempt{HTTPStatus: res.Status, Latency: res.Latency, At: at, NextAt: at}
	if res.Err != nil {
		rec.Error = res.Err.Error()
	} else if !res.OK() {
		rec.Error = fmt.Sprintf("receiver answered %d %s", res.Status, http.StatusText(res.Status))
	}
	attempts := d.Attempts + 1
	schedule := w.ob.o.Schedule
	gone := res.Err == nil && res.Status == http.StatusGone
	switch {
	case res.OK():
		rec.Status = switchboard.DeliveryDelivered
	case gone || attempts >= len(schedule):
		rec.Status = switchboard.DeliveryDead
	case d.Status == switchboard.DeliveryPending && attempts < w.ob.o.HeadAttempts:
		rec.Status, rec.NextAt = switchboard.DeliveryPending, nextAttempt(at, schedule[attempts], res.RetryAfter)
	default:
		rec.Status, rec.NextAt = switchboard.DeliveryRetrying, nextAttempt(at, schedule[attempts], res.RetryAfter)
	}
	if err := w.ob.o.Store.RecordAttempt(w.ctx, w.hook.ID, d.ID, rec); err != nil {
		// The attempt is lost from the log, not the event: the row still waits and is retried.
		w.log.Warn("recording a delivery attempt", "event_id", d.ID, "err", err)
		w.sleep(time.Now().Add(time.Second))
		return true
	}
	if rec.Status == switchboard.DeliveryDead && !gone {
		w.log.Warn("webhook delivery dead after its last retry", "event_id", d.ID, "attempts", attempts, "last_error", rec.Error)
	}
	if gone {
		reason := "the receiver answered 410 Gone at " + at.UTC().Format(time.RFC3339)
		if err := w.ob.o.Store.DisableWebhook(w.ctx, w.hook.ID, reason); err != nil {
			w.log.Error("disabling a webhook after 410 Gone", "err", err)
			return true
		}
		w.log.Warn("webhook disabled: the receiver answered 410 Gone", "url_host", hostOf(w.hook.URL))
		w.ob.forget(w)
		return false
	}
	return true
}

// nextAttempt is when to try again: the schedule's delay (with jitter), or later if the receiver
// asked for more time with Retry-After.
func nextAttempt(at time.Time, delay, retryAfter time.Duration) time.Time {
	next := at.Add(jitter(delay))
	if asked := at.Add(retryAfter); asked.After(next) {
		return asked
	}
	return next
}
