// Package redislimit is the cluster's switchboard.RateLimiter: the same fixed one-minute
// windows as the in-memory limiter, kept in Redis so that every node of a cluster draws from
// one budget per token and per client address. When Redis cannot be reached, each node answers
// from its own in-memory limiter (a budget per node for as long as Redis is away) and logs the
// switch both ways, because a rate limit that fails closed would take the whole API down with
// the cache.
package redislimit
