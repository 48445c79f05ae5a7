package switchboard

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the pacer sleeps or the test says so, so schedules are exact and
// the tests instant.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error { c.Advance(d); return nil }

func pacerWithClock(interval time.Duration) (*Pacer, *fakeClock) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	p := NewPacer(interval)
	p.now, p.sleep = clock.Now, clock.Sleep
	return p, clock
}

func TestPacerSpacesWritesFromTheEndOfThePrevious(t *testing.T) {
	p, clock := pacerWithClock(time.Second)
	var starts []time.Time
	for i := 0; i < 4; i++ {
		done, err := p.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.Now())
		clock.Advance(300 * time.Millisecond) // the write itself takes a while
		done()
	}
	if !starts[0].Equal(time.Unix(1000, 0)) {
		t.Fatalf("first write waited: %v", starts[0])
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap != 1300*time.Millisecond {
			t.Fatalf("gap %d = %v, want the write's 300ms plus the 1s interval", i, gap)
		}
	}
}

func TestPacerDoesNotWaitAfterIdleInterval(t *testing.T) {
	p, clock := pacerWithClock(time.Second)
	done, _ := p.Wait(context.Background())
	done()
	clock.Advance(5 * time.Second) // the instance was idle
	before := clock.Now()
	done, _ = p.Wait(context.Background())
	done()
	if !clock.Now().Equal(before) {
		t.Fatalf("waited %v after an idle period", clock.Now().Sub(before))
	}
}

func TestPacerDoneTwiceIsHarmless(t *testing.T) {
	p, _ := pacerWithClock(0)
	done, _ := p.Wait(context.Background())
	done()
	done() // a second token in the channel would let two writers in at once
	done, _ = p.Wait(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Wait(ctx); err == nil {
		t.Fatal("a second writer got a turn while the first was still writing")
	}
	done()
}

// TestPacerSharedByConcurrentCallers uses the real clock: writers overlap only if the pacer
// lets them, and the intervals between them are checked as lower bounds only.
func TestPacerSharedByConcurrentCallers(t *testing.T) {
	const interval = 20 * time.Millisecond
	p := NewPacer(interval)
	type span struct{ start, end time.Time }
	var mu sync.Mutex
	var spans []span
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done, err := p.Wait(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			s := span{start: time.Now()}
			time.Sleep(time.Millisecond)
			s.end = time.Now()
			mu.Lock()
			spans = append(spans, s)
			mu.Unlock()
			done()
		}()
	}
	wg.Wait()
	// spans were appended while holding the turn, so they are in write order.
	for i := 1; i < len(spans); i++ {
		if gap := spans[i].start.Sub(spans[i-1].end); gap < interval {
			t.Fatalf("write %d started %v after the previous one ended, want >= %v", i, gap, interval)
		}
	}
}

func TestPacerCancelledWaitReleasesTheTurn(t *testing.T) {
	p := NewPacer(time.Hour)
	done, err := p.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done()
	// The next write is an hour away; a caller that gives up must not keep the turn.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Wait(ctx); err == nil {
		t.Fatal("waited out an hour")
	}
	select {
	case <-p.turn:
		p.turn <- struct{}{}
	default:
		t.Fatal("the cancelled caller kept the turn")
	}
}

func TestPacerDisabled(t *testing.T) {
	p := NewPacer(0)
	for i := 0; i < 3; i++ {
		done, err := p.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx); err == nil {
		t.Fatal("cancelled context accepted")
	}
}

func TestPacersOnePerInstance(t *testing.T) {
	ps := NewPacers(time.Second)
	if a, b := ps.For(1), ps.For(1); a != b || a == ps.For(2) {
		t.Fatal("want one pacer per instance, shared by every caller")
	}
	first := ps.For(1)
	ps.Forget(1)
	if ps.For(1) == first {
		t.Fatal("Forget kept the pacer")
	}
}
