package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/switchboard/switchboard"
)

// AppendEvent stores e in the outbox, together with one delivery row per webhook that should
// receive it (every enabled webhook of the instance whose filter accepts the type, or only
// e.OnlyWebhook), in one transaction. It fills ID (when empty), Seq and the dedupe key (the ID
// when empty).
//
// An event whose dedupe key the instance already has is not stored again: the stored one is
// returned with created=false. The sequence number is taken only once the key is known to be
// new, and a PostgreSQL race on the same key rolls the whole transaction back, so seq has no gaps
// from duplicates. An unknown instance is ErrNotFound.
func (s *Store) AppendEvent(ctx context.Context, e switchboard.Event) (stored switchboard.Event, created bool, err error) {
	if e.ID == "" {
		e.ID = switchboard.NewEventID()
	}
	if e.DedupeKey == "" {
		e.DedupeKey = e.ID
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = now()
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage(`{}`)
	}
	if !json.Valid(e.Data) {
		// Refused here, where the producer can still hear it: stored, it could never be sent.
		return e, false, fmt.Errorf("store: append event: data of a %s event is not valid JSON", e.Type)
	}
	created = true
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := eventByDedupeKey(ctx, tx, e.InstanceID, e.DedupeKey)
		if err != nil {
			return err
		}
		if existing != nil {
			stored, created = *existing, false
			return nil
		}
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO event_sequences (instance_id, last_seq) VALUES ($1, 1)
			 ON CONFLICT (instance_id) DO UPDATE SET last_seq = event_sequences.last_seq + 1
			 RETURNING last_seq`, e.InstanceID).Scan(&e.Seq); err != nil {
			return err
		}
		at := millis(now())
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO events (id, instance_id, seq, type, dedupe_key, data, occurred_at, created_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.ID, e.InstanceID, e.Seq, e.Type, e.DedupeKey, []byte(e.Data), millis(e.OccurredAt), at); err != nil {
			return err
		}
		targets, err := deliveryTargets(ctx, tx, e)
		if err != nil {
			return err
		}
		for _, id := range targets {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO webhook_deliveries (webhook_id, event_id, seq, status, next_at, created_at)
				 VALUES ($1, $2, $3, 'pending', $4, $4)`, id, e.ID, e.Seq, at); err != nil {
				return err
			}
		}
		stored = e
		return nil
	})
	switch {
	case err == nil:
		return stored, created, nil
	case violates(err, foreignKeyViolation, ""):
		return e, false, switchboard.ErrNotFound
	case violates(err, uniqueViolation, "dedupe"):
		// A concurrent transaction stored the same key first (PostgreSQL); that one is the event.
		existing, lookupErr := eventByDedupeKey(ctx, s.db, e.InstanceID, e.DedupeKey)
		if lookupErr == nil && existing != nil {
			return *existing, false, nil
		}
		return e, false, fmt.Errorf("store: append event: %w", err)
	default:
		return e, false, fmt.Errorf("store: append event: %w", err)
	}
}

// queryer is what eventByDedupeKey needs from a *sql.Tx or the pool.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func eventByDedupeKey(ctx context.Context, q queryer, instanceID int64, key string) (*switchboard.Event, error) {
	var e switchboard.Event
	var occurred int64
	var data []byte
	err := q.QueryRowContext(ctx,
		`SELECT id, instance_id, seq, type, dedupe_key, data, occurred_at FROM events
		 WHERE instance_id = $1 AND dedupe_key = $2`, instanceID, key).
		Scan(&e.ID, &e.InstanceID, &e.Seq, &e.Type, &e.DedupeKey, &data, &occurred)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find event by dedupe key: %w", err)
	}
	e.Data, e.OccurredAt = data, fromMillis(occurred)
	return &e, nil
}

// deliveryTargets lists the webhooks that get a delivery row for e.
func deliveryTargets(ctx context.Context, tx *sql.Tx, e switchboard.Event) ([]int64, error) {
	if e.OnlyWebhook != 0 {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM webhooks WHERE id = $1 AND instance_id = $2`,
			e.OnlyWebhook, e.InstanceID).Scan(&id)
		if isNoRows(err) {
			return nil, switchboard.ErrNotFound
		}
		return []int64{id}, err
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT id, events FROM webhooks WHERE instance_id = $1 AND enabled = $2 ORDER BY id`, e.InstanceID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var filter string
		if err := rows.Scan(&id, &filter); err != nil {
			return nil, err
		}
		w := switchboard.Webhook{}
		if err := json.Unmarshal([]byte(filter), &w.Events); err != nil {
			return nil, fmt.Errorf("webhook %d: events column: %w", id, err)
		}
		if w.Accepts(e.Type) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}
