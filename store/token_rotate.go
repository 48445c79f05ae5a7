package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard"
)

// RotateAccountToken replaces the token of the account named name with the one hashing to
// tokenHash and returns the account. The old token stops working at once in this process (its
// cache entry is dropped before this returns) and, on PostgreSQL, in every other process as soon
// as the commit's notification reaches it (tokencache_notify.go); on SQLite another process may
// accept it for up to its token-cache TTL. An unknown name is ErrNotFound; a hash already used by
// any account or instance is ErrDuplicateTok.
func (s *Store) RotateAccountToken(ctx context.Context, name string, tokenHash string) (*switchboard.Account, error) {
	if err := checkTokenHash(tokenHash); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE name = $1`, name).Scan(&id)
	if isNoRows(err) {
		return nil, switchboard.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("store: rotate account token: %w", err)
	}
	// Dropped even if the write fails: it may have committed before the error reached us.
	defer s.accountCache.invalidate(id)
	var acc switchboard.Account
	var created int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if taken, err := tokenHashTaken(ctx, tx, tokenHash); err != nil {
			return err
		} else if taken {
			return switchboard.ErrDuplicateTok
		}
		return tx.QueryRowContext(ctx,
			`UPDATE accounts SET token_hash = $2 WHERE id = $1
			 RETURNING id, name, max_instances, created_at`, id, tokenHash).
			Scan(&acc.ID, &acc.Name, &acc.MaxInstances, &created)
	})
	switch {
	case err == nil:
		acc.CreatedAt = fromMillis(created)
		return &acc, nil
	case isNoRows(err):
		return nil, switchboard.ErrNotFound // deleted between the two statements
	case errors.Is(err, switchboard.ErrDuplicateTok), violates(err, uniqueViolation, "token_hash"):
		return nil, switchboard.ErrDuplicateTok
	default:
		return nil, fmt.Errorf("store: rotate account token: %w", err)
	}
}

// RotateInstanceToken replaces instance id's token with the one hashing to tokenHash. Like every
// instance write it goes through writeInstance, so the old token is refused by this process as
// soon as this returns (and by other processes as RotateAccountToken says). A hash already used
// by an account or an instance is ErrDuplicateTok; an unknown id is ErrNotFound.
func (s *Store) RotateInstanceToken(ctx context.Context, id int64, tokenHash string) error {
	if err := checkTokenHash(tokenHash); err != nil {
		return err
	}
	// The check and the write are two statements: the unique index still refuses an instance
	// token taken in between, and an account token taken in between would need a 160-bit
	// collision with a freshly generated token, which the caller always passes.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if taken, err := tokenHashTaken(ctx, tx, tokenHash); err != nil {
			return err
		} else if taken {
			return switchboard.ErrDuplicateTok
		}
		return nil
	})
	if err != nil {
		return wrapUnlessNotFound("rotate instance token", err)
	}
	err = s.writeInstance(ctx, "rotate instance token", id, `UPDATE instances SET token_hash = $2 WHERE id = $1`, tokenHash)
	if violates(err, uniqueViolation, "token_hash") {
		return switchboard.ErrDuplicateTok
	}
	return err
}
