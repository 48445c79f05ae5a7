package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

// ListDeliveries lists an instance's deliveries, newest event first.
func (s *Store) ListDeliveries(ctx context.Context, f switchboard.DeliveryFilter) ([]switchboard.Delivery, error) {
	where := []string{"w.instance_id = $1"}
	args := []any{f.InstanceID}
	if f.Label != "" {
		args = append(args, f.Label)
		where = append(where, fmt.Sprintf("w.label = $%d", len(args)))
	}
	switch f.Status {
	case "":
	case "failed":
		where = append(where, "d.status IN ('pending', 'retrying') AND d.attempts > 0")
	default:
		args = append(args, f.Status)
		where = append(where, fmt.Sprintf("d.status = $%d", len(args)))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx,
		`SELECT d.webhook_id, w.label, d.event_id, e.type, d.seq, d.status, d.attempts, d.next_at, d.last_status,
		     d.last_error, d.last_latency_ms, d.last_attempt_at, d.created_at
		 FROM webhook_deliveries d
		 JOIN webhooks w ON w.id = d.webhook_id
		 JOIN events e ON e.id = d.event_id
		 WHERE `+strings.Join(where, " AND ")+`
		 ORDER BY d.seq DESC, w.label LIMIT $`+fmt.Sprint(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	defer rows.Close()
	out := []switchboard.Delivery{}
	for rows.Next() {
		var d switchboard.Delivery
		var status string
		var next, last, created int64
		if err := rows.Scan(&d.WebhookID, &d.Label, &d.EventID, &d.EventType, &d.Seq, &status, &d.Attempts, &next,
			&d.LastStatus, &d.LastError, &d.LastLatencyMS, &last, &created); err != nil {
			return nil, fmt.Errorf("store: list deliveries: %w", err)
		}
		d.Status = switchboard.DeliveryStatus(status)
		d.NextAt, d.CreatedAt = fromMillis(next), fromMillis(created)
		if last != 0 {
			d.LastAttemptAt = fromMillis(last)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	rows.Close()
	if err := s.attachHistory(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// attachHistory fills the History of each listed delivery from webhook_attempts, oldest first.
func (s *Store) attachHistory(ctx context.Context, list []switchboard.Delivery) error {
	if len(list) == 0 {
		return nil
	}
	type key struct {
		webhook int64
		event   string
	}
	index := make(map[key]int, len(list))
	seen := make(map[string]bool, len(list))
	var eventIDs []string
	for i, d := range list {
		index[key{d.WebhookID, d.EventID}] = i
		if !seen[d.EventID] { // an event may be listed for several webhooks
			seen[d.EventID] = true
			eventIDs = append(eventIDs, d.EventID)
		}
	}
	args, marks := appendInList(nil, eventIDs)
	rows, err := s.db.QueryContext(ctx,
		`SELECT webhook_id, event_id, at, status_code, error, latency_ms, outcome FROM webhook_attempts
		 WHERE event_id IN (`+marks+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("store: list delivery attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var a switchboard.AttemptRecord
		var at, latency int64
		var outcome string
		if err := rows.Scan(&k.webhook, &k.event, &at, &a.HTTPStatus, &a.Error, &latency, &outcome); err != nil {
			return fmt.Errorf("store: list delivery attempts: %w", err)
		}
		i, ok := index[k]
		if !ok {
			continue // a webhook of the event that the filter left out
		}
		a.At, a.Latency, a.Outcome = fromMillis(at), time.Duration(latency)*time.Millisecond, switchboard.DeliveryStatus(outcome)
		list[i].History = append(list[i].History, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: list delivery attempts: %w", err)
	}
	return nil
}

// Redeliver queues deliveries again from the head of their webhook's ordered lane, with a fresh
// retry schedule. Only deliveries of enabled webhooks are queued: a disabled one would never
// send them.
func (s *Store) Redeliver(ctx context.Context, instanceID int64, eventIDs []string, label string, status switchboard.DeliveryStatus) (int, error) {
	where := []string{"webhook_id IN (SELECT id FROM webhooks WHERE instance_id = $1 AND enabled = $2)"}
	args := []any{instanceID, true, millis(now())}
	if label != "" {
		args = append(args, label)
		where = append(where, fmt.Sprintf("webhook_id IN (SELECT id FROM webhooks WHERE instance_id = $1 AND label = $%d)", len(args)))
	}
	if status != "" {
		args = append(args, string(status))
		where = append(where, fmt.Sprintf("status = $%d", len(args)))
	}
	if len(eventIDs) > 0 {
		var marks string
		args, marks = appendInList(args, eventIDs)
		where = append(where, "event_id IN ("+marks+")")
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_at = $3
		 WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return 0, fmt.Errorf("store: redeliver: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
