package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/switchboard/switchboard"
)

var _ switchboard.OriginStore = (*Store)(nil)

// AllowedOrigins lists the account's allowed browser origins, sorted.
func (s *Store) AllowedOrigins(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT origin FROM account_allowed_origins WHERE account_id = $1 ORDER BY origin`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list allowed origins: %w", err)
	}
	defer rows.Close()
	origins := []string{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("store: list allowed origins: %w", err)
		}
		origins = append(origins, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list allowed origins: %w", err)
	}
	return origins, nil
}

// SetAllowedOrigins replaces the account's allowed origins with origins, each normalised
// (switchboard.NormalizeOrigin; an invalid one is a CodeInvalid error and nothing changes). An
// empty list allows none. An unknown account is ErrNotFound.
func (s *Store) SetAllowedOrigins(ctx context.Context, accountID int64, origins []string) error {
	normalized := make([]string, 0, len(origins))
	for _, o := range origins {
		n, err := switchboard.NormalizeOrigin(o)
		if err != nil {
			return err
		}
		normalized = append(normalized, n)
	}
	slices.Sort(normalized)
	normalized = slices.Compact(normalized)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, accountID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return switchboard.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_allowed_origins WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		for _, o := range normalized {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO account_allowed_origins (account_id, origin) VALUES ($1, $2)`, accountID, o); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapUnlessNotFound("set allowed origins", err)
}

// AccountAllowsOrigin says whether the account allows origin (already in normalised form).
func (s *Store) AccountAllowsOrigin(ctx context.Context, accountID int64, origin string) (bool, error) {
	var ok bool
	err := s.db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM account_allowed_origins WHERE account_id = $1 AND origin = $2)`,
		accountID, origin).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: check allowed origin: %w", err)
	}
	return ok, nil
}

// AnyAccountAllowsOrigin says whether some account allows origin (already in normalised form).
func (s *Store) AnyAccountAllowsOrigin(ctx context.Context, origin string) (bool, error) {
	var ok bool
	err := s.db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM account_allowed_origins WHERE origin = $1)`, origin).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: check allowed origin: %w", err)
	}
	return ok, nil
}

// AccountsByName finds the accounts called name (for the CLI, which names accounts; names are
// not unique in every database, so the caller decides what several matches mean).
func (s *Store) AccountsByName(ctx context.Context, name string) ([]*switchboard.Account, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, name, max_instances, created_at FROM accounts WHERE name = $1 ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("store: find accounts by name: %w", err)
	}
	defer rows.Close()
	var out []*switchboard.Account
	for rows.Next() {
		var acc switchboard.Account
		var created int64
		if err := rows.Scan(&acc.ID, &acc.Name, &acc.MaxInstances, &created); err != nil {
			return nil, fmt.Errorf("store: find accounts by name: %w", err)
		}
		acc.CreatedAt = fromMillis(created)
		out = append(out, &acc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find accounts by name: %w", err)
	}
	return out, nil
}
