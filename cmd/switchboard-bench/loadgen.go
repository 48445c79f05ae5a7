package main

import (
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadStats is one measured run of requests against one server.
type loadStats struct {
	requests  int             // answered with 200 within the measured window
	errors    int             // any other answer or a transport error
	seconds   float64         // length of the measured window
	latencies []time.Duration // of the successful requests, sorted
	bytes     int             // size of one answer's body
}

func (s loadStats) rps() float64 {
	if s.seconds <= 0 {
		return 0
	}
	return float64(s.requests) / s.seconds
}

// percentileMS is the nearest-rank percentile p (0-100] of the latencies, in milliseconds.
func (s loadStats) percentileMS(p float64) float64 {
	return percentile(s.latencies, p).Seconds() * 1000
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// loadTarget is a GET of one URL with a token, through a client that keeps its connections.
type loadTarget struct {
	url    string
	token  string
	client *http.Client
	// spread, when set, replaces url: each request goes to the next of these (the nodes of a
	// cluster), in turn.
	spread []string
	next   atomic.Uint64
}

func newLoadTarget(url, token string) *loadTarget {
	return &loadTarget{url: url, token: token, client: &http.Client{Transport: &http.Transport{
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		DisableCompression:  true,
	}}}
}

// hit sends one request and reads the whole answer; it returns the body size, or -1 on failure.
func (t *loadTarget) hit(ctx context.Context) int {
	url := t.url
	if len(t.spread) > 0 {
		url = t.spread[t.next.Add(1)%uint64(len(t.spread))]
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return -1
	}
	if t.token != "" {
		req.Header.Set("token", t.token)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return -1
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return -1
	}
	return int(n)
}

// loadWarmup runs before every measured window, unrecorded: connections open, caches fill.
const loadWarmup = time.Second

// recorder collects the outcomes of concurrent requests.
type recorder struct {
	mu    sync.Mutex
	stats loadStats
}

func (r *recorder) add(latency time.Duration, size int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if size < 0 {
		r.stats.errors++
		return
	}
	r.stats.requests++
	r.stats.bytes = size
	r.stats.latencies = append(r.stats.latencies, latency)
}

func (r *recorder) result(window time.Duration) loadStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.seconds = window.Seconds()
	slices.Sort(s.latencies)
	return s
}

// closedLoop keeps concurrency requests in flight for the window (after the warm-up): the
// server's maximum rate at that concurrency.
func closedLoop(ctx context.Context, t *loadTarget, concurrency int, window time.Duration) loadStats {
	measureFrom := time.Now().Add(loadWarmup)
	end := measureFrom.Add(window)
	var rec recorder
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				start := time.Now()
				if !start.Before(end) {
					return
				}
				size := t.hit(ctx)
				if !start.Before(measureFrom) {
					rec.add(time.Since(start), size)
				}
			}
		}()
	}
	wg.Wait()
	return rec.result(window)
}

// openLoopWorkers is how many requests the open loop can have in flight: far more than a
// server at half of its maximum rate needs, and fixed, so the run reuses its connections
// instead of opening new ones under load.
const openLoopWorkers = 64

// openLoop sends requests at a fixed rate for the window (after the warm-up), whatever the
// answers' pace, and measures each from the moment it was due: a server that falls behind is
// charged for the queue it causes. A pacer hands due times to a fixed pool of senders; when its
// timer wakes late it hands over every request that has come due.
func openLoop(ctx context.Context, t *loadTarget, rate float64, window time.Duration) loadStats {
	if rate <= 0 {
		return loadStats{seconds: window.Seconds()}
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	measureFrom := start.Add(loadWarmup)
	end := measureFrom.Add(window)
	var rec recorder
	due := make(chan time.Time, int(rate*(loadWarmup+window).Seconds())+1)
	var wg sync.WaitGroup
	for range openLoopWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range due {
				size := t.hit(ctx)
				if !at.Before(measureFrom) {
					rec.add(time.Since(at), size)
				}
			}
		}()
	}
	for i := 0; ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(end) {
			break
		}
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		due <- at
	}
	close(due)
	wg.Wait()
	return rec.result(window)
}
