package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard/switchboard"
)

// AccountSummary is an account with how many instances it has, for the operator's CLI.
type AccountSummary struct {
	switchboard.Account
	Instances int
}

// ListAccounts returns every account with its instance count, by id.
func (s *Store) ListAccounts(ctx context.Context) ([]AccountSummary, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT a.id, a.name, a.max_instances, a.created_at, COUNT(i.id)
		 FROM accounts a LEFT JOIN instances i ON i.account_id = a.id
		 GROUP BY a.id, a.name, a.max_instances, a.created_at
		 ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	defer rows.Close()
	var out []AccountSummary
	for rows.Next() {
		var sum AccountSummary
		var created int64
		if err := rows.Scan(&sum.ID, &sum.Name, &sum.MaxInstances, &created, &sum.Instances); err != nil {
			return nil, fmt.Errorf("store: list accounts: %w", err)
		}
		sum.CreatedAt = fromMillis(created)
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	return out, nil
}

// DeleteAccount deletes account id and, by cascade, its instances, allowed origins and sandbox
// phones. Its token and its instances' tokens stop working at once in this process and, on
// PostgreSQL, in every process as the delete's notifications arrive (the cascade fires the
// instances trigger too); on SQLite another process may accept them for up to its token-cache
// TTL. whatsmeow's devices are not touched: the caller removes them (the CLI's --force). An
// unknown id is ErrNotFound.
func (s *Store) DeleteAccount(ctx context.Context, id int64) error {
	instances, err := s.ListInstances(ctx, id)
	if err != nil {
		return err
	}
	defer func() {
		s.accountCache.invalidate(id)
		for _, inst := range instances {
			s.instanceCache.invalidate(inst.ID)
		}
	}()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = $1`, id)
		return rowsChanged(res, err, switchboard.ErrNotFound)
	})
	return wrapUnlessNotFound("delete account", err)
}
