package switchboard

import (
	"context"
	"time"
)

// IdempotencyRecord is a stored response to a request that carried an Idempotency-Key.
type IdempotencyRecord struct {
	Key         string
	AccountID   int64
	Route       string
	RequestHash string
	Status      int    // 0 while the first request is still running
	Body        []byte // the response body to replay
	CreatedAt   time.Time
}

// IdempotencyStore keeps Idempotency-Key records for 24 hours. Besides the errors named below,
// any method may return a wrapped database error.
type IdempotencyStore interface {
	// BeginIdempotent inserts a running record, or returns the existing one (created=false).
	// ErrNotFound for an unknown account.
	BeginIdempotent(ctx context.Context, rec IdempotencyRecord) (existing *IdempotencyRecord, created bool, err error)
	// FinishIdempotent stores the answer to replay: ErrNotFound when the record is gone.
	FinishIdempotent(ctx context.Context, accountID int64, key string, status int, body []byte) error
	// AbandonIdempotent removes a running record whose request failed before doing anything:
	// ErrNotFound when there was none, which a caller cleaning up may ignore.
	AbandonIdempotent(ctx context.Context, accountID int64, key string) error
	PurgeIdempotent(ctx context.Context, olderThan time.Time) error
}
