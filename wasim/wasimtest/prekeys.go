package wasimtest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/util/keys"
)

// At its first login a whatsmeow device generates 812 one-time prekeys, and sqlstore inserts
// each with its own prepared, autocommitted INSERT. Under the race detector the pure-Go SQLite
// spends half of wasim's whole test run parsing and committing those statements. The harness
// writes the same rows (same table, same columns, keys made by the same keys.NewPreKey) in one
// multi-row INSERT in one transaction, then lets sqlstore read them back as it would have: the
// client, its other stores and everything it does with the keys stay whatsmeow's own.

// storeDBs maps each harness container to its database, for bulkPreKeys.
var storeDBs sync.Map // *sqlstore.Container → *sql.DB

// bulkPreKeys is a device's sqlstore PreKeyStore whose missing prekeys are inserted in bulk.
type bulkPreKeys struct {
	store.PreKeyStore
	db  *sql.DB
	jid string
	mu  sync.Mutex // with GenOnePreKey: one writer of new key ids at a time
}

// GetOrGenPreKeys makes sure count unuploaded prekeys exist, then returns sqlstore's answer.
func (b *bulkPreKeys) GetOrGenPreKeys(ctx context.Context, count uint32) ([]*keys.PreKey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.fill(ctx, int(count)); err != nil {
		return nil, err
	}
	return b.PreKeyStore.GetOrGenPreKeys(ctx, count)
}

// GenOnePreKey is sqlstore's, serialised with the bulk insert (both pick the next key id).
func (b *bulkPreKeys) GenOnePreKey(ctx context.Context) (*keys.PreKey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.PreKeyStore.GenOnePreKey(ctx)
}

func (b *bulkPreKeys) fill(ctx context.Context, count int) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var have int
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM whatsmeow_pre_keys WHERE jid=$1 AND uploaded=false`, b.jid).Scan(&have); err != nil {
		return fmt.Errorf("count prekeys: %w", err)
	}
	if have >= count {
		return nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT MAX(key_id) FROM whatsmeow_pre_keys WHERE jid=$1`, b.jid).Scan(&last); err != nil {
		return fmt.Errorf("last prekey id: %w", err)
	}
	next := uint32(last.Int64) + 1
	rows := make([]string, 0, count-have)
	args := make([]any, 0, 3*(count-have))
	for i := range count - have {
		k := keys.NewPreKey(next + uint32(i))
		// Anonymous parameters: SQLite takes $N for a named one and looks each name up in a
		// list, so binding the 2,436 of a first login was quadratic (a quarter of the package's
		// CPU under -race; the gateway's own writer avoids it the same way,
		// store/whatsmeow_prekeys.go).
		rows = append(rows, "(?, ?, ?, false)")
		args = append(args, b.jid, k.KeyID, k.Priv[:])
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO whatsmeow_pre_keys (jid, key_id, key, uploaded) VALUES `+strings.Join(rows, ", "), args...); err != nil {
		return fmt.Errorf("insert prekeys: %w", err)
	}
	return tx.Commit()
}

// bulkContainer is the container a harness client's new device saves itself through: its first
// save (pairing) is when sqlstore gives the device its stores, which is when the prekey store is
// wrapped.
type bulkContainer struct {
	store.DeviceContainer
	db *sql.DB
}

func (c bulkContainer) PutDevice(ctx context.Context, dev *store.Device) error {
	err := c.DeviceContainer.PutDevice(ctx, dev)
	if _, done := dev.PreKeys.(*bulkPreKeys); !done && dev.PreKeys != nil && dev.ID != nil {
		dev.PreKeys = &bulkPreKeys{PreKeyStore: dev.PreKeys, db: c.db, jid: dev.ID.String()}
	}
	return err
}

// withBulkPreKeys prepares a new device of container for a harness client.
func withBulkPreKeys(container *sqlstore.Container, dev *store.Device) *store.Device {
	if db, ok := storeDBs.Load(container); ok {
		dev.Container = bulkContainer{DeviceContainer: dev.Container, db: db.(*sql.DB)}
	}
	return dev
}
