package store

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// SQLite lets one connection write at a time. A writer that finds the lock taken waits in
// SQLite's busy handler, which polls: it sleeps 1, 2, 5, 10, 15, 20, 25 ms... between tries,
// while a commit here takes about a millisecond. With a dozen writers in one process (whatsmeow
// saving a ratchet inside its send lock, message rows, receipts, the outbox) a writer often
// slept 10-25 ms on a lock freed long before, and whatever it held (whatsmeow's send lock above
// all) waited with it.
//
// writeGate queues the process's writers in Go instead: a writer takes the gate before SQLite's
// lock and hands it over the moment it commits, so nobody polls. It has two lanes: writes whose
// context is marked switchboard.WithUrgentWrites (those made inside an instance's send turn)
// go before the others, but never more than maxUrgentRun in a row while others wait, so a busy
// send queue cannot starve receipts and deliveries. Within a lane, first come, first served.
//
// The gate is only an optimisation in front of SQLite's own locking, which still decides
// correctness: a writer that waited longer than maxWait for the gate goes on without it (and
// meets SQLite's busy handler exactly as before), so a pattern that used to fail with
// SQLITE_BUSY after the busy timeout (a write on a second connection while holding a
// transaction) still fails that way instead of hanging.
type writeGate struct {
	maxWait time.Duration

	mu        sync.Mutex
	held      bool
	urgent    []chan struct{} // waiters, oldest first; a closed channel is a granted turn
	normal    []chan struct{}
	urgentRun int // urgent grants in a row while a normal writer waited
}

// maxUrgentRun bounds how many urgent writers may pass a waiting normal one.
const maxUrgentRun = 4

func newWriteGate(maxWait time.Duration) *writeGate {
	return &writeGate{maxWait: maxWait}
}

// enter waits for the gate and returns its release, which the caller must call once its write
// has committed or rolled back.
func (g *writeGate) enter(ctx context.Context) (release func(), err error) {
	g.mu.Lock()
	if !g.held {
		g.held = true
		g.mu.Unlock()
		return g.leave, nil
	}
	turn := make(chan struct{})
	urgent := switchboard.UrgentWrites(ctx)
	if urgent {
		g.urgent = append(g.urgent, turn)
	} else {
		g.normal = append(g.normal, turn)
	}
	g.mu.Unlock()

	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case <-turn:
		return g.leave, nil
	case <-ctx.Done():
		if g.withdraw(turn, urgent) {
			return nil, ctx.Err()
		}
		g.leave() // granted while ctx ended: pass the turn on
		return nil, ctx.Err()
	case <-t.C:
		if g.withdraw(turn, urgent) {
			return func() {}, nil // see writeGate: SQLite's own lock and busy timeout take over
		}
		return g.leave, nil
	}
}

// withdraw removes a waiter that gave up; false means it was granted the gate meanwhile.
func (g *writeGate) withdraw(turn chan struct{}, urgent bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	lane := &g.normal
	if urgent {
		lane = &g.urgent
	}
	for i, c := range *lane {
		if c == turn {
			*lane = append((*lane)[:i], (*lane)[i+1:]...)
			return true
		}
	}
	return false
}

// leave hands the gate to the next waiter, or frees it.
func (g *writeGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	var next chan struct{}
	switch {
	case len(g.urgent) > 0 && (len(g.normal) == 0 || g.urgentRun < maxUrgentRun):
		next, g.urgent = g.urgent[0], g.urgent[1:]
		if len(g.normal) > 0 {
			g.urgentRun++
		}
	case len(g.normal) > 0:
		next, g.normal = g.normal[0], g.normal[1:]
		g.urgentRun = 0
	default:
		g.held = false
		return
	}
	close(next)
}
