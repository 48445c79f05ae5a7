package switchboard

import (
	"context"
	"time"
)

// RateWindow is the length of every rate-limit window. The buckets are fixed windows: a key's
// window opens at its first request and lasts RateWindow, and at most the limit pass in it.
// RyzeAPI's X-RateLimit-Reset ("unix seconds when the window resets") describes exactly this.
const RateWindow = time.Minute

// Rate-limit buckets. Each counts its keys apart from the others.
const (
	BucketGlobal       = "global"        // every authenticated request, per token
	BucketCreate       = "create"        // POST /api/instance/new, per token
	BucketAuthFailures = "auth_failures" // failed authentications, per client address
	BucketPublic       = "public"        // unauthenticated requests, per client address
)

// RateLimiter counts requests in fixed windows. One process keeps the windows in memory; a
// cluster keeps them in Redis so that the budget is one across every node.
type RateLimiter interface {
	// Take counts one request of key against bucket and says whether it may pass under limit.
	// A refused request is not counted, so a client that waits for the reset gets a full
	// window. Take never fails: an implementation that cannot reach its store answers from a
	// fallback and says so in its own logs.
	Take(ctx context.Context, bucket, key string, limit int) RateDecision
}

// RateDecision is one answer of a RateLimiter, with what the rate-limit headers need.
type RateDecision struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time // when the current window ends
}
