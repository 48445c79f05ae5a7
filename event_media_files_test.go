package switchboard

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// countingMedia is a MediaFiles that counts its downloads and can be made to fail.
type countingMedia struct {
	n    atomic.Int64
	fail atomic.Bool
	file []byte
	gate chan struct{} // when not nil, downloads wait for it
}

func (c *countingMedia) Fetch(ctx context.Context, _ int64, _ string) ([]byte, error) {
	c.n.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	if c.fail.Load() {
		return nil, errors.New("expired")
	}
	return c.file, nil
}

// TestSharedMediaDownloadsOnce: concurrent and later callers of the same message share one
// download; a failure is not kept (the next call downloads again); a file over MaxBytes is not
// kept; Close removes the kept files.
func TestSharedMediaDownloadsOnce(t *testing.T) {
	src := &countingMedia{file: []byte("pdf bytes"), gate: make(chan struct{})}
	m := &SharedMedia{Source: src, MaxBytes: 100}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := m.Fetch(ctx, 1, "M1"); err != nil || string(got) != "pdf bytes" {
				t.Errorf("fetch: %q, %v", got, err)
			}
		}()
	}
	for src.n.Load() == 0 { // the first caller is downloading; then let it finish
		runtime.Gosched()
	}
	close(src.gate)
	wg.Wait()
	if got, err := m.Fetch(ctx, 1, "M1"); err != nil || string(got) != "pdf bytes" {
		t.Fatalf("later fetch: %q, %v", got, err)
	}
	if n := src.n.Load(); n != 1 {
		t.Fatalf("%d downloads for six fetches of one message", n)
	}

	src.fail.Store(true)
	if _, err := m.Fetch(ctx, 1, "M2"); err == nil {
		t.Fatal("a failed download succeeded")
	}
	src.fail.Store(false)
	if got, err := m.Fetch(ctx, 1, "M2"); err != nil || string(got) != "pdf bytes" {
		t.Fatalf("after a failure: %q, %v", got, err)
	}

	big := &countingMedia{file: make([]byte, 101)}
	mb := &SharedMedia{Source: big, MaxBytes: 100}
	_, _ = mb.Fetch(ctx, 1, "B")
	_, _ = mb.Fetch(ctx, 1, "B")
	if n := big.n.Load(); n != 2 {
		t.Fatalf("a file over MaxBytes was downloaded %d times for two fetches, want 2 (not kept)", n)
	}

	dir := m.dir
	if dir == "" {
		t.Fatal("no directory of kept files")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("kept files remain after Close: %v", err)
	}
}
