package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultMaxAttachmentSize is the size above which an attachment is dropped
// from a logged email (with a note saying so).
const DefaultMaxAttachmentSize = 50 << 20

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// MaxAttachmentSize in bytes; 0 means DefaultMaxAttachmentSize.
	MaxAttachmentSize int64
	// NoCompanyDomains are domains for which no company is created (on top
	// of the free-mail providers).
	NoCompanyDomains []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Trace, when set, is called with every statement the store runs
	// (not those run by triggers), from any goroutine: for tests that count
	// the queries of a page.
	Trace func(query string)
}

// Store is the CRM store. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	opts Options
	noCo map[string]bool
}

// Open opens (creating it and its folder when missing) the database at path
// and applies the migrations it lacks.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.MaxAttachmentSize <= 0 {
		opts.MaxAttachmentSize = DefaultMaxAttachmentSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
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
	db := sql.OpenDB(newConnector("file:"+path+"?"+q.Encode(), opts.Trace))
	s := &Store{db: db, path: path, opts: opts, noCo: map[string]bool{}}
	for _, d := range opts.NoCompanyDomains {
		s.noCo[strings.ToLower(strings.TrimSpace(d))] = true
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, describe(err))
	}
	return s, nil
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

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// DB gives read access to the database for reports and tests.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) now() string { return formatTime(s.opts.Now()) }

// timeLayout is how the store writes times: UTC, fixed width, so that
// they sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// migrate applies, in one transaction, the embedded migrations the database
// has not recorded yet.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		num, _, _ := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if applied[version] {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			version, base, s.now()); err != nil {
			return err
		}
	}
	return tx.Commit()
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

// isStoreFault reports whether err is a problem with the database itself
// (disk, locks, corruption) rather than with one message's data: such an
// error aborts a whole batch instead of failing one message.
func isStoreFault(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
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

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok"
// when the database is sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return "", err
	}
	return res, nil
}

func statFile(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
