package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard/switchboard"
)

var _ switchboard.WebsocketStore = (*Store)(nil)

// SetWebsocketConfig creates or replaces the instance's WebSocket configuration.
func (s *Store) SetWebsocketConfig(ctx context.Context, c *switchboard.WebsocketConfig) error {
	events := c.Events
	if events == nil {
		events = []string{}
	}
	encoded, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("store: encode websocket events: %w", err)
	}
	c.UpdatedAt = now()
	_, err = s.db.ExecContext(ctx,
		`INSERT INTO websocket_configs (instance_id, enabled, events, media_base64, updated_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (instance_id) DO UPDATE SET enabled = excluded.enabled, events = excluded.events,
		     media_base64 = excluded.media_base64, updated_at = excluded.updated_at`,
		c.InstanceID, c.Enabled, string(encoded), c.MediaBase64, millis(c.UpdatedAt))
	if violates(err, foreignKeyViolation, "") {
		return switchboard.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: set websocket config: %w", err)
	}
	return nil
}

// WebsocketConfigOf reads the instance's WebSocket configuration.
func (s *Store) WebsocketConfigOf(ctx context.Context, instanceID int64) (*switchboard.WebsocketConfig, error) {
	c := switchboard.WebsocketConfig{InstanceID: instanceID}
	var events string
	var updated int64
	err := s.db.QueryRowContext(ctx,
		`SELECT enabled, events, media_base64, updated_at FROM websocket_configs WHERE instance_id = $1`, instanceID).
		Scan(&c.Enabled, &events, &c.MediaBase64, &updated)
	if isNoRows(err) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read websocket config: %w", err)
	}
	if err := json.Unmarshal([]byte(events), &c.Events); err != nil {
		return nil, fmt.Errorf("store: websocket events: %w", err)
	}
	c.UpdatedAt = fromMillis(updated)
	return &c, nil
}

// EventsSince lists up to limit events of an instance with seq > afterSeq, in order, with the
// instance's name for their envelopes. Test pings (stored for one webhook) are not included.
func (s *Store) EventsSince(ctx context.Context, instanceID, afterSeq int64, limit int) ([]switchboard.Event, string, error) {
	var name string
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM instances WHERE id = $1`, instanceID).Scan(&name); err != nil {
		if isNoRows(err) {
			return nil, "", switchboard.ErrNotFound
		}
		return nil, "", fmt.Errorf("store: events since: %w", err)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, seq, type, dedupe_key, data, occurred_at FROM events
		 WHERE instance_id = $1 AND seq > $2 AND type <> $3 ORDER BY seq LIMIT $4`,
		instanceID, afterSeq, switchboard.EventWebhookTest, limit)
	if err != nil {
		return nil, "", fmt.Errorf("store: events since: %w", err)
	}
	defer rows.Close()
	var out []switchboard.Event
	for rows.Next() {
		e := switchboard.Event{InstanceID: instanceID}
		var data []byte
		var occurred int64
		if err := rows.Scan(&e.ID, &e.Seq, &e.Type, &e.DedupeKey, &data, &occurred); err != nil {
			return nil, "", fmt.Errorf("store: events since: %w", err)
		}
		e.Data, e.OccurredAt = data, fromMillis(occurred)
		out = append(out, e)
	}
	return out, name, rows.Err()
}
