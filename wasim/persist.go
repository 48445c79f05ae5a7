package wasim

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

const (
	metaRootKey    = "root_key"
	groupStateName = "engine"
)

// schema works on SQLite and PostgreSQL alike: TEXT columns holding JSON
// (or base64), one row per account, per device, and one for the group
// engine. Saving whole rows after each mutation keeps the code trivial; the
// simulator's write rate is tiny next to a real gateway's.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS wasim_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS wasim_accounts (phone TEXT PRIMARY KEY, data TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS wasim_devices (jid TEXT PRIMARY KEY, phone TEXT NOT NULL, data TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS wasim_groups (name TEXT PRIMARY KEY, data TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS wasim_phone_state (phone TEXT PRIMARY KEY, data TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS wasim_media (id TEXT PRIMARY KEY, mms_type TEXT NOT NULL, data TEXT NOT NULL,
		expires BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS wasim_appstate (phone TEXT NOT NULL, name TEXT NOT NULL, version BIGINT NOT NULL,
		patch TEXT NOT NULL, PRIMARY KEY (phone, name, version))`,
}

// persister writes state rows. saveMu orders "snapshot under Server.mu,
// then write" pairs, so an older snapshot can never overwrite a newer one.
type persister struct {
	db     *sql.DB
	saveMu sync.Mutex
}

func newPersister(db *sql.DB, dialect string) (*persister, error) {
	switch strings.ToLower(dialect) {
	case "", "sqlite", "sqlite3", "postgres", "pgx", "postgresql":
	default:
		return nil, fmt.Errorf("wasim: unsupported dialect %q (want sqlite or postgres)", dialect)
	}
	for _, stmt := range schema {
		if _, err := db.Exec(stmt); err != nil {
			return nil, fmt.Errorf("wasim: create schema: %w", err)
		}
	}
	return &persister{db: db}, nil
}

func (p *persister) upsert(table, key, keyCol string, values ...any) error {
	var q string
	switch table {
	case "wasim_devices":
		q = `INSERT INTO wasim_devices (jid, phone, data) VALUES ($1, $2, $3)
			ON CONFLICT (jid) DO UPDATE SET phone = excluded.phone, data = excluded.data`
	default:
		valueCol := "data"
		if table == "wasim_meta" {
			valueCol = "value"
		}
		q = fmt.Sprintf(`INSERT INTO %s (%s, %s) VALUES ($1, $2)
			ON CONFLICT (%s) DO UPDATE SET %s = excluded.%s`, table, keyCol, valueCol, keyCol, valueCol, valueCol)
	}
	_, err := p.db.Exec(q, append([]any{key}, values...)...)
	return err
}

func (p *persister) saveMeta(name, value string) error {
	return p.upsert("wasim_meta", name, "name", value)
}

// saveAccount writes one account row.
func (s *Server) saveAccount(phone string) {
	if s.store == nil {
		return
	}
	s.store.saveMu.Lock()
	defer s.store.saveMu.Unlock()
	s.mu.Lock()
	acc := s.accounts[phone]
	var data []byte
	var err error
	if acc != nil {
		data, err = json.Marshal(acc)
	}
	s.mu.Unlock()
	if acc == nil || err != nil {
		return
	}
	if err := s.store.upsert("wasim_accounts", phone, "phone", string(data)); err != nil {
		s.log.Warn("wasim: save account", "phone", phone, "err", err)
	}
}

// saveDevice writes one device row (or deletes it if the device is gone).
func (s *Server) saveDevice(jid types.JID) {
	if s.store == nil {
		return
	}
	s.store.saveMu.Lock()
	defer s.store.saveMu.Unlock()
	s.mu.Lock()
	dev := s.deviceForLocked(jid)
	var data []byte
	var err error
	if dev != nil {
		data, err = json.Marshal(dev)
	}
	s.mu.Unlock()
	switch {
	case dev == nil:
		_, err = s.store.db.Exec(`DELETE FROM wasim_devices WHERE jid = $1`, jid.String())
	case err == nil:
		err = s.store.upsert("wasim_devices", jid.String(), "jid", jid.User, string(data))
	}
	if err != nil {
		s.log.Warn("wasim: save device", "jid", jid, "err", err)
	}
}

func (s *Server) deleteDevice(jid types.JID) { s.saveDevice(jid) }

// saveGroupState writes the group engine's state blob.
func (s *Server) saveGroupState(state []byte) error {
	if s.store == nil {
		return nil
	}
	s.store.saveMu.Lock()
	defer s.store.saveMu.Unlock()
	return s.store.upsert("wasim_groups", groupStateName, "name", base64.StdEncoding.EncodeToString(state))
}

// load restores the root key, accounts and devices saved by an earlier
// simulator on the same database.
func (s *Server) load() error {
	db := s.store.db
	var rootB64 string
	err := db.QueryRow(`SELECT value FROM wasim_meta WHERE name = $1`, metaRootKey).Scan(&rootB64)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("wasim: load root key: %w", err)
	case s.root == nil:
		raw, err := base64.StdEncoding.DecodeString(rootB64)
		if err != nil || len(raw) != 32 {
			return errors.New("wasim: stored root key is malformed")
		}
		s.root = keys.NewKeyPairFromPrivateKey([32]byte(raw))
	}

	rows, err := db.Query(`SELECT data FROM wasim_accounts`)
	if err != nil {
		return fmt.Errorf("wasim: load accounts: %w", err)
	}
	for rows.Next() {
		var data string
		acc := new(account)
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(data), acc); err != nil || len(acc.IdentityKey) != 32 || len(acc.SignedPreKey) != 32 {
			rows.Close()
			return fmt.Errorf("wasim: malformed account row: %v", err)
		}
		acc.restore()
		s.accounts[acc.Phone] = acc
		s.byLID[acc.LID] = acc
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	if err := s.loadAppState(); err != nil {
		return fmt.Errorf("wasim: load app state: %w", err)
	}

	rows, err = db.Query(`SELECT data FROM wasim_devices`)
	if err != nil {
		return fmt.Errorf("wasim: load devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var data string
		dev := new(device)
		if err := rows.Scan(&data); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(data), dev); err != nil || len(dev.NoiseKey) != 32 {
			return fmt.Errorf("wasim: malformed device row: %v", err)
		}
		if acc := s.accounts[dev.Phone]; acc != nil {
			acc.devices[dev.ID] = dev
		}
	}
	return rows.Err()
}

// loadGroupState returns the saved group engine state, if any.
func (s *Server) loadGroupState() ([]byte, error) {
	if s.store == nil {
		return nil, nil
	}
	var b64 string
	err := s.store.db.QueryRow(`SELECT data FROM wasim_groups WHERE name = $1`, groupStateName).Scan(&b64)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("wasim: load group state: %w", err)
	}
	return base64.StdEncoding.DecodeString(b64)
}
