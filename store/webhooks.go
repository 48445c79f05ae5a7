package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard"
)

var _ switchboard.WebhookStore = (*Store)(nil)

const webhookColumns = `id, instance_id, label, enabled, url, authorization_sealed, by_events, events, media_base64,
	secret, disabled_reason, created_at, updated_at`

// UpsertWebhook creates or replaces the (instance, label) webhook. The instance row is locked
// first (PostgreSQL; SQLite's immediate transaction already excludes other writers), so two
// concurrent requests cannot both pass the "at most 3 enabled" check.
func (s *Store) UpsertWebhook(ctx context.Context, w *switchboard.Webhook) error {
	events := w.Events
	if events == nil {
		events = []string{}
	}
	encoded, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("store: encode webhook events: %w", err)
	}
	at := now()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM instances WHERE id = $1`+s.lockRow(), w.InstanceID).Scan(&id)
		if isNoRows(err) {
			return switchboard.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock instance: %w", err)
		}
		if w.Enabled {
			var others int
			if err := tx.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM webhooks WHERE instance_id = $1 AND enabled = $2 AND label <> $3`,
				w.InstanceID, true, w.Label).Scan(&others); err != nil {
				return fmt.Errorf("count enabled webhooks: %w", err)
			}
			if others >= switchboard.MaxEnabledWebhooks {
				return switchboard.ErrTooManyWebhooks
			}
		}
		var created int64
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO webhooks (instance_id, label, enabled, url, authorization_sealed, by_events, events,
			     media_base64, secret, disabled_reason, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
			 ON CONFLICT (instance_id, label) DO UPDATE SET enabled = excluded.enabled, url = excluded.url,
			     authorization_sealed = excluded.authorization_sealed, by_events = excluded.by_events,
			     events = excluded.events, media_base64 = excluded.media_base64, secret = excluded.secret,
			     disabled_reason = excluded.disabled_reason, updated_at = excluded.updated_at
			 RETURNING id, created_at`,
			w.InstanceID, w.Label, w.Enabled, w.URL, nullBytes(w.AuthorizationSealed), w.ByEvents, string(encoded),
			w.MediaBase64, nullBytes(w.SecretSealed), w.DisabledReason, millis(at)).Scan(&w.ID, &created); err != nil {
			return fmt.Errorf("upsert webhook: %w", err)
		}
		w.CreatedAt, w.UpdatedAt = fromMillis(created), at
		if !w.Enabled {
			return killUndelivered(ctx, tx, w.ID, "webhook disabled")
		}
		return nil
	})
	if err != nil && !errors.Is(err, switchboard.ErrTooManyWebhooks) {
		return wrapUnlessNotFound("upsert webhook", err)
	}
	return err
}

// WebhookByLabel finds one webhook of an instance.
func (s *Store) WebhookByLabel(ctx context.Context, instanceID int64, label string) (*switchboard.Webhook, error) {
	list, err := s.queryWebhooks(ctx, `WHERE instance_id = $1 AND label = $2`, instanceID, label)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, switchboard.ErrNotFound
	}
	return list[0], nil
}

// WebhookByID finds a webhook by id, for the dispatcher.
func (s *Store) WebhookByID(ctx context.Context, id int64) (*switchboard.Webhook, error) {
	list, err := s.queryWebhooks(ctx, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, switchboard.ErrNotFound
	}
	return list[0], nil
}

// ListWebhooks lists an instance's webhooks, enabled and disabled, sorted by label.
func (s *Store) ListWebhooks(ctx context.Context, instanceID int64) ([]*switchboard.Webhook, error) {
	return s.queryWebhooks(ctx, `WHERE instance_id = $1 ORDER BY label`, instanceID)
}

func (s *Store) queryWebhooks(ctx context.Context, where string, args ...any) ([]*switchboard.Webhook, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read webhooks: %w", err)
	}
	defer rows.Close()
	var out []*switchboard.Webhook
	for rows.Next() {
		var w switchboard.Webhook
		var events string
		var created, updated int64
		if err := rows.Scan(&w.ID, &w.InstanceID, &w.Label, &w.Enabled, &w.URL, &w.AuthorizationSealed, &w.ByEvents,
			&events, &w.MediaBase64, &w.SecretSealed, &w.DisabledReason, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: read webhook: %w", err)
		}
		if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
			return nil, fmt.Errorf("store: webhook %d events: %w", w.ID, err)
		}
		w.CreatedAt, w.UpdatedAt = fromMillis(created), fromMillis(updated)
		out = append(out, &w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read webhooks: %w", err)
	}
	return out, nil
}
