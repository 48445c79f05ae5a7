package store

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard"
)

// PollVotes lists the decrypted votes stored on one poll, oldest first (messages_quoted index).
func (s *Store) PollVotes(ctx context.Context, instanceID int64, pollID string) ([]*switchboard.StoredMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE instance_id = $1 AND quoted_id = $2 AND type = $3 ORDER BY ts, stored_at`,
		instanceID, pollID, string(switchboard.MessagePollVote))
	if err != nil {
		return nil, fmt.Errorf("store: poll votes: %w", err)
	}
	defer rows.Close()
	var out []*switchboard.StoredMessage
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: poll votes: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
