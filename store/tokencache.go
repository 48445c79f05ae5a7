package store

import (
	"sync"
	"time"
)

// tokenCache is the read-through cache of the two token lookups that authenticate every request
// (AccountByTokenHash, InstanceByTokenHash). On the gateway's cheapest authenticated route the
// prepared SQLite query was about 40% of the CPU; a client sends the same token again and again,
// so a short-lived copy of the row takes the database off nearly every request.
//
// Its rules, and why each one is safe:
//
//   - Only rows that were found are cached, never "not found". A token created by another process
//     (`switchboard account create`, another gateway) is therefore accepted at once.
//   - The key is the SHA-256 token hash the caller passes. Since only found rows are cached, every
//     key is a hash that is stored in the database anyway; no plaintext token is ever kept.
//   - An entry lives at most ttl (DefaultTokenCacheTTL, WithTokenCacheTTL; 0 disables the cache).
//   - Every write through this Store to a cached row drops its entry before the write returns
//     (writeInstance in instance_write.go), so within one process a deleted instance's token is
//     refused at once and a changed setting is seen at once.
//   - A write by ANOTHER process: on PostgreSQL a trigger notifies every Store, which drops the
//     row's entry when the notification arrives (tokencache_notify.go), so a token deleted or
//     rotated elsewhere is refused within milliseconds. On SQLite nothing can reach this memory:
//     this process sees an instance deleted, a token rotated or a setting changed by another
//     process (the CLI) up to ttl late. That lag is bounded and short, and only affects a token
//     used within the last ttl; new tokens are never delayed.
//   - While the PostgreSQL listener is down the cache is suspended (suspend/resume): every lookup
//     reads the database, and nothing is cached that a lost notification could leave stale.
//   - Callers get their own copy (clone), so nothing a handler does to its row reaches the cache.
//   - It holds at most limit entries; see put for what happens when it is full.
type tokenCache[T any] struct {
	ttl   time.Duration
	limit int            // most entries held
	clone func(*T) *T    // a deep copy: callers and the cache never share memory
	idOf  func(*T) int64 // the row's primary key, for invalidation by id

	mu sync.Mutex
	// epoch counts invalidations. A lookup that missed notes it before reading the database and
	// stores its row only if it has not moved since: otherwise a read that started before a write
	// could cache the old row after the write dropped the entry, and serve it for a whole ttl.
	epoch   uint64
	entries map[string]cacheEntry[T] // by token hash
	hashOf  map[int64]string         // row id → the token hash its entry is under
	// suspended turns the cache off while cross-process invalidations cannot be heard.
	suspended bool
}

type cacheEntry[T any] struct {
	row     *T // never handed out or changed: callers get clones
	expires time.Time
}

// maxTokenCacheEntries bounds the memory: about 10,000 rows of a few hundred bytes each. A
// gateway only reaches it with more than 5,000 distinct tokens a second at the default TTL.
const maxTokenCacheEntries = 10_000

func newTokenCache[T any](ttl time.Duration, limit int, clone func(*T) *T, idOf func(*T) int64) *tokenCache[T] {
	return &tokenCache[T]{
		ttl: ttl, limit: limit, clone: clone, idOf: idOf,
		entries: make(map[string]cacheEntry[T]),
		hashOf:  make(map[int64]string),
	}
}

// lookup answers from the cache, or else calls load and caches what it found. load's errors,
// ErrNotFound included, are returned as they are and never cached.
func (c *tokenCache[T]) lookup(hash string, load func() (*T, error)) (*T, error) {
	if c.ttl <= 0 {
		return load()
	}
	if row, ok := c.get(hash); ok {
		return row, nil
	}
	epoch := c.currentEpoch()
	row, err := load()
	if err == nil {
		c.put(hash, row, epoch)
	}
	return row, err
}

// get returns a copy of the live entry for hash.
func (c *tokenCache[T]) get(hash string) (*T, bool) {
	c.mu.Lock()
	e, ok := c.entries[hash]
	if ok && (c.suspended || !time.Now().Before(e.expires)) {
		c.drop(hash, e.row)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return c.clone(e.row), true // e.row is never changed, so copying it needs no lock
}

func (c *tokenCache[T]) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put caches a copy of row under hash, unless an invalidation happened since epoch was read.
// When the cache is full it first drops the expired entries and, if that frees less than a
// quarter, drops everything: a full sweep then happens at most once per limit/4 puts, so a put
// costs O(1) amortised, and the only cost of clearing is one database read per live token.
func (c *tokenCache[T]) put(hash string, row *T, epoch uint64) {
	own := c.clone(row)
	expires := time.Now().Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch || c.suspended {
		return
	}
	if _, replacing := c.entries[hash]; !replacing && len(c.entries) >= c.limit {
		c.sweep()
	}
	id := c.idOf(own)
	if old, ok := c.hashOf[id]; ok && old != hash {
		delete(c.entries, old) // the row's token changed: its old hash must not keep answering
	}
	c.entries[hash] = cacheEntry[T]{row: own, expires: expires}
	c.hashOf[id] = hash
}

// sweep makes room; the caller holds mu.
func (c *tokenCache[T]) sweep() {
	now := time.Now()
	for hash, e := range c.entries {
		if !now.Before(e.expires) {
			c.drop(hash, e.row)
		}
	}
	if len(c.entries) > c.limit*3/4 {
		clear(c.entries)
		clear(c.hashOf)
	}
}

// invalidate drops the entry of row id, and makes lookups already reading the database discard
// what they read. Call it after the write is committed, before returning to the caller.
func (c *tokenCache[T]) invalidate(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if hash, ok := c.hashOf[id]; ok {
		delete(c.entries, hash)
		delete(c.hashOf, id)
	}
}

// drop removes the entry of hash, whose row is row; the caller holds mu.
func (c *tokenCache[T]) drop(hash string, row *T) {
	delete(c.entries, hash)
	if id := c.idOf(row); c.hashOf[id] == hash {
		delete(c.hashOf, id)
	}
}

// suspend empties the cache and keeps it empty until resume: lookups then read the database.
func (c *tokenCache[T]) suspend() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.suspended = true
	clear(c.entries)
	clear(c.hashOf)
}

// resume lets the cache fill again, from empty: whatever was cached before may have missed an
// invalidation.
func (c *tokenCache[T]) resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.suspended = false
	clear(c.entries)
	clear(c.hashOf)
}
