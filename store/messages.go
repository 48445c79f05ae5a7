package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

var _ switchboard.MessageStore = (*Store)(nil)

const messageColumns = `instance_id, id, chat, sender, from_me, ts, type, content, payload, source,
	status, media, poll_secret, quoted_id, edited, revoked`

// storedClock stamps inserts so that messages of the same second (WhatsApp's timestamps have
// no finer grain) list in the order they reached us. Strictly increasing within the process.
var storedClock struct {
	sync.Mutex
	last int64
}

func storedAt() int64 {
	storedClock.Lock()
	defer storedClock.Unlock()
	n := time.Now().UnixNano()
	if n <= storedClock.last {
		n = storedClock.last + 1
	}
	storedClock.last = n
	return n
}

// SaveMessage inserts m or replaces the row of the same (instance, id): a message we sent comes
// back from our own phone's sync with the same id, and the later copy must not duplicate it. A
// replacement keeps the higher status and the edited/revoked flags already recorded.
func (s *Store) SaveMessage(ctx context.Context, m *switchboard.StoredMessage) error {
	var media []byte
	if m.Media != nil {
		var err error
		if media, err = json.Marshal(m.Media); err != nil {
			return fmt.Errorf("store: save message: %w", err)
		}
	}
	ts := m.Timestamp
	if ts.IsZero() {
		ts = now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO messages (`+messageColumns+`, stored_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (instance_id, id) DO UPDATE SET
			chat = excluded.chat, sender = excluded.sender, from_me = excluded.from_me, ts = excluded.ts,
			type = excluded.type, content = excluded.content, payload = excluded.payload,
			source = excluded.source, media = excluded.media,
			poll_secret = COALESCE(excluded.poll_secret, messages.poll_secret),
			quoted_id = excluded.quoted_id,
			status = CASE WHEN excluded.status > messages.status THEN excluded.status ELSE messages.status END`,
		m.InstanceID, m.ID, m.Chat.String(), m.Sender.String(), m.FromMe, millis(ts), string(m.Type),
		m.Content, nullBytes(m.Payload), m.Source, int(m.Status), nullBytes(media), nullBytes(m.PollSecret),
		m.QuotedID, m.Edited, m.Revoked, storedAt())
	if err != nil {
		return fmt.Errorf("store: save message: %w", err)
	}
	return nil
}

// Message finds one message of an instance by its WhatsApp id.
func (s *Store) Message(ctx context.Context, instanceID int64, id string) (*switchboard.StoredMessage, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE instance_id = $1 AND id = $2`, instanceID, id)
	m, err := scanMessage(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: message: %w", err)
	}
	return m, nil
}

// ChatHistory lists a chat's messages newest first, strictly older than before when it is set.
func (s *Store) ChatHistory(ctx context.Context, instanceID int64, chat switchboard.JID, before time.Time, limit int) ([]*switchboard.StoredMessage, error) {
	if limit <= 0 {
		limit = 50
	}
	upper := int64(1<<63 - 1)
	if !before.IsZero() {
		upper = millis(before)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE instance_id = $1 AND chat = $2 AND ts < $3 ORDER BY ts DESC, stored_at DESC LIMIT $4`,
		instanceID, chat.String(), upper, limit)
	if err != nil {
		return nil, fmt.Errorf("store: chat history: %w", err)
	}
	defer rows.Close()
	var out []*switchboard.StoredMessage
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: chat history: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: chat history: %w", err)
	}
	return out, nil
}

// UpdateMessageStatus raises the status of the given messages; a late delivery receipt never
// lowers a read one.
func (s *Store) UpdateMessageStatus(ctx context.Context, instanceID int64, ids []string, status switchboard.MessageStatus) error {
	if len(ids) == 0 {
		return nil
	}
	args, marks := appendInList([]any{instanceID, int(status)}, ids)
	_, err := s.db.ExecContext(ctx, `UPDATE messages SET status = $2
		WHERE instance_id = $1 AND status < $2 AND id IN (`+marks+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: message status: %w", err)
	}
	return nil
}

// MarkMessage records an edit (with the new content) or a deletion for everyone.
func (s *Store) MarkMessage(ctx context.Context, instanceID int64, id string, edited bool, content string, revoked bool) error {
	var err error
	switch {
	case revoked:
		_, err = s.db.ExecContext(ctx, `UPDATE messages SET revoked = $3 WHERE instance_id = $1 AND id = $2`, instanceID, id, true)
	case edited:
		_, err = s.db.ExecContext(ctx, `UPDATE messages SET edited = $3, content = $4 WHERE instance_id = $1 AND id = $2`, instanceID, id, true, content)
	}
	if err != nil {
		return fmt.Errorf("store: mark message: %w", err)
	}
	return nil
}

// PurgeMessages deletes the messages older than before (SWITCHBOARD_MESSAGE_RETENTION).
func (s *Store) PurgeMessages(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM messages WHERE ts < $1`, millis(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge messages: %w", err)
	}
	return res.RowsAffected()
}

func scanMessage(row interface{ Scan(...any) error }) (*switchboard.StoredMessage, error) {
	var (
		m                          switchboard.StoredMessage
		chat, sender, typ          string
		ts                         int64
		status                     int
		payload, media, pollSecret []byte
		fromMe, edited, revoked    bool
	)
	if err := row.Scan(&m.InstanceID, &m.ID, &chat, &sender, &fromMe, &ts, &typ, &m.Content, &payload,
		&m.Source, &status, &media, &pollSecret, &m.QuotedID, &edited, &revoked); err != nil {
		return nil, err
	}
	m.Chat, _ = parseStoredJID(chat)
	m.Sender, _ = parseStoredJID(sender)
	m.FromMe, m.Edited, m.Revoked = fromMe, edited, revoked
	m.Timestamp = fromMillis(ts)
	m.Type = switchboard.MessageType(typ)
	m.Status = switchboard.MessageStatus(status)
	m.Payload, m.PollSecret = payload, pollSecret
	if len(media) > 0 {
		m.Media = new(switchboard.MediaRef)
		if err := json.Unmarshal(media, m.Media); err != nil {
			return nil, fmt.Errorf("media of %s: %w", m.ID, err)
		}
	}
	return &m, nil
}

// parseStoredJID reads a JID this store wrote, of any server a chat can have.
func parseStoredJID(s string) (switchboard.JID, error) {
	if s == "" {
		return switchboard.JID{}, nil
	}
	if j, err := switchboard.ParseRecipient(s); err == nil {
		return j, nil
	}
	user, server, _ := strings.Cut(s, "@")
	return switchboard.JID{User: user, Server: server}, nil
}
