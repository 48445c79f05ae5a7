package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// sqliteFileMode is the mode of a SQLite database file and its -wal and -shm companions. SQLite
// creates the companions with the main file's mode, so creating the main file 0600 before the
// driver opens it makes all three private, whatever the umask.
const sqliteFileMode = 0o600

// privateSQLiteFiles creates path 0600 when it does not exist, and takes group and other access
// away from an existing file and its companions (created 0644 by older versions).
func privateSQLiteFiles(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	switch {
	case err == nil:
		return f.Close()
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if err != nil || info.Mode().Perm()&0o077 == 0 {
			continue // absent, or already private
		}
		if err := os.Chmod(p, info.Mode().Perm()&0o700); err != nil {
			log.Warn("could not make the database file private", "file", p, "err", err)
			continue
		}
		log.Info("database file made private (owner read/write only)", "file", p)
	}
	return nil
}
