package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard"
)

// queryRower is what both *sql.DB and *sql.Tx offer for one-row reads.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SandboxPhoneOwner returns the account that owns a simulated phone (digits only): the account
// that claimed it, or else the account of an instance paired with it, which covers phones paired
// before ownership was recorded. found is false for a phone nobody owns.
func (s *Store) SandboxPhoneOwner(ctx context.Context, phone string) (accountID int64, found bool, err error) {
	return sandboxPhoneOwner(ctx, s.db, phone)
}

// ClaimSandboxPhone makes accountID the owner of phone unless it already has one, and returns
// the owner either way: the caller compares it with accountID to learn whether it won. An owner
// known only from a paired instance is written down too, so it outlives the pairing (a logout
// clears the instance's device).
func (s *Store) ClaimSandboxPhone(ctx context.Context, phone string, accountID int64) (owner int64, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM sandbox_phones WHERE phone = $1`, phone).Scan(&owner)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		claimant := accountID
		if paired, found, err := pairedPhoneOwner(ctx, tx, phone); err != nil {
			return err
		} else if found {
			claimant = paired
		}
		// ON CONFLICT: on PostgreSQL a concurrent claim may commit between the read and the
		// insert; the row read back below names whoever got there first.
		if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_phones (phone, account_id, created_at)
			VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING`, phone, claimant, millis(now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT account_id FROM sandbox_phones WHERE phone = $1`, phone).Scan(&owner)
	})
	if err != nil {
		return 0, fmt.Errorf("store: claim sandbox phone: %w", err)
	}
	return owner, nil
}

// SandboxPhones lists the simulated phones an account owns, claimed or paired, without
// duplicates.
func (s *Store) SandboxPhones(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT phone FROM sandbox_phones WHERE account_id = $1
		UNION SELECT device_jid FROM instances WHERE account_id = $1 AND device_jid <> ''`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list sandbox phones: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		phone := v
		if jid, err := switchboard.ParseJID(v); err == nil && jid.User != "" {
			phone = jid.User
		}
		if !seen[phone] {
			seen[phone] = true
			out = append(out, phone)
		}
	}
	return out, rows.Err()
}

func sandboxPhoneOwner(ctx context.Context, q queryRower, phone string) (int64, bool, error) {
	var owner int64
	err := q.QueryRowContext(ctx, `SELECT account_id FROM sandbox_phones WHERE phone = $1`, phone).Scan(&owner)
	if err == nil {
		return owner, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("store: sandbox phone owner: %w", err)
	}
	return pairedPhoneOwner(ctx, q, phone)
}

// pairedPhoneOwner is the account of an instance paired with phone: the owner of a phone paired
// before owners were recorded.
func pairedPhoneOwner(ctx context.Context, q queryRower, phone string) (int64, bool, error) {
	var owner int64
	// A paired instance's device JID is PHONE:DEVICE@s.whatsapp.net (or PHONE@s.whatsapp.net);
	// phones are digits only, so the LIKE pattern needs no escaping.
	err := q.QueryRowContext(ctx, `SELECT account_id FROM instances
		WHERE device_jid = $1 OR device_jid LIKE $2 ORDER BY id LIMIT 1`,
		phone+"@"+switchboard.ServerUser, phone+":%@"+switchboard.ServerUser).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("store: sandbox phone owner: %w", err)
	}
	return owner, true, nil
}
