package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard"
)

var _ switchboard.InstanceStore = (*Store)(nil)

const instanceColumns = `id, account_id, name, device_jid, auto_connect, logged_out, settings,
	proxy_enabled, proxy_protocol, proxy_host, proxy_port, proxy_username, proxy_password, created_at`

// CreateInstance inserts inst, filling its ID and CreatedAt. The checks and the insert share one
// transaction that first locks the account (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the
// immediate transaction's write lock), so concurrent creates in one account run one after the
// other and cannot overshoot the quota. The checks run in the order the API reports them:
// unknown account (ErrNotFound), duplicate name (ErrDuplicateName), quota (ErrQuotaExceeded, when
// maxInstances > 0), then token (ErrDuplicateTok).
func (s *Store) CreateInstance(ctx context.Context, inst *switchboard.Instance, tokenHash string, maxInstances int) error {
	if err := checkTokenHash(tokenHash); err != nil {
		return err
	}
	settings, err := json.Marshal(inst.Settings)
	if err != nil {
		return fmt.Errorf("store: encode settings: %w", err)
	}
	created := now()
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var accountID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1`+s.lockRow(), inst.AccountID).Scan(&accountID)
		if isNoRows(err) {
			return switchboard.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("lock account: %w", err)
		}
		var nameTaken bool
		var count int
		err = tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM instances WHERE account_id = $1 AND name = $2),
			        (SELECT COUNT(*) FROM instances WHERE account_id = $1)`,
			inst.AccountID, inst.Name).Scan(&nameTaken, &count)
		if err != nil {
			return fmt.Errorf("count instances: %w", err)
		}
		if nameTaken {
			return switchboard.ErrDuplicateName
		}
		if maxInstances > 0 && count >= maxInstances {
			return switchboard.ErrQuotaExceeded
		}
		if taken, err := tokenHashTaken(ctx, tx, tokenHash); err != nil {
			return err
		} else if taken {
			return switchboard.ErrDuplicateTok
		}
		p := inst.Proxy
		return tx.QueryRowContext(ctx,
			`INSERT INTO instances (account_id, name, token_hash, device_jid, auto_connect, logged_out,
			     settings, proxy_enabled, proxy_protocol, proxy_host, proxy_port, proxy_username,
			     proxy_password, created_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			 RETURNING id`,
			inst.AccountID, inst.Name, tokenHash, inst.DeviceJID, inst.AutoConnect, inst.LoggedOut,
			string(settings), p.Enabled, p.Protocol, p.Host, p.Port, p.Username,
			nullBytes(p.PasswordSealed), millis(created)).Scan(&id)
	})
	switch {
	case err == nil:
		inst.ID, inst.CreatedAt = id, created
		return nil
	case errors.Is(err, switchboard.ErrNotFound), errors.Is(err, switchboard.ErrDuplicateName),
		errors.Is(err, switchboard.ErrQuotaExceeded), errors.Is(err, switchboard.ErrDuplicateTok):
		return err
	// The checks above see every committed row; these catch a concurrent transaction that
	// inserted the same token hash (in another account, which our lock does not cover).
	case violates(err, uniqueViolation, "token_hash"):
		return switchboard.ErrDuplicateTok
	case violates(err, uniqueViolation, "name"):
		return switchboard.ErrDuplicateName
	case violates(err, foreignKeyViolation, ""):
		return switchboard.ErrNotFound
	default:
		return fmt.Errorf("store: create instance: %w", err)
	}
}

// InstanceByTokenHash finds the instance whose token hashes to tokenHash, in any account: the
// token itself is the proof of access. A found instance may be served from the token cache for
// up to its TTL (tokencache.go); "not found" never is.
func (s *Store) InstanceByTokenHash(ctx context.Context, tokenHash string) (*switchboard.Instance, error) {
	return s.instanceCache.lookup(tokenHash, func() (*switchboard.Instance, error) {
		return s.instance(ctx, s.stmts.instanceByTokenHash, tokenHash)
	})
}

// InstanceByName finds an instance by name within one account; another account's instance of
// that name is ErrNotFound.
func (s *Store) InstanceByName(ctx context.Context, accountID int64, name string) (*switchboard.Instance, error) {
	return s.instance(ctx, s.stmts.instanceByName, accountID, name)
}

// InstanceByID finds an instance by id, unscoped: for the session layer, never for a lookup that
// serves a request.
func (s *Store) InstanceByID(ctx context.Context, id int64) (*switchboard.Instance, error) {
	return s.instance(ctx, s.stmts.instanceByID, id)
}

// ListInstances lists an account's instances in creation order.
func (s *Store) ListInstances(ctx context.Context, accountID int64) ([]*switchboard.Instance, error) {
	return s.instances(ctx, s.stmts.listInstances, accountID)
}

// AutoConnectInstances lists, in creation order, every instance of every account whose
// AutoConnect is set, for the reconnect at boot.
func (s *Store) AutoConnectInstances(ctx context.Context) ([]*switchboard.Instance, error) {
	return s.instances(ctx, s.stmts.autoConnect)
}

// DeleteInstance deletes an instance and, by cascade, its jobs. whatsmeow's device rows are not
// ours: the session layer logs the device out (which deletes them) before calling this.
func (s *Store) DeleteInstance(ctx context.Context, id int64) error {
	return s.writeInstance(ctx, "delete instance", id, `DELETE FROM instances WHERE id = $1`)
}

// SetSession records the paired device and whether the instance reconnects at boot.
func (s *Store) SetSession(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool) error {
	return s.writeInstance(ctx, "set session", id,
		`UPDATE instances SET device_jid = $2, auto_connect = $3, logged_out = $4 WHERE id = $1`,
		deviceJID, autoConnect, loggedOut)
}

// SetSessionFenced is SetSession by a cluster node holding the instance's lease at epoch. The
// database refuses it (instances_session_fence) when the lease has moved to another epoch since:
// a node that lost the instance cannot overwrite what the new owner recorded. An epoch of -1
// stands for "no lease held here", refused whenever any node holds one.
func (s *Store) SetSessionFenced(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool, epoch int64) error {
	return s.writeInstance(ctx, "set session", id,
		`UPDATE instances SET device_jid = $2, auto_connect = $3, logged_out = $4, session_epoch = $5 WHERE id = $1`,
		deviceJID, autoConnect, loggedOut, epoch)
}

// SetSettings replaces the instance's settings.
func (s *Store) SetSettings(ctx context.Context, id int64, settings switchboard.Settings) error {
	encoded, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("store: encode settings: %w", err)
	}
	return s.writeInstance(ctx, "set settings", id, `UPDATE instances SET settings = $2 WHERE id = $1`, string(encoded))
}

// SetProxy replaces the instance's proxy. The password arrives sealed and is stored as is.
func (s *Store) SetProxy(ctx context.Context, id int64, p switchboard.Proxy) error {
	return s.writeInstance(ctx, "set proxy", id,
		`UPDATE instances SET proxy_enabled = $2, proxy_protocol = $3, proxy_host = $4, proxy_port = $5,
		     proxy_username = $6, proxy_password = $7
		 WHERE id = $1`,
		p.Enabled, p.Protocol, p.Host, p.Port, p.Username, nullBytes(p.PasswordSealed))
}

// instance reads one instance with a prepared selectInstance.
func (s *Store) instance(ctx context.Context, stmt *sql.Stmt, args ...any) (*switchboard.Instance, error) {
	inst, err := scanInstance(stmt.QueryRowContext(ctx, args...))
	if isNoRows(err) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read instance: %w", err)
	}
	return inst, nil
}

// instances reads a list of instances with a prepared selectInstance.
func (s *Store) instances(ctx context.Context, stmt *sql.Stmt, args ...any) ([]*switchboard.Instance, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list instances: %w", err)
	}
	defer rows.Close()
	var out []*switchboard.Instance
	for rows.Next() {
		inst, err := scanInstance(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list instances: %w", err)
		}
		out = append(out, inst)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list instances: %w", err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanInstance(row scanner) (*switchboard.Instance, error) {
	var inst switchboard.Instance
	var settings string
	var created int64
	p := &inst.Proxy
	err := row.Scan(&inst.ID, &inst.AccountID, &inst.Name, &inst.DeviceJID, &inst.AutoConnect,
		&inst.LoggedOut, &settings, &p.Enabled, &p.Protocol, &p.Host, &p.Port, &p.Username,
		&p.PasswordSealed, &created)
	if err != nil {
		return nil, err
	}
	// Decoding over the defaults means a setting added after the row was written reads as its
	// documented default, not as the zero value.
	inst.Settings = switchboard.DefaultSettings()
	if err := json.Unmarshal([]byte(settings), &inst.Settings); err != nil {
		return nil, fmt.Errorf("instance %d: decode settings: %w", inst.ID, err)
	}
	inst.CreatedAt = fromMillis(created)
	return &inst, nil
}

// wrapUnlessNotFound adds context to a database error but passes ErrNotFound through untouched.
func wrapUnlessNotFound(op string, err error) error {
	if err == nil || errors.Is(err, switchboard.ErrNotFound) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
