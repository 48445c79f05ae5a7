package httpapi

import (
	"context"
	"time"
)

// detachedWriteTimeout bounds a store write that must finish even when the client that caused it
// has gone: recording a job's progress or end, settling an Idempotency-Key, deleting an instance
// row after its session was torn down.
const detachedWriteTimeout = 10 * time.Second

// detached is the one way a piece of work outlives the request that started it: it keeps the
// parent's values (request id and instance for logs) but not its cancellation, and always ends
// after detachedWriteTimeout, so a stuck database cannot pin a goroutine for ever.
func detached(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), detachedWriteTimeout)
}
