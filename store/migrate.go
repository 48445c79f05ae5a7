package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds one directory of numbered SQL files per dialect. The two directories carry
// the same versions with the same meaning; only the types differ (SQLite STRICT tables with
// INTEGER booleans, PostgreSQL BOOLEAN/BYTEA/identity columns), so the queries of this package
// run unchanged on both. whatsmeow's tables are not here: its sqlstore versions them itself in
// whatsmeow_version.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the dialect's migrations in version order. Files are named
// NNNN_description.sql; versions must be unique and start at 1 without gaps, so that a missing
// file is an error here rather than a skipped change in production.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", dialect, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("store: migration %s/%s: name must start with a positive version and '_'", dir, e.Name())
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: version, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations for %s: expected version %d, found %s", dialect, i+1, m.name)
		}
	}
	return out, nil
}

// migrate applies the pending migrations, each in its own transaction together with its row in
// switchboard_migrations, so a failed migration leaves the previous version intact and re-opening
// retries it. Several processes may open the same database at once: on SQLite the immediate
// transaction holds the write lock, on PostgreSQL a transaction-scoped advisory lock (keyed by
// the schema, so tests in separate schemas do not wait on each other) serialises them, and each
// re-reads the version under that lock before applying anything.
func (s *Store) migrate(ctx context.Context) error {
	migrations, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	latest := migrations[len(migrations)-1].version
	for _, m := range migrations {
		applied, err := s.applyMigration(ctx, m, latest)
		if err != nil {
			return err
		}
		if applied {
			s.migratedNow = append(s.migratedNow, m.version)
			s.log.Info("schema migrated", "version", m.version, "migration", m.name)
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, m migration, latest int) (applied bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == DialectPostgres {
			if _, err := tx.ExecContext(ctx,
				`SELECT pg_advisory_xact_lock(hashtext('switchboard_migrations:' || current_schema()))`); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS switchboard_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at BIGINT  NOT NULL
		)`); err != nil {
			return fmt.Errorf("create switchboard_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx,
			`SELECT COALESCE(MAX(version), 0) FROM switchboard_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > latest {
			// A newer binary migrated this database; running old code against it could write
			// rows the new schema does not expect.
			return fmt.Errorf("database schema version %d is newer than this build's %d; upgrade Switchboard", current, latest)
		}
		if current >= m.version {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO switchboard_migrations (version, applied_at) VALUES ($1, $2)`,
			m.version, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("record %s: %w", m.name, err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: migrate: %w", err)
	}
	return applied, nil
}

// SchemaVersion returns the latest applied version of Switchboard's own schema.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM switchboard_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// Migration is one version of Switchboard's schema as `switchboard db migrate` reports it.
type Migration struct {
	Version int
	Name    string // the file, e.g. 0003_account_names_and_token_cache.sql
	// AppliedAt is when it was applied to this database; zero if it is not (a newer binary's
	// migration is not listed at all).
	AppliedAt time.Time
	// Now says this process applied it when it opened the database.
	Now bool
}

// Migrations lists this build's migrations with when each was applied to the database.
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	all, err := loadMigrations(s.dialect)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, applied_at FROM switchboard_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("store: list migrations: %w", err)
		}
		applied[v] = fromMillis(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	out := make([]Migration, len(all))
	for i, m := range all {
		out[i] = Migration{Version: m.version, Name: m.name, AppliedAt: applied[m.version]}
		for _, v := range s.migratedNow {
			out[i].Now = out[i].Now || v == m.version
		}
	}
	return out, nil
}
