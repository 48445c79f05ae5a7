package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

// NextDelivery returns the delivery webhookID should attempt at now: a due event of the retry
// lane first (the earliest due), else the head of the ordered lane (the lowest seq) when it is
// due. When nothing is due it returns nil and the earliest instant something will be (zero when
// the webhook has nothing undelivered).
func (s *Store) NextDelivery(ctx context.Context, webhookID int64, at time.Time) (*switchboard.PendingDelivery, time.Time, error) {
	var eventID string
	err := s.db.QueryRowContext(ctx,
		`SELECT event_id FROM webhook_deliveries
		 WHERE webhook_id = $1 AND status = 'retrying' AND next_at <= $2
		 ORDER BY next_at, seq LIMIT 1`, webhookID, millis(at)).Scan(&eventID)
	if err == nil {
		out, err := s.outboundEvent(ctx, webhookID, eventID)
		return out, time.Time{}, err
	}
	if !isNoRows(err) {
		return nil, time.Time{}, fmt.Errorf("store: next delivery: %w", err)
	}
	var headAt int64
	err = s.db.QueryRowContext(ctx,
		`SELECT event_id, next_at FROM webhook_deliveries
		 WHERE webhook_id = $1 AND status = 'pending' ORDER BY seq LIMIT 1`, webhookID).Scan(&eventID, &headAt)
	switch {
	case err == nil && headAt <= millis(at):
		out, err := s.outboundEvent(ctx, webhookID, eventID)
		return out, time.Time{}, err
	case err != nil && !isNoRows(err):
		return nil, time.Time{}, fmt.Errorf("store: next delivery: %w", err)
	}
	// Nothing due: wake at the ordered head's time or the earliest retry, whichever comes first.
	var retryAt sql.NullInt64
	if err := s.db.QueryRowContext(ctx,
		`SELECT MIN(next_at) FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'retrying'`,
		webhookID).Scan(&retryAt); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: next delivery: %w", err)
	}
	var wake int64
	if eventID != "" {
		wake = headAt
	}
	if retryAt.Valid && (wake == 0 || retryAt.Int64 < wake) {
		wake = retryAt.Int64
	}
	if wake == 0 {
		return nil, time.Time{}, nil
	}
	return nil, fromMillis(wake), nil
}

func (s *Store) outboundEvent(ctx context.Context, webhookID int64, eventID string) (*switchboard.PendingDelivery, error) {
	var out switchboard.PendingDelivery
	var status string
	var data []byte
	var occurred int64
	err := s.db.QueryRowContext(ctx,
		`SELECT e.id, e.instance_id, e.seq, e.type, e.dedupe_key, e.data, e.occurred_at, i.name, d.status, d.attempts
		 FROM webhook_deliveries d
		 JOIN events e ON e.id = d.event_id
		 JOIN instances i ON i.id = e.instance_id
		 WHERE d.webhook_id = $1 AND d.event_id = $2`, webhookID, eventID).
		Scan(&out.ID, &out.InstanceID, &out.Seq, &out.Type, &out.DedupeKey, &data, &occurred,
			&out.InstanceName, &status, &out.Attempts)
	if err != nil {
		return nil, fmt.Errorf("store: read outbound event: %w", err)
	}
	out.Data, out.OccurredAt, out.Status = data, fromMillis(occurred), switchboard.DeliveryStatus(status)
	return &out, nil
}

// AttemptHistory is how many attempts of one delivery webhook_attempts keeps: the newest ones.
// The default schedule makes 10 attempts, so a whole schedule and a redelivery fit.
const AttemptHistory = 20

// RecordAttempt stores an attempt's outcome: the delivery's counters and latest outcome, and one
// row of its attempt history (pruned to the newest AttemptHistory). It changes only a delivery
// still waiting (pending or retrying): one marked dead meanwhile, by a disable, stays dead, and
// the attempt is then not logged either.
func (s *Store) RecordAttempt(ctx context.Context, webhookID int64, eventID string, a switchboard.DeliveryAttempt) error {
	msg := truncate(a.Error, 500)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, next_at = $4, last_status = $5,
			     last_error = $6, last_latency_ms = $7, last_attempt_at = $8
			 WHERE webhook_id = $1 AND event_id = $2 AND status IN ('pending', 'retrying')`,
			webhookID, eventID, string(a.Status), millis(a.NextAt), a.HTTPStatus, msg,
			a.Latency.Milliseconds(), millis(a.At))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO webhook_attempts (webhook_id, event_id, at, status_code, error, latency_ms, outcome)
			 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			webhookID, eventID, millis(a.At), a.HTTPStatus, msg, a.Latency.Milliseconds(), string(a.Status)); err != nil {
			return err
		}
		// Nothing to delete until a delivery has made more than AttemptHistory attempts: the
		// subquery finds no row then, and the index keeps it a short range scan.
		_, err = tx.ExecContext(ctx,
			`DELETE FROM webhook_attempts WHERE event_id = $2 AND webhook_id = $1 AND id <= (
			     SELECT id FROM webhook_attempts WHERE event_id = $2 AND webhook_id = $1
			     ORDER BY id DESC LIMIT 1 OFFSET $3)`, webhookID, eventID, AttemptHistory)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: record delivery attempt: %w", err)
	}
	return nil
}

// DisableWebhook turns a webhook off on the gateway's own decision (the receiver answered 410
// Gone), keeping its URL so the owner sees which one, and marks what it had not delivered dead.
func (s *Store) DisableWebhook(ctx context.Context, webhookID int64, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`UPDATE webhooks SET enabled = $2, disabled_reason = $3, updated_at = $4 WHERE id = $1`,
			webhookID, false, reason, millis(now())); err != nil {
			return fmt.Errorf("store: disable webhook: %w", err)
		}
		return killUndelivered(ctx, tx, webhookID, "webhook disabled: "+reason)
	})
}

// killUndelivered marks a webhook's waiting deliveries dead.
func killUndelivered(ctx context.Context, tx *sql.Tx, webhookID int64, why string) error {
	_, err := tx.ExecContext(ctx,
		`UPDATE webhook_deliveries SET status = 'dead', last_error = $2
		 WHERE webhook_id = $1 AND status IN ('pending', 'retrying')`, webhookID, why)
	if err != nil {
		return fmt.Errorf("mark undelivered events dead: %w", err)
	}
	return nil
}

// EnabledWebhooks lists every enabled webhook of every instance, for the dispatchers.
func (s *Store) EnabledWebhooks(ctx context.Context) ([]*switchboard.Webhook, error) {
	return s.queryWebhooks(ctx, `WHERE enabled = $1 ORDER BY id`, true)
}

// PurgeEvents deletes events stored before olderThan that no webhook still waits for and that
// every broker sink named in keepFor has published; their delivery rows go with them. It returns
// how many events were deleted.
func (s *Store) PurgeEvents(ctx context.Context, olderThan time.Time, keepFor ...string) (int, error) {
	query := `DELETE FROM events WHERE created_at < $1 AND NOT EXISTS (
	     SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status IN ('pending', 'retrying'))`
	args := []any{millis(olderThan)}
	for _, sink := range keepFor {
		args = append(args, sink)
		query += fmt.Sprintf(` AND events.seq <= COALESCE((SELECT c.last_seq FROM event_sink_cursors c
		     WHERE c.sink = $%d AND c.instance_id = events.instance_id), 0)`, len(args))
	}
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: purge events: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// truncate shortens s to at most n bytes without splitting a UTF-8 sequence (PostgreSQL refuses
// invalid UTF-8 in TEXT).
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ClaimDelivery reserves the attempt at a delivery NextDelivery returned: it moves the row's
// next_at to until, provided the row is still waiting and due at at. Only one caller wins (one
// conditional UPDATE, row-locked), so when several processes run a dispatcher for the same
// webhook (the nodes of a cluster on one PostgreSQL), each attempt is made by one of them. The
// others then see the head not due and wait, which keeps the ordered lane in order. The
// attempt's RecordAttempt sets next_at again; a holder that dies first leaves the row due again
// at until, when another process retries it with the same webhook-id.
func (s *Store) ClaimDelivery(ctx context.Context, webhookID int64, eventID string, at, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx,
		`UPDATE webhook_deliveries SET next_at = $4
		 WHERE webhook_id = $1 AND event_id = $2 AND status IN ('pending', 'retrying') AND next_at <= $3`,
		webhookID, eventID, millis(at), millis(until))
	if err != nil {
		return false, fmt.Errorf("store: claim delivery: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
