package store

import (
	"context"
	"crypto/rand"
	"fmt"
)

// SandboxSealingKey returns the sandbox's own 32-byte sealing key, creating it at the first call.
// Concurrent first calls (several processes on one database) agree: the insert of a second key
// is ignored and everyone reads the row that won.
//
// Only a sandbox may use it: the key sits next to what it seals, so it keeps proxy passwords out
// of logs and dumps of single columns but not from whoever can read the whole database. Real
// deployments configure SWITCHBOARD_SECRET_KEY instead.
func (s *Store) SandboxSealingKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("store: sandbox sealing key: %w", err)
	}
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO sandbox_sealing_key (id, key, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`,
		fresh, millis(now())); err != nil {
		return nil, fmt.Errorf("store: sandbox sealing key: %w", err)
	}
	var key []byte
	if err := s.db.QueryRowContext(ctx, `SELECT key FROM sandbox_sealing_key WHERE id = 1`).Scan(&key); err != nil {
		return nil, fmt.Errorf("store: sandbox sealing key: %w", err)
	}
	return key, nil
}
