package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/poller-crm/poller/pkg/crmstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// schema is the SQLite schema: migrations/*.sql.
var schema = crmstore.Migrations{FS: migrations, Dir: "migrations"}

// stmtCacheSize is how many prepared statements a connection keeps (the
// driver's _stmt_cache_size): more than the store's distinct statements
// of recording and of a page.
const stmtCacheSize = "96"

// Open opens (creating it and its folder when missing) the database at path
// and applies the migrations it lacks.
func Open(ctx context.Context, path string, opts crmstore.Options) (*crmstore.Store, error) {
	if err := ensureWritable(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Pragmas go in the DSN so that every pooled connection gets them.
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	// Each connection keeps its prepared statements: the store runs a
	// few dozen distinct ones per message, and preparing them again for
	// every message cost as much CPU as running them.
	q.Set("_stmt_cache_size", stmtCacheSize)
	dsn := "file:" + path + "?" + q.Encode()
	db := sql.OpenDB(newConnector(dsn, opts.Trace))
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if err := crmstore.Migrate(ctx, db, schema, now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, describe(err))
	}
	d := dialect(path)
	cp := startCheckpointer(dsn)
	d.Committed, d.Close = cp.committed, cp.close
	return crmstore.New(db, d, opts), nil
}

// OpenReadOnly opens an existing database for reading only: it creates
// nothing, applies no migration and never takes the write lock, so it works
// while another process (the daemon, a pass) is writing. A database whose
// schema lacks migrations this poller has is refused: a command that writes
// (once, check, serve) brings it up to date.
func OpenReadOnly(ctx context.Context, path string, opts crmstore.Options) (*crmstore.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_stmt_cache_size", stmtCacheSize)
	db := sql.OpenDB(newConnector("file:"+path+"?"+q.Encode(), opts.Trace))
	if err := crmstore.CheckSchema(ctx, db, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, describe(err))
	}
	return crmstore.New(db, dialect(path), opts), nil
}

// dialect is SQLite's, for the database file at path.
func dialect(path string) crmstore.Dialect {
	return crmstore.Dialect{
		Name:          "SQLite",
		Begin:         `BEGIN IMMEDIATE`,
		BeginSnapshot: `BEGIN DEFERRED`,
		FullText:      crmstore.FTS4,
		LastInsertID:  true,
		Describe:      describe,
		Fault:         isFault,
		Where:         path,
		Integrity:     integrity,
		Size: func(context.Context, *sql.DB) int64 {
			var total int64
			for _, suffix := range []string{"", "-wal"} {
				if st, err := os.Stat(path + suffix); err == nil {
					total += st.Size()
				}
			}
			return total
		},
	}
}

// ensureWritable creates the database's folder and file when missing, so
// that a folder we may not write to is reported as such (SQLite would only
// say it cannot open the file). SQLite also needs to create its -wal and
// -shm files next to the database.
func ensureWritable(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create the database folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("the database file cannot be opened for writing: %w", err)
	}
	f.Close()
	probe, err := os.CreateTemp(dir, ".poller-write-check-*")
	if err != nil {
		return fmt.Errorf("the database folder is not writable (SQLite keeps its -wal and -shm files there): %w", err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// describe turns SQLite's terse errors about the file itself into ones that
// name the problem.
func describe(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrNotADB:
		return fmt.Errorf("the file is not an SQLite database: %w", err)
	case sqlite3.ErrCorrupt:
		return fmt.Errorf("the database file is corrupt: %w", err)
	case sqlite3.ErrFull:
		return fmt.Errorf("the disk is full: %w", err)
	case sqlite3.ErrReadonly:
		return fmt.Errorf("the database is read-only (check the file's and its folder's permissions): %w", err)
	case sqlite3.ErrCantOpen:
		return fmt.Errorf("cannot open the database file (check that its folder exists and is writable): %w", err)
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return fmt.Errorf("the database is locked by another process: %w", err)
	case sqlite3.ErrIoErr:
		return fmt.Errorf("I/O error on the database file: %w", err)
	case sqlite3.ErrPerm, sqlite3.ErrAuth:
		return fmt.Errorf("permission denied on the database file: %w", err)
	}
	return err
}

// isFault reports whether err is a problem with the database itself
// (disk, locks, corruption) rather than with one message's data.
func isFault(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrConstraint, sqlite3.ErrMismatch, sqlite3.ErrTooBig, sqlite3.ErrRange:
		return false
	}
	return true
}

// integrity runs PRAGMA integrity_check and returns its verdict ("ok"
// when the database is sound).
func integrity(ctx context.Context, db *sql.DB) (string, error) {
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return "", err
	}
	return res, nil
}
