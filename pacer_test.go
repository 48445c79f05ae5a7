package switchboard

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the pacer sleeps, so the schedule is exact and the test instant.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

func TestPacerSpacesWritesAndNeverWaitsFirst(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	p := NewPacer(time.Second)
	p.now, p.sleep = clock.Now, clock.Sleep

	var starts []time.Time
	for i := 0; i < 4; i++ {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.Now())
	}
	if !starts[0].Equal(time.Unix(1000, 0)) {
		t.Fatalf("first write waited: %v", starts[0])
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap != time.Second {
			t.Fatalf("gap %d = %v, want 1s", i, gap)
		}
	}
}

func TestPacerDoesNotWaitAfterIdleInterval(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	p := NewPacer(time.Second)
	p.now, p.sleep = clock.Now, clock.Sleep
	_ = p.Wait(context.Background())
	clock.Sleep(context.Background(), 5*time.Second) // the instance was idle
	before := clock.Now()
	_ = p.Wait(context.Background())
	if !clock.Now().Equal(before) {
		t.Fatalf("waited %v after an idle period", clock.Now().Sub(before))
	}
}

func TestPacerSharedByConcurrentCallers(t *testing.T) {
	p := NewPacer(20 * time.Millisecond)
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Wait(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
		}()
	}
	wg.Wait()
	first, last := starts[0], starts[0]
	for _, s := range starts {
		if s.Before(first) {
			first = s
		}
		if s.After(last) {
			last = s
		}
	}
	// Five writes need four intervals between the first and the last, whatever the interleaving.
	if span := last.Sub(first); span < 4*20*time.Millisecond {
		t.Fatalf("five concurrent writes spanned %v, want >= 80ms", span)
	}
}

func TestPacerDisabled(t *testing.T) {
	p := NewPacer(0)
	for i := 0; i < 3; i++ {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx); err == nil {
		t.Fatal("cancelled context accepted")
	}
}
