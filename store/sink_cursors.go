package store

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard"
)

// SinkBacklog lists up to limit instances with an id above afterInstanceID whose events the
// named broker sink has not all published: each with its name, the sink's cursor (0 when it
// never published any) and the instance's last sequence number, lowest instance id first.
func (s *Store) SinkBacklog(ctx context.Context, sink string, afterInstanceID int64, limit int) ([]switchboard.SinkBacklog, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT q.instance_id, i.name, COALESCE(c.last_seq, 0), q.last_seq
		 FROM event_sequences q
		 JOIN instances i ON i.id = q.instance_id
		 LEFT JOIN event_sink_cursors c ON c.sink = $1 AND c.instance_id = q.instance_id
		 WHERE q.instance_id > $2 AND q.last_seq > COALESCE(c.last_seq, 0)
		 ORDER BY q.instance_id LIMIT $3`, sink, afterInstanceID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: sink backlog: %w", err)
	}
	defer rows.Close()
	var out []switchboard.SinkBacklog
	for rows.Next() {
		var b switchboard.SinkBacklog
		if err := rows.Scan(&b.InstanceID, &b.InstanceName, &b.Cursor, &b.LastSeq); err != nil {
			return nil, fmt.Errorf("store: sink backlog: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetSinkCursor records that the named sink published the instance's events up to seq. The
// cursor never moves back, so a late write of an older position cannot re-publish anything.
func (s *Store) SetSinkCursor(ctx context.Context, sink string, instanceID, seq int64) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO event_sink_cursors (sink, instance_id, last_seq, updated_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (sink, instance_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at
		 WHERE event_sink_cursors.last_seq < excluded.last_seq`,
		sink, instanceID, seq, millis(now()))
	switch {
	case err == nil:
		return nil
	case violates(err, foreignKeyViolation, ""):
		return switchboard.ErrNotFound // the instance was deleted meanwhile, its events with it
	default:
		return fmt.Errorf("store: set sink cursor: %w", err)
	}
}
