package store

import (
	"context"
	"fmt"
	"time"
)

// PurgeJobs deletes the finished jobs (done, failed or interrupted) last updated before
// olderThan and returns how many there were. Running jobs are kept whatever their age: their
// clients still poll them. Without it the table grows by one row per async call forever.
func (s *Store) PurgeJobs(ctx context.Context, olderThan time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM jobs WHERE status <> 'running' AND updated_at < $1`, millis(olderThan))
	if err != nil {
		return 0, fmt.Errorf("store: purge jobs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: purge jobs: %w", err)
	}
	return int(n), nil
}
