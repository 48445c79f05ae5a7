package httpapi

import (
	"net/http"
	"sync"
	"time"
)

// A flood of refused requests (bad tokens, unknown paths) writes one access line each, so it
// can fill the disk of a node that refuses it perfectly well. Refusals are therefore sampled per
// client address: the first accessLogBurst of a minute are logged as usual, the rest are counted,
// and one summary line per address and minute says how many were left out.
const accessLogBurst = 20

// sampledStatus says which answers are sampled: what floods of unauthenticated or unknown
// requests produce. Everything else is always logged.
func sampledStatus(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusTooManyRequests:
		return true
	}
	return false
}

// accessSampler counts refusals per address in one-minute windows.
type accessSampler struct {
	mu        sync.Mutex
	now       func() time.Time
	maxKeys   int
	windows   map[string]*sampleWindow
	lastSweep time.Time
}

type sampleWindow struct {
	start      time.Time
	logged     int
	suppressed int
}

// samplerOverflowKey collects the addresses that arrive while the table is full, so memory
// stays bounded and those addresses are still sampled (together).
const samplerOverflowKey = "(other addresses)"

// suppressedLines is a finished window that left lines out, for the summary line.
type suppressedLines struct {
	key   string
	count int
	since time.Time
}

func newAccessSampler(now func() time.Time) *accessSampler {
	return &accessSampler{now: now, maxKeys: maxLimiterKeys, windows: make(map[string]*sampleWindow)}
}

// admit says whether a refusal from key gets its access line, and returns the summaries of
// windows that ended with lines left out (to be logged by the caller, outside the lock).
func (a *accessSampler) admit(key string) (bool, []suppressedLines) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	var done []suppressedLines
	if now.Sub(a.lastSweep) >= rateWindow {
		a.lastSweep = now
		for k, w := range a.windows {
			if !now.Before(w.start.Add(rateWindow)) {
				done = appendSummary(done, k, w)
				delete(a.windows, k)
			}
		}
	}
	w := a.windows[key]
	if w == nil && len(a.windows) >= a.maxKeys {
		key = samplerOverflowKey
		w = a.windows[key]
	}
	if w != nil && !now.Before(w.start.Add(rateWindow)) {
		done = appendSummary(done, key, w)
		w = nil
	}
	if w == nil {
		w = &sampleWindow{start: now}
		a.windows[key] = w
	}
	if w.logged < accessLogBurst {
		w.logged++
		return true, done
	}
	w.suppressed++
	return false, done
}

func appendSummary(done []suppressedLines, key string, w *sampleWindow) []suppressedLines {
	if w.suppressed == 0 {
		return done
	}
	return append(done, suppressedLines{key: key, count: w.suppressed, since: w.start})
}
