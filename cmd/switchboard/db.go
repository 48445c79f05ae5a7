package main

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/store"
)

const dbUsage = `usage:
  switchboard db migrate [--json] [--db DSN]
      Bring the database schema up to date and list every migration with when it was applied.
`

// runDB dispatches `switchboard db COMMAND`.
func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "db", dbUsage, map[string]commandFunc{
		"migrate": runDBMigrate,
	}, args, stdout, stderr)
}

// runDBMigrate opens the database, which applies the pending migrations (serve does the same at
// start, so this is for upgrading ahead of a deploy or checking what ran), and reports them. It
// is safe beside a running server: migrations take the database's write lock (SQLite) or an
// advisory lock (PostgreSQL), and a server of an older build refuses a schema newer than its own
// only at its next start.
func runDBMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newStoreCommand("db migrate").printing()
	return cmd.run(ctx, args, stdout, stderr, func(st *store.Store) error { return printMigrations(ctx, st, cmd, stdout) })
}

// printMigrations lists every migration with when it was applied.
func printMigrations(ctx context.Context, st *store.Store, cmd *storeCommand, stdout io.Writer) error {
	migrations, err := st.Migrations(ctx)
	if err != nil {
		return err
	}
	type migrationJSON struct {
		Version    int       `json:"version"`
		Name       string    `json:"name"`
		AppliedAt  time.Time `json:"appliedAt"`
		AppliedNow bool      `json:"appliedNow"`
	}
	out := make([]migrationJSON, len(migrations))
	rows := make([][]string, len(migrations))
	for i, m := range migrations {
		out[i] = migrationJSON{Version: m.Version, Name: m.Name, AppliedAt: m.AppliedAt.UTC(), AppliedNow: m.Now}
		status := "already applied"
		if m.Now {
			status = "applied now"
		}
		rows[i] = []string{strconv.Itoa(m.Version), m.Name, timestamp(m.AppliedAt), status}
	}
	return cmd.print(stdout, out, []string{"VERSION", "MIGRATION", "APPLIED AT", "STATUS"}, rows)
}
