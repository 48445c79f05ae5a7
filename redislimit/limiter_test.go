package redislimit_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/redislimit"
)

// testRedis connects to SWITCHBOARD_TEST_REDIS (CI sets it; the tests need a real Redis, whose
// Lua and expiry are what is being tested). A set but unreachable address fails the test.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	url := os.Getenv("SWITCHBOARD_TEST_REDIS")
	if url == "" {
		t.Skip("SWITCHBOARD_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0); the Redis limiter needs a real Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("SWITCHBOARD_TEST_REDIS: %v", err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("SWITCHBOARD_TEST_REDIS is set but Redis does not answer: %v", err)
	}
	return rdb
}

func uniquePrefix(t *testing.T) string {
	return fmt.Sprintf("switchboard-test:%s:%d:", t.Name(), time.Now().UnixNano())
}

// The fixed-window semantics of the in-memory limiter hold in Redis: limit passes with the
// remaining count going down, the next is refused and not counted, buckets and keys are apart.
func TestRedisLimiterWindow(t *testing.T) {
	rdb := testRedis(t)
	l := redislimit.New(rdb, redislimit.Options{Prefix: uniquePrefix(t), Fallback: httpapi.NewLocalLimiter(nil)})
	ctx := context.Background()
	start := time.Now()
	for i := 1; i <= 100; i++ {
		d := l.Take(ctx, switchboard.BucketGlobal, "A", 100)
		if !d.Allowed || d.Remaining != 100-i || d.Limit != 100 {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i, d, 100-i)
		}
		if left := d.Reset.Sub(start); left <= 50*time.Second || left > 61*time.Second {
			t.Fatalf("request %d: window ends in %v, want about a minute", i, left)
		}
	}
	for range 3 {
		if d := l.Take(ctx, switchboard.BucketGlobal, "A", 100); d.Allowed || d.Remaining != 0 {
			t.Fatalf("over the limit: %+v, want refused with 0 remaining", d)
		}
	}
	if d := l.Take(ctx, switchboard.BucketGlobal, "B", 100); !d.Allowed || d.Remaining != 99 {
		t.Fatalf("another key: %+v, want its own window", d)
	}
	if d := l.Take(ctx, switchboard.BucketCreate, "A", 20); !d.Allowed || d.Remaining != 19 {
		t.Fatalf("another bucket: %+v, want its own window", d)
	}
	if l.FallbackRequests() != 0 {
		t.Fatalf("%d requests fell back with Redis up", l.FallbackRequests())
	}
}

// Two limiters with their own connections (two nodes) share one budget.
func TestRedisLimiterSharedAcrossNodes(t *testing.T) {
	prefix := uniquePrefix(t)
	a := redislimit.New(testRedis(t), redislimit.Options{Prefix: prefix, Fallback: httpapi.NewLocalLimiter(nil)})
	b := redislimit.New(testRedis(t), redislimit.Options{Prefix: prefix, Fallback: httpapi.NewLocalLimiter(nil)})
	ctx := context.Background()
	allowed := 0
	for i := range 30 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if l.Take(ctx, switchboard.BucketPublic, "10.0.0.1", 10).Allowed {
			allowed++
		}
	}
	if allowed != 10 {
		t.Fatalf("%d of 30 requests passed across two nodes, want the shared 10", allowed)
	}
}

// The window ends when Redis expires the key: a client that waits gets a full window.
func TestRedisLimiterWindowEnds(t *testing.T) {
	rdb := testRedis(t)
	prefix := uniquePrefix(t)
	l := redislimit.New(rdb, redislimit.Options{Prefix: prefix, Fallback: httpapi.NewLocalLimiter(nil)})
	ctx := context.Background()
	l.Take(ctx, switchboard.BucketGlobal, "A", 1)
	if l.Take(ctx, switchboard.BucketGlobal, "A", 1).Allowed {
		t.Fatal("second request passed a limit of 1")
	}
	// Stand in for a minute passing: end the window the way Redis would, by expiring the key.
	if err := rdb.PExpire(ctx, prefix+switchboard.BucketGlobal+":A", time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if d := l.Take(ctx, switchboard.BucketGlobal, "A", 1); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after the window: %+v, want a new window", d)
	}
}

// With Redis unreachable the node counts locally: requests are still limited, never refused
// wholesale and never let through unlimited.
func TestRedisLimiterFallsBackWhenUnreachable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	l := redislimit.New(rdb, redislimit.Options{Fallback: httpapi.NewLocalLimiter(nil)})
	ctx := context.Background()
	allowed := 0
	for range 8 {
		if l.Take(ctx, switchboard.BucketGlobal, "A", 5).Allowed {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("%d of 8 passed a limit of 5 on the fallback", allowed)
	}
	if n := l.FallbackRequests(); n != 8 {
		t.Fatalf("FallbackRequests = %d, want 8", n)
	}
}
