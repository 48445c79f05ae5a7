package store

import (
	"context"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow/util/keys"
)

// preKeyRowsPerStatement bounds one INSERT of GenerateWhatsmeowPreKeys: three parameters a row
// stays far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters, and a first login's
// 812 keys still fit in one statement.
const preKeyRowsPerStatement = 1000

// GenerateWhatsmeowPreKeys does what whatsmeow's sqlstore GetOrGenPreKeys does for the device
// jid (returns up to count prekeys not yet uploaded, generating and storing the missing ones),
// with the same rows in whatsmeow's table, but writes them in one statement instead of one
// autocommitted INSERT each. At a first login that is one fsync instead of 812 under SQLite's
// synchronous=FULL, where every commit is one writer at a time: pairings started together
// queued behind each other's fsyncs. The keys are generated before the write, so no lock is
// held while the CPU makes 812 key pairs (a transaction around whatsmeow's own generation held
// SQLite's one write lock for that long and starved other writers on a loaded machine).
//
// One statement is atomic: after a crash either every new key of the call is stored or none is.
// The caller serialises calls for one device with its other prekey writes (whatsmeow holds a
// lock per device for this; the gateway's wrapper holds its own), as the next key id is read
// before the write.
func (s *Store) GenerateWhatsmeowPreKeys(ctx context.Context, jid string, count uint32) ([]*keys.PreKey, error) {
	out, err := s.unuploadedPreKeys(ctx, jid, count)
	if err != nil {
		return nil, err
	}
	if uint32(len(out)) >= count {
		return out, nil
	}
	var last uint32
	if err := s.db.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(key_id), 0) FROM whatsmeow_pre_keys WHERE jid = $1`, jid).Scan(&last); err != nil {
		return nil, fmt.Errorf("store: last prekey id: %w", err)
	}
	fresh := make([]*keys.PreKey, 0, int(count)-len(out))
	for id := last + 1; uint32(len(out)+len(fresh)) < count; id++ {
		fresh = append(fresh, keys.NewPreKey(id))
	}
	if err := s.insertPreKeys(ctx, jid, fresh); err != nil {
		return nil, err
	}
	return append(out, fresh...), nil
}

func (s *Store) unuploadedPreKeys(ctx context.Context, jid string, count uint32) ([]*keys.PreKey, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT key_id, key FROM whatsmeow_pre_keys WHERE jid = $1 AND uploaded = false ORDER BY key_id LIMIT $2`,
		jid, count)
	if err != nil {
		return nil, fmt.Errorf("store: unuploaded prekeys: %w", err)
	}
	defer rows.Close()
	var out []*keys.PreKey
	for rows.Next() {
		var (
			id   uint32
			priv []byte
		)
		if err := rows.Scan(&id, &priv); err != nil {
			return nil, fmt.Errorf("store: unuploaded prekeys: %w", err)
		}
		if len(priv) != 32 {
			return nil, fmt.Errorf("store: prekey %d of %s has %d bytes, want 32", id, jid, len(priv))
		}
		out = append(out, &keys.PreKey{KeyPair: *keys.NewKeyPairFromPrivateKey([32]byte(priv)), KeyID: id})
	}
	return out, rows.Err()
}

// insertPreKeys stores fresh as not yet uploaded: one statement, or one transaction of several
// when there are more than a statement holds.
func (s *Store) insertPreKeys(ctx context.Context, jid string, fresh []*keys.PreKey) error {
	if len(fresh) == 0 {
		return nil
	}
	if len(fresh) <= preKeyRowsPerStatement {
		if _, err := s.db.ExecContext(ctx, s.insertPreKeysSQL(len(fresh)), preKeyArgs(jid, fresh)...); err != nil {
			return fmt.Errorf("store: insert prekeys: %w", err)
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: insert prekeys: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for start := 0; start < len(fresh); start += preKeyRowsPerStatement {
		part := fresh[start:min(start+preKeyRowsPerStatement, len(fresh))]
		if _, err := tx.ExecContext(ctx, s.insertPreKeysSQL(len(part)), preKeyArgs(jid, part)...); err != nil {
			return fmt.Errorf("store: insert prekeys: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: insert prekeys: %w", err)
	}
	return nil
}

// insertPreKeysSQL is the INSERT of rows prekeys. SQLite gets anonymous ? parameters: it takes
// $N for a named parameter and looks each name up in a list, which made binding 2,436 of them
// quadratic (a fifth of the gateway's CPU while pairing, in a profile).
func (s *Store) insertPreKeysSQL(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO whatsmeow_pre_keys (jid, key_id, key, uploaded) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		if s.dialect == DialectSQLite {
			b.WriteString("(?, ?, ?, false)")
			continue
		}
		fmt.Fprintf(&b, "($%d, $%d, $%d, false)", 3*i+1, 3*i+2, 3*i+3)
	}
	return b.String()
}

func preKeyArgs(jid string, ks []*keys.PreKey) []any {
	args := make([]any, 0, 3*len(ks))
	for _, k := range ks {
		args = append(args, jid, k.KeyID, k.Priv[:])
	}
	return args
}
