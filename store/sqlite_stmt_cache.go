package store

import (
	"container/list"
	"context"
)

// stmtCacheSize is how many compiled statements one connection keeps. whatsmeow's store and
// ours run about 150 distinct statements between them, the hot ones a few dozen; statements
// built per call (IN lists of varying length) pass through and are evicted first.
const stmtCacheSize = 64

// stmtCache keeps one connection's compiled statements by their SQL. database/sql compiles
// the statement of every Exec and Query afresh (prepare, run, finalize), and compiling is
// SQLite's parser and code generator: a fifth of the gateway's CPU in `switchboard-bench
// -scenario send`, most of it for the same few statements, and part of it inside the write
// lock. A cached statement is reset and rebound instead.
//
// Only the connection's own goroutine of the moment uses the cache (database/sql hands a
// connection to one user at a time), so it needs no lock. A statement whose rows are still
// open is busy; running the same SQL again meanwhile (a nested query in a loop over its rows)
// compiles a fresh one, as before the cache.
type stmtCache struct {
	byQuery map[string]*list.Element // of *cachedStmt
	recency *list.List               // front = most recently used
}

type cachedStmt struct {
	query string
	stmt  sqliteStmt
	busy  bool
}

func newStmtCache() *stmtCache {
	return &stmtCache{byQuery: map[string]*list.Element{}, recency: list.New()}
}

// get returns the compiled statement for query, compiling it on first use; nil (and no error)
// when that statement is busy, so the caller runs query the uncached way.
func (c *stmtCache) get(ctx context.Context, conn sqliteConn, query string) (*cachedStmt, error) {
	if el, ok := c.byQuery[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.recency.MoveToFront(el)
		return cs, nil
	}
	s, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	stmt, ok := s.(sqliteStmt)
	if !ok {
		_ = s.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, stmt: stmt}
	c.byQuery[query] = c.recency.PushFront(cs)
	c.evict()
	return cs, nil
}

// evict closes the least recently used statements beyond the cache's size, skipping busy ones
// (their rows are still being read; they go on a later call).
func (c *stmtCache) evict() {
	for el := c.recency.Back(); el != nil && c.recency.Len() > stmtCacheSize; {
		prev := el.Prev()
		if cs := el.Value.(*cachedStmt); !cs.busy {
			_ = cs.stmt.Close()
			delete(c.byQuery, cs.query)
			c.recency.Remove(el)
		}
		el = prev
	}
}

// close finalizes every statement; the connection closes next.
func (c *stmtCache) close() {
	for el := c.recency.Front(); el != nil; el = el.Next() {
		_ = el.Value.(*cachedStmt).stmt.Close()
	}
	c.byQuery, c.recency = map[string]*list.Element{}, list.New()
}
