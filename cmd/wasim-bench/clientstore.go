package main

import (
	"context"
	"database/sql"
	"path/filepath"

	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// clientStoreConns is the pool of the bench's whatsmeow clients' SQLite store. database/sql keeps
// only 2 idle connections by default: with tens of clients writing at once it opened and closed
// connections all the time, and each new SQLite connection parses the whole schema again (a CPU
// profile of the clients in messages mode put 12% in schema loading). Keeping them all idle ends
// the churn; SQLite still has one writer at a time.
const clientStoreConns = 16

// openClientStore opens the clients' device store in dir: WAL, synchronous=NORMAL (the bench
// measures the simulator, not the clients' durability).
func openClientStore(ctx context.Context, dir string) (*sqlstore.Container, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "clients.db")+
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(clientStoreConns)
	db.SetMaxIdleConns(clientStoreConns)
	container := sqlstore.NewWithDB(db, "sqlite", waLog.Noop)
	if err := container.Upgrade(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return container, nil
}
