package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard"
)

var _ switchboard.IdempotencyStore = (*Store)(nil)

// IdempotencyTTL is how long an Idempotency-Key protects its request (Stripe's 24 hours). A record
// older than that no longer exists as far as BeginIdempotent is concerned, even before
// PurgeIdempotent has deleted it.
const IdempotencyTTL = 24 * time.Hour

// BeginIdempotent inserts rec as a running record (Status 0, no body) and returns created=true,
// or returns the live record already holding (rec.AccountID, rec.Key) and created=false; the
// caller compares Route and RequestHash and replays, rejects or reports "in flight".
//
// rec.CreatedAt is the request's time (now when zero). Passing it in keeps the expiry on the
// caller's clock, which a test can move: a record created more than IdempotencyTTL before it is
// replaced as if it had been purged. An unknown account is ErrNotFound.
func (s *Store) BeginIdempotent(ctx context.Context, rec switchboard.IdempotencyRecord) (*switchboard.IdempotencyRecord, bool, error) {
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = now()
	}
	created := millis(rec.CreatedAt)
	expired := millis(rec.CreatedAt.Add(-IdempotencyTTL))
	// The insert and the read share a transaction, but on PostgreSQL (READ COMMITTED) the record
	// that blocked our insert can still be abandoned before we read it; then the key is free
	// again and another round inserts ours. Two rounds are enough for one such race; a few more
	// make a storm of abandons harmless.
	for attempt := 0; attempt < 5; attempt++ {
		var existing *switchboard.IdempotencyRecord
		inserted := false
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND created_at < $3`,
				rec.AccountID, rec.Key, expired); err != nil {
				return fmt.Errorf("expire: %w", err)
			}
			res, err := tx.ExecContext(ctx,
				`INSERT INTO idempotency_keys (account_id, key, route, request_hash, status, body, created_at)
				 VALUES ($1, $2, $3, $4, 0, NULL, $5)
				 ON CONFLICT (account_id, key) DO NOTHING`,
				rec.AccountID, rec.Key, rec.Route, rec.RequestHash, created)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				inserted = true
				return nil
			}
			existing, err = scanIdempotency(tx.QueryRowContext(ctx,
				`SELECT account_id, key, route, request_hash, status, body, created_at
				 FROM idempotency_keys WHERE account_id = $1 AND key = $2`, rec.AccountID, rec.Key))
			if isNoRows(err) {
				existing = nil
				return nil
			}
			return err
		})
		switch {
		case violates(err, foreignKeyViolation, ""):
			return nil, false, switchboard.ErrNotFound
		case err != nil:
			return nil, false, fmt.Errorf("store: begin idempotent request: %w", err)
		case inserted:
			return nil, true, nil
		case existing != nil:
			return existing, false, nil
		}
	}
	return nil, false, errors.New("store: begin idempotent request: key kept changing hands; try again")
}

// FinishIdempotent stores the response to replay for the key.
func (s *Store) FinishIdempotent(ctx context.Context, accountID int64, key string, status int, body []byte) error {
	res, err := s.db.ExecContext(ctx,
		`UPDATE idempotency_keys SET status = $3, body = $4 WHERE account_id = $1 AND key = $2`,
		accountID, key, status, nullBytes(body))
	return wrapUnlessNotFound("finish idempotent request", rowsChanged(res, err, switchboard.ErrNotFound))
}

// AbandonIdempotent deletes the key's record if it is still running, freeing the key for a retry.
// A finished record is kept (it is a promise to replay); then, or when there is no record, the
// result is ErrNotFound, which a caller cleaning up may ignore.
func (s *Store) AbandonIdempotent(ctx context.Context, accountID int64, key string) error {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND status = 0`, accountID, key)
	return wrapUnlessNotFound("abandon idempotent request", rowsChanged(res, err, switchboard.ErrNotFound))
}

// AbandonRunningIdempotent frees every key whose request is still marked running and returns
// how many there were. It is meant for boot, like InterruptRunningJobs: such a request died with
// the previous process and will never finish, and without this its client would get "still
// running" for a day; freed, a retry with the same key runs again.
func (s *Store) AbandonRunningIdempotent(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE status = 0`)
	if err != nil {
		return 0, fmt.Errorf("store: abandon running idempotent requests: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: abandon running idempotent requests: %w", err)
	}
	return int(n), nil
}

// PurgeIdempotent deletes every record created before olderThan, finished or not: a record still
// running after a day belongs to a process that died.
func (s *Store) PurgeIdempotent(ctx context.Context, olderThan time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, millis(olderThan))
	if err != nil {
		return fmt.Errorf("store: purge idempotency keys: %w", err)
	}
	return nil
}

func scanIdempotency(row scanner) (*switchboard.IdempotencyRecord, error) {
	var rec switchboard.IdempotencyRecord
	var created int64
	if err := row.Scan(&rec.AccountID, &rec.Key, &rec.Route, &rec.RequestHash, &rec.Status, &rec.Body, &created); err != nil {
		return nil, err
	}
	rec.CreatedAt = fromMillis(created)
	return &rec, nil
}
