package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

func newTestCache(ttl time.Duration, limit int) *tokenCache[switchboard.Account] {
	return newTokenCache(ttl, limit, cloneAccount, accountID)
}

// fill puts rows 1..n under hashes "h1".."hn".
func fill(c *tokenCache[switchboard.Account], from, n int) {
	for i := from; i < from+n; i++ {
		c.put(fmt.Sprintf("h%d", i), &switchboard.Account{ID: int64(i)}, c.currentEpoch())
	}
}

// consistent checks the id index against the entries: one hashOf per entry, pointing back at it.
func consistent(t *testing.T, c *tokenCache[switchboard.Account]) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > c.limit {
		t.Fatalf("%d entries, limit %d", len(c.entries), c.limit)
	}
	if len(c.hashOf) != len(c.entries) {
		t.Fatalf("%d ids for %d entries", len(c.hashOf), len(c.entries))
	}
	for id, hash := range c.hashOf {
		if e, ok := c.entries[hash]; !ok || e.row.ID != id {
			t.Fatalf("id %d points at %q, which is not its entry", id, hash)
		}
	}
}

// TestTokenCacheBounded: however many tokens pass, the cache holds at most its limit, and when
// full it keeps the live entries if dropping the expired ones made enough room.
func TestTokenCacheBounded(t *testing.T) {
	c := newTestCache(time.Hour, 8)
	for round := range 10 {
		fill(c, round*8+1, 8)
		consistent(t, c)
	}

	// Half the entries expired: a full cache drops those and keeps the rest.
	c = newTestCache(time.Hour, 8)
	fill(c, 1, 8)
	c.mu.Lock()
	for hash, e := range c.entries {
		if e.row.ID%2 == 0 {
			e.expires = time.Now().Add(-time.Second)
			c.entries[hash] = e
		}
	}
	c.mu.Unlock()
	fill(c, 9, 1)
	consistent(t, c)
	for _, hash := range []string{"h1", "h3", "h5", "h7", "h9"} {
		if _, ok := c.get(hash); !ok {
			t.Fatalf("live entry %s was dropped", hash)
		}
	}
}

// TestTokenCacheDiscardsReadsOlderThanInvalidation: a row read before an invalidation is not
// cached after it, and a row whose token changed drops its old hash.
func TestTokenCacheDiscardsReadsOlderThanInvalidation(t *testing.T) {
	c := newTestCache(time.Hour, 8)
	epoch := c.currentEpoch()
	c.invalidate(42) // a write of any row, committed while the read was in flight
	c.put("h1", &switchboard.Account{ID: 1}, epoch)
	if _, ok := c.get("h1"); ok {
		t.Fatal("a read that started before an invalidation was cached")
	}

	c.put("old", &switchboard.Account{ID: 1}, c.currentEpoch())
	c.put("new", &switchboard.Account{ID: 1}, c.currentEpoch())
	if _, ok := c.get("old"); ok {
		t.Fatal("the row's old token hash still answers")
	}
	consistent(t, c)
	c.invalidate(1)
	if _, ok := c.get("new"); ok {
		t.Fatal("invalidate left the entry")
	}
	consistent(t, c)
}
