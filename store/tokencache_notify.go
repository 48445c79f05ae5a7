package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cross-process invalidation of the token cache, PostgreSQL only.
//
// Migration 0003 makes every UPDATE or DELETE of an accounts or instances row, by any process and
// any SQL, send NOTIFY switchboard_token_cache '<schema>.<table>:<id>' when its transaction
// commits. Each Store on PostgreSQL keeps one connection of its own LISTENing on that channel and
// drops the named row's entry, so a token deleted or rotated by another gateway or by the CLI is
// refused here as soon as the notification arrives (milliseconds), not after the cache's TTL.
//
// What keeps this safe when the listener is not listening:
//
//   - Open connects the listener before it returns, so no lookup is ever cached unheard.
//   - When the connection fails, both caches are cleared and suspended (every lookup reads the
//     database) until it is back; then they are cleared again, because notifications sent while
//     it was down are lost.
//   - A connection that dies without an error (a silent network partition) cannot be told from a
//     quiet one; the TTL still bounds what it can cost.
//
// SQLite has no such channel: there the TTL remains the bound for other processes (README).
// A PostgreSQL reached through a transaction-pooling proxy (PgBouncer in transaction mode) does not
// deliver notifications either; run such deployments with the cache off
// (SWITCHBOARD_TOKEN_CACHE_TTL=0, i.e. WithTokenCacheTTL(0)) or point the gateway at the server.
const (
	tokenCacheChannel = "switchboard_token_cache"
	// listenerAppName tags the listening connection in pg_stat_activity (with its schema).
	listenerAppName = "switchboard-token-cache"
	// listenerMaxBackoff caps the wait between reconnection attempts.
	listenerMaxBackoff = 30 * time.Second
)

// invalidationListener is the running listener: cancel stops it, done closes when it has.
type invalidationListener struct {
	cancel context.CancelFunc
	done   chan struct{}

	// Barriers of awaitInvalidations: a marker notification each, closed when it arrives.
	mu       sync.Mutex
	barriers map[string]chan struct{}
}

// listenForInvalidations connects the listener and starts its goroutine. dsn is the pgx URL.
func (s *Store) listenForInvalidations(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("store: token cache listener: %w", err)
	}
	conn, schema, err := connectListener(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: token cache listener: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.listener = &invalidationListener{cancel: cancel, done: make(chan struct{}), barriers: map[string]chan struct{}{}}
	go s.runListener(runCtx, cfg, conn, schema)
	return nil
}

// connectListener opens the listening connection and returns it with the schema whose rows it
// reports (current_schema(), where this Store's tables are).
func connectListener(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, string, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, "", err
	}
	var schema string
	err = conn.QueryRow(ctx,
		`SELECT current_schema(), set_config('application_name', $1 || ':' || current_schema(), false)`,
		listenerAppName).Scan(&schema, new(string))
	if err == nil {
		_, err = conn.Exec(ctx, "LISTEN "+tokenCacheChannel)
	}
	if err != nil {
		_ = conn.Close(context.Background())
		return nil, "", err
	}
	return conn, schema, nil
}

// runListener applies notifications until ctx ends, reconnecting (with the caches suspended)
// whenever the connection fails.
func (s *Store) runListener(ctx context.Context, cfg *pgx.ConnConfig, conn *pgx.Conn, schema string) {
	defer close(s.listener.done)
	for {
		err := s.applyNotifications(ctx, conn, schema)
		_ = conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		s.suspendTokenCaches()
		s.log.Warn("token cache listener lost; lookups read the database until it is back", "err", err)
		for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, listenerMaxBackoff) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if conn, schema, err = connectListener(ctx, cfg); err == nil {
				break
			}
			s.log.Warn("token cache listener: reconnecting", "err", err)
		}
		s.resumeTokenCaches()
		s.log.Info("token cache listener back")
	}
}

// applyNotifications drops the entry of every row a notification names, until the connection
// fails or ctx ends.
func (s *Store) applyNotifications(ctx context.Context, conn *pgx.Conn, schema string) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		s.applyInvalidation(schema, n.Payload)
	}
}

// applyInvalidation handles one payload "<schema>.<table>:<id>". Rows of another schema (another
// deployment, or another test, on the same database) are not ours; a payload that cannot be read
// clears everything, the safe answer to a trigger this code does not know.
func (s *Store) applyInvalidation(schema, payload string) {
	where, idText, ok := strings.Cut(payload, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	tableSchema, table, _ := strings.Cut(where, ".")
	switch {
	case !ok || err != nil:
		s.suspendTokenCaches()
		s.resumeTokenCaches()
	case tableSchema != schema:
	case table == barrierTable:
		s.listener.passBarrier(idText)
	case table == "instances":
		s.instanceCache.invalidate(id)
	case table == "accounts":
		s.accountCache.invalidate(id)
	default:
		s.suspendTokenCaches()
		s.resumeTokenCaches()
	}
}

func (s *Store) suspendTokenCaches() {
	s.accountCache.suspend()
	s.instanceCache.suspend()
}

func (s *Store) resumeTokenCaches() {
	s.accountCache.resume()
	s.instanceCache.resume()
}

// barrierTable names the marker notifications of awaitInvalidations, which no trigger sends.
const barrierTable = "barrier"

// awaitInvalidations returns once every notification committed before the call has been applied:
// PostgreSQL delivers notifications in commit order, so when a marker sent now arrives, all
// earlier ones have. Without a listener it returns at once. Tests use it to tell "the cache
// answered" from "a notification had not arrived yet".
func (s *Store) awaitInvalidations(ctx context.Context) error {
	if s.listener == nil {
		return nil
	}
	var raw [8]byte
	_, _ = rand.Read(raw[:])
	id := strconv.FormatUint(binary.BigEndian.Uint64(raw[:])>>1, 10)
	arrived := make(chan struct{})
	s.listener.mu.Lock()
	s.listener.barriers[id] = arrived
	s.listener.mu.Unlock()
	defer func() {
		s.listener.mu.Lock()
		delete(s.listener.barriers, id)
		s.listener.mu.Unlock()
	}()
	if _, err := s.db.ExecContext(ctx,
		`SELECT pg_notify($1, current_schema() || '.' || $2 || ':' || $3)`, tokenCacheChannel, barrierTable, id); err != nil {
		return fmt.Errorf("store: token cache barrier: %w", err)
	}
	select {
	case <-arrived:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// passBarrier releases the awaitInvalidations waiting for marker id (another Store's are ignored).
func (l *invalidationListener) passBarrier(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if arrived, ok := l.barriers[id]; ok {
		close(arrived)
		delete(l.barriers, id)
	}
}

// stopListener ends the listener and waits for it (Close).
func (s *Store) stopListener() {
	if s.listener == nil {
		return
	}
	s.listener.cancel()
	<-s.listener.done
}
