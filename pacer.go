package switchboard

import (
	"context"
	"sync"
	"time"
)

// Pacer spaces the WhatsApp writes of one instance: a write may start only once the previous
// one has finished AND interval has passed since then. Counting from the end of the previous
// write, not its start, means WhatsApp itself sees the gap, however long its answers take.
//
// Writes of one instance take turns in arrival order, so concurrent requests on the same
// instance share one schedule instead of each keeping its own (which would let two batches
// write back to back). Nobody waits before the first write or after the last.
type Pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	// turn holds a token while no write is in progress. Go wakes the goroutines blocked on a
	// channel receive in the order they blocked, which is what hands turns out in arrival order.
	turn chan struct{}
	last time.Time // end of the last write; only the holder of the turn reads or writes it
}

// NewPacer returns a pacer with the real clock. interval <= 0 disables the waiting; writes still
// take turns, which costs nothing when they do not overlap.
func NewPacer(interval time.Duration) *Pacer {
	p := &Pacer{interval: interval, now: time.Now, sleep: sleepCtx, turn: make(chan struct{}, 1)}
	p.turn <- struct{}{}
	return p
}

// Wait blocks until the caller may start its write and returns done, which the caller must call
// once the write has finished (successfully or not). If ctx ends first, Wait returns its error
// and the caller must not write.
func (p *Pacer) Wait(ctx context.Context) (done func(), err error) {
	select {
	case <-p.turn:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil { // select picks at random when both were ready
		p.turn <- struct{}{}
		return nil, err
	}
	if p.interval > 0 && !p.last.IsZero() {
		if d := p.last.Add(p.interval).Sub(p.now()); d > 0 {
			if err := p.sleep(ctx, d); err != nil {
				p.turn <- struct{}{}
				return nil, err
			}
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			p.last = p.now()
			p.turn <- struct{}{}
		})
	}, nil
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

// Pacers hands out one Pacer per instance. A server keeps one registry for every route that
// writes community links, so all of them share each instance's schedule.
type Pacers struct {
	interval time.Duration
	mu       sync.Mutex
	byID     map[int64]*Pacer
}

// NewPacers returns a registry whose pacers all use interval.
func NewPacers(interval time.Duration) *Pacers {
	return &Pacers{interval: interval, byID: map[int64]*Pacer{}}
}

// Interval is the least time between two writes of one instance.
func (ps *Pacers) Interval() time.Duration { return ps.interval }

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
