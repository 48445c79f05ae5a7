package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// localLimiter is the in-memory switchboard.RateLimiter: a fixed-window counter per key and
// bucket, the window opening at a key's first request. Opening it at the first request rather
// than on the clock minute spreads resets across clients. Like any fixed window it lets a client
// send up to twice the limit across a window boundary; GCRA would smooth that but could not
// honour the documented headers. A cluster replaces it with the Redis limiter (package
// redislimit), which keeps the same windows in Redis and falls back to this one.

// rateWindow is the length of every window.
const rateWindow = switchboard.RateWindow

// maxLimiterKeys bounds memory when keys are many (per-IP buckets under an attack from many
// addresses). Past it, a new key takes the place of a tracked key with few requests, so every
// key stays limited: letting untracked keys through would let an attacker switch the limiter
// off by first spraying it with addresses.
const maxLimiterKeys = 100_000

// evictionSample is how many tracked keys a full table looks at to choose one to drop.
const evictionSample = 8

// localLimiter holds one window table per bucket, so a flood on one bucket (per-address
// failures) cannot evict the keys of another (per-token budgets).
type localLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*limiter
}

// NewLocalLimiter returns the in-memory limiter, on the clock now (time.Now when nil).
func NewLocalLimiter(now func() time.Time) switchboard.RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &localLimiter{now: now, buckets: make(map[string]*limiter)}
}

// Take counts one request (switchboard.RateLimiter).
func (l *localLimiter) Take(_ context.Context, bucket, key string, limit int) switchboard.RateDecision {
	return l.table(bucket).take(key, limit)
}

func (l *localLimiter) table(bucket string) *limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.buckets[bucket]
	if t == nil {
		t = newLimiter(l.now)
		l.buckets[bucket] = t
	}
	return t
}

type limiter struct {
	mu        sync.Mutex
	now       func() time.Time
	maxKeys   int
	windows   map[string]*counter
	lastSweep time.Time
}

type counter struct {
	start time.Time
	count int
}

// decision is one limiter answer, with what the headers need.
type decision = switchboard.RateDecision

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, maxKeys: maxLimiterKeys, windows: make(map[string]*counter)}
}

// take counts one request against key and says whether it may pass. Refused requests are not
// counted, so a client that waits for the reset gets a full window.
func (l *limiter) take(key string, limit int) decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now, false)
	w := l.windows[key]
	if w == nil || !now.Before(w.start.Add(rateWindow)) {
		if w == nil && len(l.windows) >= l.maxKeys {
			l.sweep(now, true)
			if len(l.windows) >= l.maxKeys {
				l.evictOne()
			}
		}
		w = &counter{start: now}
		l.windows[key] = w
	}
	d := decision{Limit: limit, Reset: w.start.Add(rateWindow)}
	if w.count >= limit {
		return d
	}
	w.count++
	d.Allowed = true
	d.Remaining = limit - w.count
	return d
}

// sweep drops finished windows. It runs at most once a window (or once a second when forced by
// a full table), so its cost is amortised over all requests and idle keys cannot pile up.
func (l *limiter) sweep(now time.Time, force bool) {
	every := rateWindow
	if force {
		every = time.Second
	}
	if now.Sub(l.lastSweep) < every {
		return
	}
	l.lastSweep = now
	for key, w := range l.windows {
		if !now.Before(w.start.Add(rateWindow)) {
			delete(l.windows, key)
		}
	}
}

// evictOne drops the key with the fewest requests among a few (map iteration starts at a random
// place), the cheap approximation of least-frequently-used: keys close to their limit, the ones
// worth remembering, are the least likely to go, and the cost stays constant however many keys
// there are.
func (l *limiter) evictOne() {
	victim, fewest, seen := "", 0, 0
	for key, w := range l.windows {
		if victim == "" || w.count < fewest {
			victim, fewest = key, w.count
		}
		if seen++; seen == evictionSample {
			break
		}
	}
	delete(l.windows, victim)
}

// size is the number of tracked keys (for tests of eviction).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}

// resetUnix is the window end in whole unix seconds, rounded up so a client that waits until
// then is never early.
func resetUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// retryAfter is the whole number of seconds until the window ends, at least 1.
func retryAfter(d decision, now time.Time) int {
	secs := int((d.Reset.Sub(now) + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// policy names a bucket in the IETF RateLimit headers.
type policy struct {
	name string
	d    decision
}

// The rate-limit header names in canonical form, so that setting them on every answer skips
// http.Header.Set's canonicalisation, which has to allocate for these mixed-case names.
var (
	headerRateLimitLimit     = http.CanonicalHeaderKey("X-RateLimit-Limit")
	headerRateLimitRemaining = http.CanonicalHeaderKey("X-RateLimit-Remaining")
	headerRateLimitReset     = http.CanonicalHeaderKey("X-RateLimit-Reset")
	headerRateLimitPolicy    = http.CanonicalHeaderKey("RateLimit-Policy")
	headerRateLimit          = http.CanonicalHeaderKey("RateLimit")
)

// setRateHeaders writes RyzeAPI's X-RateLimit-* for the bucket closest to refusing, and the
// IETF draft's RateLimit-Policy / RateLimit fields for every bucket that applied. Every
// authenticated answer carries them, so the values share one allocation.
func setRateHeaders(h http.Header, now time.Time, policies ...policy) {
	tightest := policies[0].d
	for _, p := range policies[1:] {
		if p.d.Remaining <= tightest.Remaining {
			tightest = p.d
		}
	}
	var pol, state []byte
	for i, p := range policies {
		if i > 0 {
			pol, state = append(pol, ", "...), append(state, ", "...)
		}
		pol = append(append(append(pol, '"'), p.name...), `";q=`...)
		pol = strconv.AppendInt(pol, int64(p.d.Limit), 10)
		pol = append(pol, ";w="...)
		pol = strconv.AppendInt(pol, int64(rateWindow/time.Second), 10)
		state = append(append(append(state, '"'), p.name...), `";r=`...)
		state = strconv.AppendInt(state, int64(p.d.Remaining), 10)
		state = append(state, ";t="...)
		state = strconv.AppendInt(state, int64(retryAfterOrZero(p.d, now)), 10)
	}
	values := []string{
		strconv.Itoa(tightest.Limit),
		strconv.Itoa(tightest.Remaining),
		strconv.FormatInt(resetUnix(tightest.Reset), 10),
		string(pol),
		string(state),
	}
	// Each header gets a one-element slice with no spare capacity, so a later Header.Add on
	// one of them copies instead of writing into its neighbour.
	h[headerRateLimitLimit] = values[0:1:1]
	h[headerRateLimitRemaining] = values[1:2:2]
	h[headerRateLimitReset] = values[2:3:3]
	h[headerRateLimitPolicy] = values[3:4:4]
	h[headerRateLimit] = values[4:5:5]
}

// retryAfterOrZero is the seconds to the window end, 0 once it has passed.
func retryAfterOrZero(d decision, now time.Time) int {
	if !now.Before(d.Reset) {
		return 0
	}
	return retryAfter(d, now)
}

// clientIP keys the auth-failure limiter. It is the TCP peer, unless the peer is one of
// Config.TrustedProxies: then it is the right-most X-Forwarded-For address that is not a trusted
// proxy. Trusting the header from anyone else would let any client forge it to dodge the limit.
func (s *Server) clientIP(r *http.Request) string {
	peer := remoteAddr(r.RemoteAddr)
	if !peer.IsValid() || !s.trusted(peer) {
		return ipKey(peer, r.RemoteAddr)
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry ends what can be trusted
		}
		if hop = hop.Unmap(); !s.trusted(hop) {
			return ipKey(hop, "")
		}
	}
	return ipKey(peer, r.RemoteAddr)
}

func (s *Server) trusted(addr netip.Addr) bool {
	for _, prefix := range s.cfg.TrustedProxies {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// remoteAddr parses http.Request.RemoteAddr; the zero Addr when it is not an IP.
func remoteAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}

// ipKey groups IPv6 clients by /64, the smallest block one subscriber usually gets, so rotating
// addresses inside it does not reset the count.
func ipKey(addr netip.Addr, fallback string) string {
	switch {
	case !addr.IsValid():
		return fallback
	case addr.Is6():
		prefix, _ := addr.Prefix(64)
		return prefix.String()
	default:
		return addr.String()
	}
}
