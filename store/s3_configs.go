package store

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard"
)

// SetS3Config stores c as the instance's bucket, replacing any; nil deletes it.
func (s *Store) SetS3Config(ctx context.Context, instanceID int64, c *switchboard.S3Config) error {
	if c == nil {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM instance_s3 WHERE instance_id = $1`, instanceID); err != nil {
			return fmt.Errorf("store: delete S3 config: %w", err)
		}
		return nil
	}
	at := now()
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO instance_s3 (instance_id, region, bucket, access_key, secret_sealed, endpoint, path_prefix, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (instance_id) DO UPDATE SET region = excluded.region, bucket = excluded.bucket,
		     access_key = excluded.access_key, secret_sealed = excluded.secret_sealed, endpoint = excluded.endpoint,
		     path_prefix = excluded.path_prefix, updated_at = excluded.updated_at`,
		instanceID, c.Region, c.Bucket, c.AccessKey, c.SecretSealed, c.Endpoint, c.PathPrefix, millis(at))
	switch {
	case err == nil:
		c.InstanceID, c.UpdatedAt = instanceID, at
		return nil
	case violates(err, foreignKeyViolation, ""):
		return switchboard.ErrNotFound
	default:
		return fmt.Errorf("store: set S3 config: %w", err)
	}
}

// S3ConfigOf returns the instance's bucket, or ErrNotFound.
func (s *Store) S3ConfigOf(ctx context.Context, instanceID int64) (*switchboard.S3Config, error) {
	c := switchboard.S3Config{InstanceID: instanceID}
	var at int64
	err := s.db.QueryRowContext(ctx,
		`SELECT region, bucket, access_key, secret_sealed, endpoint, path_prefix, updated_at
		 FROM instance_s3 WHERE instance_id = $1`, instanceID).
		Scan(&c.Region, &c.Bucket, &c.AccessKey, &c.SecretSealed, &c.Endpoint, &c.PathPrefix, &at)
	if isNoRows(err) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: S3 config: %w", err)
	}
	c.UpdatedAt = fromMillis(at)
	return &c, nil
}
