package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Modes a database is recorded in. A sandbox database's instances are paired with the simulator;
// a live one's with WhatsApp. Each side's sessions are unknown to the other, which answers them
// 401, and whatsmeow then deletes the device: one start in the wrong mode logs out every instance.
const (
	ModeLive    = "live"
	ModeSandbox = "sandbox"
)

// ErrModeMismatch is returned by CheckMode when the database was recorded in the other mode.
var ErrModeMismatch = errors.New("store: database mode mismatch")

// AllowModeChangeEnv is the documented override of a mode mismatch (serve --allow-mode-change).
const AllowModeChangeEnv = "SWITCHBOARD_ALLOW_MODE_CHANGE"

const settingMode = "mode"

// CheckMode records mode at a database's first start and refuses a later start in the other
// mode, unless allowChange, which records the new mode. It returns the mode the database had
// before ("" on its first start). A database from before modes were recorded is judged by its
// paired instances: none, and it takes mode; some, and the simulator's tables say which world
// they were paired with.
func (s *Store) CheckMode(ctx context.Context, mode string, allowChange bool) (previous string, err error) {
	if mode != ModeLive && mode != ModeSandbox {
		return "", fmt.Errorf("store: unknown mode %q", mode)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM switchboard_settings WHERE name = $1`+s.lockRow(), settingMode).Scan(&previous)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if previous, err = s.inferMode(ctx, tx); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if previous != "" && previous != mode && !allowChange {
			return modeMismatch(previous, mode)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO switchboard_settings (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, settingMode, mode)
		return err
	})
	if err != nil && !errors.Is(err, ErrModeMismatch) {
		return "", fmt.Errorf("store: check the database mode: %w", err)
	}
	return previous, err
}

// inferMode is the mode of a database that never recorded one: "" when no instance is paired
// (nothing to lose), sandbox when the embedded simulator's device table has rows, else live.
func (s *Store) inferMode(ctx context.Context, tx *sql.Tx) (string, error) {
	var paired bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM instances WHERE device_jid <> '')`).Scan(&paired); err != nil {
		return "", err
	}
	if !paired {
		return "", nil
	}
	exists := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wasim_devices')`
	if s.dialect == DialectPostgres {
		exists = `SELECT to_regclass('wasim_devices') IS NOT NULL`
	}
	var simulator bool
	if err := tx.QueryRowContext(ctx, exists).Scan(&simulator); err != nil {
		return "", err
	}
	if simulator {
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM wasim_devices)`).Scan(&simulator); err != nil {
			return "", err
		}
	}
	if simulator {
		return ModeSandbox, nil
	}
	return ModeLive, nil
}

func modeMismatch(recorded, wanted string) error {
	var why string
	if recorded == ModeLive {
		why = "it holds live WhatsApp sessions, and the simulator would answer them 401, which logs out every real device"
	} else {
		why = "its instances are paired with the simulator, and WhatsApp would refuse their sessions, which deletes them"
	}
	return fmt.Errorf("%w: this database was recorded in %s mode; refusing to start it in %s mode: %s. "+
		"Use another --db, or start it in %s mode; to switch it deliberately, pass --allow-mode-change (or %s=1)",
		ErrModeMismatch, recorded, wanted, why, recorded, AllowModeChangeEnv)
}
