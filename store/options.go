package store

import "time"

// DefaultTokenCacheTTL is how long a successful token lookup is served from memory (see
// tokencache.go). Two seconds take the database off nearly every request of a busy client while
// bounding how late this process sees a token revoked by another process.
const DefaultTokenCacheTTL = 2 * time.Second

// Option changes how Open sets up a Store.
type Option func(*options)

type options struct {
	tokenCacheTTL time.Duration
}

func defaultOptions() options {
	return options{tokenCacheTTL: DefaultTokenCacheTTL}
}

// WithTokenCacheTTL sets how long AccountByTokenHash and InstanceByTokenHash may answer from
// memory; 0 (or less) disables the cache, so every lookup reads the database. Writes through the
// same Store are seen at once either way; the TTL only bounds how long a change made by another
// process (another gateway on the same PostgreSQL, or the CLI) can go unseen.
func WithTokenCacheTTL(ttl time.Duration) Option {
	return func(o *options) { o.tokenCacheTTL = ttl }
}
