package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/switchboard/switchboard"
)

var _ switchboard.LabelStore = (*Store)(nil)

// Labels lists an instance's labels, deleted ones included, by id (numerically when ids are
// numbers, as WhatsApp's are).
func (s *Store) Labels(ctx context.Context, instanceID int64) ([]switchboard.Label, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, color, deleted, predefined FROM chat_labels
		WHERE instance_id = $1 ORDER BY length(id), id`, instanceID)
	if err != nil {
		return nil, fmt.Errorf("store: labels: %w", err)
	}
	defer rows.Close()
	var out []switchboard.Label
	for rows.Next() {
		var l switchboard.Label
		if err := rows.Scan(&l.ID, &l.Name, &l.Color, &l.Deleted, &l.Predefined); err != nil {
			return nil, fmt.Errorf("store: labels: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Store) Label(ctx context.Context, instanceID int64, id string) (*switchboard.Label, error) {
	l := switchboard.Label{ID: id}
	err := s.db.QueryRowContext(ctx, `SELECT name, color, deleted, predefined FROM chat_labels WHERE instance_id = $1 AND id = $2`,
		instanceID, id).Scan(&l.Name, &l.Color, &l.Deleted, &l.Predefined)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: label: %w", err)
	}
	return &l, nil
}

func (s *Store) SaveLabel(ctx context.Context, instanceID int64, l switchboard.Label) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO chat_labels (instance_id, id, name, color, deleted, predefined)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (instance_id, id) DO UPDATE SET name = excluded.name, color = excluded.color,
			deleted = excluded.deleted, predefined = excluded.predefined`,
		instanceID, l.ID, l.Name, l.Color, l.Deleted, l.Predefined)
	if err != nil {
		return fmt.Errorf("store: save label: %w", err)
	}
	return nil
}

func (s *Store) NextLabelID(ctx context.Context, instanceID int64) (string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM chat_labels WHERE instance_id = $1`, instanceID)
	if err != nil {
		return "", fmt.Errorf("store: next label id: %w", err)
	}
	defer rows.Close()
	highest := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("store: next label id: %w", err)
		}
		if n, err := strconv.Atoi(id); err == nil && n > highest {
			highest = n
		}
	}
	return strconv.Itoa(highest + 1), rows.Err()
}

func (s *Store) SetChatLabel(ctx context.Context, instanceID int64, labelID string, chat switchboard.JID, on bool) error {
	var err error
	switch {
	case on:
		_, err = s.db.ExecContext(ctx, `INSERT INTO chat_label_links (instance_id, label_id, chat) VALUES ($1, $2, $3)
			ON CONFLICT (instance_id, label_id, chat) DO NOTHING`, instanceID, labelID, chat.String())
	case chat.IsZero():
		_, err = s.db.ExecContext(ctx, `DELETE FROM chat_label_links WHERE instance_id = $1 AND label_id = $2`, instanceID, labelID)
	default:
		_, err = s.db.ExecContext(ctx, `DELETE FROM chat_label_links WHERE instance_id = $1 AND label_id = $2 AND chat = $3`,
			instanceID, labelID, chat.String())
	}
	if err != nil {
		return fmt.Errorf("store: label chat: %w", err)
	}
	return nil
}

func (s *Store) LabeledChats(ctx context.Context, instanceID int64) ([]switchboard.LabeledChat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT label_id, chat FROM chat_label_links WHERE instance_id = $1
		ORDER BY chat, length(label_id), label_id`, instanceID)
	if err != nil {
		return nil, fmt.Errorf("store: labeled chats: %w", err)
	}
	defer rows.Close()
	var out []switchboard.LabeledChat
	for rows.Next() {
		var lc switchboard.LabeledChat
		var chat string
		if err := rows.Scan(&lc.LabelID, &chat); err != nil {
			return nil, fmt.Errorf("store: labeled chats: %w", err)
		}
		if lc.Chat, err = parseStoredJID(chat); err != nil {
			return nil, err
		}
		out = append(out, lc)
	}
	return out, rows.Err()
}

func (s *Store) FavoriteChats(ctx context.Context, instanceID int64) ([]switchboard.JID, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT chat FROM chat_favorites WHERE instance_id = $1 ORDER BY position`, instanceID)
	if err != nil {
		return nil, fmt.Errorf("store: favorite chats: %w", err)
	}
	defer rows.Close()
	var out []switchboard.JID
	for rows.Next() {
		var chat string
		if err := rows.Scan(&chat); err != nil {
			return nil, fmt.Errorf("store: favorite chats: %w", err)
		}
		j, err := parseStoredJID(chat)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

func (s *Store) SetFavoriteChat(ctx context.Context, instanceID int64, chat switchboard.JID, on bool) error {
	var err error
	if on {
		_, err = s.db.ExecContext(ctx, `INSERT INTO chat_favorites (instance_id, chat, position)
			VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM chat_favorites WHERE instance_id = $1))
			ON CONFLICT (instance_id, chat) DO NOTHING`, instanceID, chat.String())
	} else {
		_, err = s.db.ExecContext(ctx, `DELETE FROM chat_favorites WHERE instance_id = $1 AND chat = $2`, instanceID, chat.String())
	}
	if err != nil {
		return fmt.Errorf("store: favorite chat: %w", err)
	}
	return nil
}
