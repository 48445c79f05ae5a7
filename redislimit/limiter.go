package redislimit

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard/switchboard"
)

// takeScript counts one request in the key's window, atomically. The window opens at a key's
// first request (SET with the window as expiry) and the key expires with it, so Redis's clock
// alone decides when windows end, whatever the nodes' clocks say. A refused request is not
// counted. It returns {allowed (0/1), count in the window, milliseconds left in the window}.
var takeScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if n == 0 or ttl <= 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
  return {1, 1, tonumber(ARGV[2])}
end
if n >= tonumber(ARGV[1]) then
  return {0, n, ttl}
end
redis.call('INCR', KEYS[1])
return {1, n + 1, ttl}
`)

// DefaultTimeout bounds one round trip to Redis before the request is counted locally instead:
// a rate limit must never make the API itself slow.
const DefaultTimeout = 250 * time.Millisecond

// Limiter counts in Redis and falls back to a local limiter while Redis is unreachable.
type Limiter struct {
	rdb      redis.Scripter
	prefix   string
	fallback switchboard.RateLimiter
	log      *slog.Logger
	timeout  time.Duration
	now      func() time.Time

	down      atomic.Bool  // the last call failed: answers come from fallback
	fallbacks atomic.Int64 // requests answered by the fallback, for tests and the log
}

// Options configure a Limiter.
type Options struct {
	// Prefix starts every key, so several clusters can share one Redis (default "switchboard:rl:").
	Prefix string
	// Fallback answers while Redis is unreachable; required.
	Fallback switchboard.RateLimiter
	Logger   *slog.Logger
	// Timeout bounds one Redis call (default DefaultTimeout).
	Timeout time.Duration
}

// New returns a limiter on rdb (a *redis.Client or any other Scripter).
func New(rdb redis.Scripter, o Options) *Limiter {
	if o.Fallback == nil {
		panic("redislimit: Options.Fallback is required")
	}
	if o.Prefix == "" {
		o.Prefix = "switchboard:rl:"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Limiter{rdb: rdb, prefix: o.Prefix, fallback: o.Fallback, log: o.Logger, timeout: o.Timeout, now: time.Now}
}

// Take counts one request (switchboard.RateLimiter).
func (l *Limiter) Take(ctx context.Context, bucket, key string, limit int) switchboard.RateDecision {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
	defer cancel()
	window := strconv.FormatInt(switchboard.RateWindow.Milliseconds(), 10)
	res, err := takeScript.Run(ctx, l.rdb, []string{l.prefix + bucket + ":" + key}, limit, window).Int64Slice()
	if err != nil || len(res) != 3 {
		l.fallbacks.Add(1)
		if l.down.CompareAndSwap(false, true) {
			l.log.Warn("rate limits: Redis unreachable, counting on this node only until it answers again", "err", err)
		}
		return l.fallback.Take(ctx, bucket, key, limit)
	}
	if l.down.CompareAndSwap(true, false) {
		l.log.Info("rate limits: Redis answers again, budgets are shared across the cluster", "fallback_requests", l.fallbacks.Load())
	}
	count := int(res[1])
	return switchboard.RateDecision{
		Allowed:   res[0] == 1,
		Limit:     limit,
		Remaining: max(limit-count, 0),
		Reset:     l.now().Add(time.Duration(res[2]) * time.Millisecond),
	}
}

// FallbackRequests is how many requests were counted locally because Redis did not answer.
func (l *Limiter) FallbackRequests() int64 { return l.fallbacks.Load() }

var _ switchboard.RateLimiter = (*Limiter)(nil)
