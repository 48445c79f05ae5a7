package app

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/store"
)

// DefaultJobRetention is how long a finished async job stays readable through
// GET /api/job/get before the background purge deletes it (SWITCHBOARD_JOB_RETENTION).
const DefaultJobRetention = 7 * 24 * time.Hour

// defaultPurgeInterval is how often the purge runs. Both tables are indexed on the columns it
// filters, so an hourly pass is cheap.
const defaultPurgeInterval = time.Hour

// purge deletes finished jobs older than the retention and Idempotency-Key records past their
// lifetime (store.IdempotencyTTL), once at start and then every interval, until ctx ends.
// Without it both tables grow with every async call and every keyed request, forever. Failures
// are logged and retried at the next pass: they cost disk space, never correctness.
func (a *App) purge(ctx context.Context, retention, messageRetention, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		now := time.Now()
		if retention <= 0 {
			// SWITCHBOARD_JOB_RETENTION=0 keeps finished jobs for ever.
		} else if n, err := a.store.PurgeJobs(ctx, now.Add(-retention)); err != nil {
			if ctx.Err() == nil {
				a.log.Warn("purging old jobs", "err", err)
			}
		} else if n > 0 {
			a.log.Info("purged old jobs", "count", n, "retention", retention.String())
		}
		if messageRetention > 0 { // SWITCHBOARD_MESSAGE_RETENTION=0 keeps messages for ever
			if n, err := a.store.PurgeMessages(ctx, now.Add(-messageRetention)); err != nil && ctx.Err() == nil {
				a.log.Warn("purging old messages", "err", err)
			} else if n > 0 {
				a.log.Info("purged old messages", "count", n, "retention", messageRetention.String())
			}
		}
		if err := a.store.PurgeIdempotent(ctx, now.Add(-store.IdempotencyTTL)); err != nil && ctx.Err() == nil {
			a.log.Warn("purging old Idempotency-Keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// startPurge runs purge in the background until Close.
func (a *App) startPurge(cfg Config) {
	retention, interval := cfg.JobRetention, cfg.PurgeInterval
	if interval <= 0 {
		interval = defaultPurgeInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.stopPurge = func() {
		cancel()
		<-done
	}
	go func() {
		defer close(done)
		a.purge(ctx, retention, cfg.MessageRetention, interval)
	}()
}
