package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard"
)

// Broker sinks: each configured EventPublisher gets every event of every instance, in sequence
// order per instance, read from the outbox after a durable per-(sink, instance) cursor. The
// cursor moves only past events the broker confirmed, so a restart or an outage resumes exactly
// there: nothing is skipped, and an event is published twice only when the process stopped (or
// a confirm was lost) between the broker's confirm and the cursor write; the message id (the
// event id) lets JetStream and consumers drop that repeat. A sink runs beside the webhook
// dispatchers and shares nothing with them, so a broker that is down stalls only its own cursor.

// SinkStore is what broker sinks need from the database (package store implements it).
type SinkStore interface {
	SinkBacklog(ctx context.Context, sink string, afterInstanceID int64, limit int) ([]switchboard.SinkBacklog, error)
	SetSinkCursor(ctx context.Context, sink string, instanceID, seq int64) error
	EventsSince(ctx context.Context, instanceID, afterSeq int64, limit int) ([]switchboard.Event, string, error)
}

const (
	// sinkInstancesPerPass and sinkBatch bound one pass: each instance with a backlog gets at
	// most sinkBatch events before the next instance's turn, so one busy instance cannot starve
	// the others.
	sinkInstancesPerPass = 256
	sinkBatch            = 128
	// sinkPublishTimeout bounds one publish and its confirm: a broker that accepted the
	// connection but never confirms is treated as down.
	sinkPublishTimeout = 30 * time.Second
	// DefaultSinkRetryMax is the longest pause between two tries of a sink whose broker fails.
	DefaultSinkRetryMax = 30 * time.Second
	sinkRetryMin        = 250 * time.Millisecond
)

type sinkRunner struct {
	ob    *Outbox
	pub   switchboard.EventPublisher
	st    SinkStore
	log   *slog.Logger
	wakeC chan struct{}
	// after is where the next pass resumes in instance-id order: with more instances behind than
	// one pass takes, each pass takes the next ones, so none waits while others stay busy.
	after int64

	published, failures prometheus.Counter
}

// startSinks starts one runner per configured publisher.
func (ob *Outbox) startSinks() error {
	if len(ob.o.Publishers) == 0 {
		return nil
	}
	st, ok := ob.o.Store.(SinkStore)
	if !ok {
		return errors.New("outbox: broker sinks need a store with sink cursors")
	}
	if ob.o.Encode == nil {
		return errors.New("outbox: broker sinks need an envelope encoder")
	}
	metrics := newSinkMetrics(ob.o.Metrics)
	seen := map[string]bool{}
	for _, pub := range ob.o.Publishers {
		if seen[pub.Name()] {
			return fmt.Errorf("outbox: two broker sinks named %q would share a cursor", pub.Name())
		}
		seen[pub.Name()] = true
		r := &sinkRunner{ob: ob, pub: pub, st: st, wakeC: make(chan struct{}, 1),
			log:       ob.log.With("sink", pub.Name()),
			published: metrics.published.WithLabelValues(pub.Name()),
			failures:  metrics.failures.WithLabelValues(pub.Name())}
		ob.mu.Lock()
		ob.sinks = append(ob.sinks, r)
		ob.mu.Unlock()
		ob.goTracked(r.run)
	}
	return nil
}

// sinkNames are the configured sinks, whose unpublished events the purge keeps.
func (ob *Outbox) sinkNames() []string {
	names := make([]string, 0, len(ob.o.Publishers))
	for _, pub := range ob.o.Publishers {
		names = append(names, pub.Name())
	}
	return names
}

// pokeSinks wakes every sink after a commit.
func (ob *Outbox) pokeSinks() {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, r := range ob.sinks {
		select {
		case r.wakeC <- struct{}{}:
		default:
		}
	}
}

func (r *sinkRunner) run() {
	ctx := r.ob.ctx
	retryMax := r.ob.o.SinkRetryMax
	if retryMax <= 0 {
		retryMax = DefaultSinkRetryMax
	}
	delay, failures := time.Duration(0), 0
	for ctx.Err() == nil {
		worked, err := r.pass(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.failures.Inc()
			failures++
			delay = min(max(2*delay, sinkRetryMin), retryMax)
			if failures == 1 {
				r.log.Warn("broker sink failing; retrying with backoff from its cursor", "err", err)
			} else {
				r.log.Debug("broker sink still failing", "err", err, "failures", failures)
			}
			r.sleep(ctx, delay/2+rand.N(delay/2+1), false)
			continue
		}
		if failures > 0 {
			r.log.Info("broker sink recovered", "failed_tries", failures)
			delay, failures = 0, 0
		}
		if !worked {
			r.sleep(ctx, pollInterval, true)
		}
	}
}

// sleep waits for d or the end; with wakeable, a commit ends it early too.
func (r *sinkRunner) sleep(ctx context.Context, d time.Duration, wakeable bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake chan struct{}
	if wakeable {
		wake = r.wakeC
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}

// pass publishes one batch of every instance with a backlog; worked reports whether there was
// any, so the caller loops until there is none.
func (r *sinkRunner) pass(ctx context.Context) (worked bool, err error) {
	backlog, err := r.st.SinkBacklog(ctx, r.pub.Name(), r.after, sinkInstancesPerPass)
	if err != nil {
		return false, err
	}
	if len(backlog) < sinkInstancesPerPass {
		r.after = 0 // the end of the list: the next pass starts over
	} else {
		r.after = backlog[len(backlog)-1].InstanceID
	}
	for _, b := range backlog {
		if err := r.drain(ctx, b); err != nil {
			return true, err
		}
	}
	return len(backlog) > 0 || r.after != 0, nil
}

// drain publishes up to sinkBatch events of one instance after the sink's cursor, one at a time
// (the next only after the broker confirmed the previous, so order holds even across a failure),
// then moves the cursor past the last one confirmed.
func (r *sinkRunner) drain(ctx context.Context, b switchboard.SinkBacklog) error {
	name := r.pub.Name()
	events, _, err := r.st.EventsSince(ctx, b.InstanceID, b.Cursor, sinkBatch)
	switch {
	case errors.Is(err, switchboard.ErrNotFound):
		return nil // deleted meanwhile; its events and cursor went with it
	case err != nil:
		return err
	case len(events) == 0:
		// Only events no sink publishes (webhook test pings) lie between the cursor and LastSeq.
		return r.advance(ctx, name, b.InstanceID, b.LastSeq)
	}
	done := b.Cursor
	for _, e := range events {
		body, err := r.ob.o.Encode(e, b.InstanceName)
		if err != nil {
			// Cannot happen for a stored event (its data is checked JSON); skipping it is better
			// than stalling every later event of the instance forever.
			r.log.Error("event cannot be encoded for the broker; skipped", "event_id", e.ID, "err", err)
			done = e.Seq
			continue
		}
		msg := switchboard.BrokerMessage{ID: e.ID, Subject: switchboard.EventSubject(b.InstanceName, e.Type), Type: e.Type, Body: body}
		pctx, cancel := context.WithTimeout(ctx, sinkPublishTimeout)
		err = r.pub.Publish(pctx, msg)
		cancel()
		if err != nil {
			if done > b.Cursor {
				// Recorded even when the failure is the shutdown cancelling ctx: what the broker
				// confirmed must not be published again by the next process.
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				_ = r.advance(sctx, name, b.InstanceID, done)
				cancel()
			}
			return fmt.Errorf("publishing event %s (seq %d of instance %d): %w", e.ID, e.Seq, b.InstanceID, err)
		}
		r.published.Inc()
		done = e.Seq
	}
	return r.advance(ctx, name, b.InstanceID, done)
}

func (r *sinkRunner) advance(ctx context.Context, sink string, instanceID, seq int64) error {
	err := r.st.SetSinkCursor(ctx, sink, instanceID, seq)
	if errors.Is(err, switchboard.ErrNotFound) {
		return nil
	}
	return err
}
