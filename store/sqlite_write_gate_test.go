package store

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

// enterAsync queues a writer on g and reports on the returned channel once it holds the gate.
func enterAsync(t *testing.T, g *writeGate, ctx context.Context, name string, order chan<- string) {
	t.Helper()
	queued := make(chan struct{})
	go func() {
		go func() { time.Sleep(20 * time.Millisecond); close(queued) }()
		release, err := g.enter(ctx)
		if err != nil {
			order <- name + ":" + err.Error()
			return
		}
		order <- name
		release()
	}()
	<-queued // each writer is queued before the next one arrives, so arrival order is known
}

func TestWriteGateUrgentFirstThenArrivalOrder(t *testing.T) {
	g := newWriteGate(time.Minute)
	hold, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 8)
	urgent := switchboard.WithUrgentWrites(context.Background())
	enterAsync(t, g, context.Background(), "n1", order)
	enterAsync(t, g, context.Background(), "n2", order)
	enterAsync(t, g, urgent, "u1", order)
	enterAsync(t, g, urgent, "u2", order)
	hold()
	want := []string{"u1", "u2", "n1", "n2"}
	for i, w := range want {
		if got := <-order; got != w {
			t.Fatalf("grant %d went to %s, want %s (want order %v)", i, got, w, want)
		}
	}
}

func TestWriteGateUrgentCannotStarveOthers(t *testing.T) {
	g := newWriteGate(time.Minute)
	hold, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 16)
	urgent := switchboard.WithUrgentWrites(context.Background())
	enterAsync(t, g, context.Background(), "n1", order)
	for _, name := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
		enterAsync(t, g, urgent, name, order)
	}
	hold()
	var got []string
	for range 7 {
		got = append(got, <-order)
	}
	for i, name := range got {
		if name == "n1" {
			if i != maxUrgentRun {
				t.Fatalf("the normal writer got the gate after %d urgent ones, want %d: %v", i, maxUrgentRun, got)
			}
			return
		}
	}
	t.Fatalf("the normal writer never got the gate: %v", got)
}

func TestWriteGateCancelledWaiterLeavesTheQueue(t *testing.T) {
	g := newWriteGate(time.Minute)
	hold, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	order := make(chan string, 4)
	enterAsync(t, g, ctx, "cancelled", order)
	enterAsync(t, g, context.Background(), "next", order)
	cancel()
	if got := <-order; got != "cancelled:"+context.Canceled.Error() {
		t.Fatalf("the cancelled writer reported %q", got)
	}
	hold()
	select {
	case got := <-order:
		if got != "next" {
			t.Fatalf("got %q, want next", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the writer behind a cancelled one never got the gate")
	}
	// The gate is free again: a new writer enters at once.
	release, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// A writer that waited past maxWait goes on without the gate (SQLite's own lock decides), and
// the holder's release still frees the gate for later writers.
func TestWriteGateGivesUpAfterMaxWait(t *testing.T) {
	g := newWriteGate(50 * time.Millisecond)
	hold, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	bypass, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("entered after %v while the gate was held", waited)
	}
	bypass() // a no-op: it never held the gate
	hold()
	release, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if g.held {
		t.Fatal("the gate is still held after every holder released it")
	}
}
