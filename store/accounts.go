package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard"
)

var _ switchboard.AccountStore = (*Store)(nil)

// CreateAccount inserts an account. tokenHash must be switchboard.HashToken's output: a token
// hash names exactly one principal, so one already used by an account or an instance is
// switchboard.ErrDuplicateTok. Account names are unique (migration 0003): a name already taken is
// switchboard.ErrDuplicateAccountName.
func (s *Store) CreateAccount(ctx context.Context, name string, maxInstances int, tokenHash string) (*switchboard.Account, error) {
	if err := checkTokenHash(tokenHash); err != nil {
		return nil, err
	}
	if maxInstances < 0 {
		return nil, switchboard.Errorf(switchboard.CodeInvalid, "max instances must be 0 (unlimited) or more")
	}
	acc := &switchboard.Account{Name: name, MaxInstances: maxInstances, CreatedAt: now()}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if taken, err := tokenHashTaken(ctx, tx, tokenHash); err != nil {
			return err
		} else if taken {
			return switchboard.ErrDuplicateTok
		}
		return tx.QueryRowContext(ctx,
			`INSERT INTO accounts (name, max_instances, token_hash, created_at)
			 VALUES ($1, $2, $3, $4) RETURNING id`,
			name, maxInstances, tokenHash, millis(acc.CreatedAt)).Scan(&acc.ID)
	})
	switch {
	case err == nil:
		return acc, nil
	case errors.Is(err, switchboard.ErrDuplicateTok), violates(err, uniqueViolation, "token_hash"):
		return nil, switchboard.ErrDuplicateTok
	case violates(err, uniqueViolation, "name"):
		return nil, switchboard.ErrDuplicateAccountName
	default:
		return nil, fmt.Errorf("store: create account: %w", err)
	}
}

// AccountByTokenHash finds the account whose token hashes to tokenHash. A found account may be
// served from the token cache for up to its TTL (tokencache.go); "not found" never is.
func (s *Store) AccountByTokenHash(ctx context.Context, tokenHash string) (*switchboard.Account, error) {
	return s.accountCache.lookup(tokenHash, func() (*switchboard.Account, error) {
		return s.account(ctx, s.stmts.accountByTokenHash, tokenHash)
	})
}

// AccountByID finds an account by id (for the CLI and the admin side, not for request auth).
func (s *Store) AccountByID(ctx context.Context, id int64) (*switchboard.Account, error) {
	return s.account(ctx, s.stmts.accountByID, id)
}

// account reads one account with a prepared selectAccount.
func (s *Store) account(ctx context.Context, stmt *sql.Stmt, arg any) (*switchboard.Account, error) {
	var acc switchboard.Account
	var created int64
	err := stmt.QueryRowContext(ctx, arg).Scan(&acc.ID, &acc.Name, &acc.MaxInstances, &created)
	if isNoRows(err) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read account: %w", err)
	}
	acc.CreatedAt = fromMillis(created)
	return &acc, nil
}

// tokenHashTaken reports whether an account or an instance already uses tokenHash. The unique
// indexes guard each table; this guards the pair, so authentication never has to choose between
// an account and an instance holding the same token.
func tokenHashTaken(ctx context.Context, tx *sql.Tx, tokenHash string) (bool, error) {
	var taken bool
	err := tx.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM accounts WHERE token_hash = $1)
		     OR EXISTS (SELECT 1 FROM instances WHERE token_hash = $1)`, tokenHash).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("check token hash: %w", err)
	}
	return taken, nil
}

// checkTokenHash refuses anything but a lower-case hex SHA-256, the form switchboard.HashToken
// returns. Its point is to make "the caller passed the plaintext token" fail at once instead of
// quietly storing a secret; the message never echoes the value for the same reason.
func checkTokenHash(h string) error {
	if len(h) != 64 {
		return fmt.Errorf("store: token hash must be 64 hex characters (switchboard.HashToken), got %d characters", len(h))
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return errors.New("store: token hash must be lower-case hex (switchboard.HashToken)")
		}
	}
	return nil
}
