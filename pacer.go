package switchboard

import (
	"context"
	"sync"
	"time"
)

// Pacer spaces the WhatsApp writes of one instance by at least Interval. Callers reserve a slot
// before each write; slots are handed out in arrival order, so concurrent requests on the same
// instance share one schedule instead of each keeping its own (which would let two batches write
// back to back). Nobody waits before the first write or after the last.
type Pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // earliest start of the next write
}

// NewPacer returns a pacer with the real clock. interval <= 0 disables pacing.
func NewPacer(interval time.Duration) *Pacer {
	return &Pacer{interval: interval, now: time.Now, sleep: sleepCtx}
}

// Wait blocks until the caller may start its write. If ctx ends first the reserved slot is
// released only when it was the last one handed out; otherwise it stays (harmless: a gap).
func (p *Pacer) Wait(ctx context.Context) error {
	if p.interval <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.now()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()

	if d := slot.Sub(now); d > 0 {
		if err := p.sleep(ctx, d); err != nil {
			p.mu.Lock()
			if p.next.Equal(slot.Add(p.interval)) {
				p.next = slot
			}
			p.mu.Unlock()
			return err
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Pacers hands out one Pacer per instance.
type Pacers struct {
	interval time.Duration
	mu       sync.Mutex
	byID     map[int64]*Pacer
}

// NewPacers returns a registry whose pacers all use interval.
func NewPacers(interval time.Duration) *Pacers {
	return &Pacers{interval: interval, byID: map[int64]*Pacer{}}
}

// For returns the pacer of an instance, creating it on first use.
func (ps *Pacers) For(instanceID int64) *Pacer {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, ok := ps.byID[instanceID]
	if !ok {
		p = NewPacer(ps.interval)
		ps.byID[instanceID] = p
	}
	return p
}

// Forget drops an instance's pacer (after the instance is deleted).
func (ps *Pacers) Forget(instanceID int64) {
	ps.mu.Lock()
	delete(ps.byID, instanceID)
	ps.mu.Unlock()
}
