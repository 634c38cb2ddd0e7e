// Package postgres is poller's CRM store on a PostgreSQL server, through
// github.com/jackc/pgx/v5: the same store as pkg/sqlite's (pkg/crmstore
// holds every query and rule), with its own schema (migrations/*.sql),
// full-text search on tsvector columns, and leases guarded by session
// advisory locks, so that workers on several hosts never process one
// mailbox at once.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/poller-crm/poller/pkg/crmstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// schema is the PostgreSQL schema: migrations/*.sql.
var schema = crmstore.Migrations{FS: migrations, Dir: "migrations", Lock: migrationLock}

// migrationLock serialises the migrations of workers starting at once.
const migrationLock = `SELECT pg_advisory_xact_lock(hashtextextended('poller migrations', 0))`

// Open connects to the database at dbURL (postgres://user:password@host/db
// or a key=value connection string) and applies the migrations it lacks.
// The password never appears in what it returns or logs.
func Open(ctx context.Context, dbURL string, opts crmstore.Options) (*crmstore.Store, error) {
	db, where, err := connect(ctx, dbURL, opts)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if err := crmstore.Migrate(ctx, db, schema, now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", where, describe(err))
	}
	return crmstore.New(db, dialect(where), opts), nil
}

// OpenReadOnly connects without changing anything: a database whose
// schema lacks migrations is refused.
func OpenReadOnly(ctx context.Context, dbURL string, opts crmstore.Options) (*crmstore.Store, error) {
	db, where, err := connect(ctx, dbURL, opts)
	if err != nil {
		return nil, err
	}
	var exists bool
	err = db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	if err == nil && !exists {
		err = errors.New("the database has no poller schema yet (it lacks migration 0001_init.sql): open it once with a command that writes (poller once, run or serve) to create it")
	}
	if err == nil {
		err = crmstore.CheckSchema(ctx, db, schema)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", where, describe(err))
	}
	return crmstore.New(db, dialect(where), opts), nil
}

func connect(ctx context.Context, dbURL string, opts crmstore.Options) (*sql.DB, string, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		// pgx's parse errors quote the string, password and all.
		return nil, "", errors.New("open store: store.url is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)")
	}
	where := Redact(cfg)
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "poller"
	}
	db := sql.OpenDB(&connector{pgx: stdlib.GetConnector(*cfg), trace: opts.Trace})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("open store %s: %w", where, describe(err))
	}
	return db, where, nil
}

// Redact names a connection for people: postgres://user@host:port/db,
// never the password.
func Redact(cfg *pgx.ConnConfig) string {
	u := url.URL{Scheme: "postgres", User: url.User(cfg.User), Host: net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), Path: "/" + cfg.Database}
	return u.String()
}

// dialect is PostgreSQL's, for the database named where.
func dialect(where string) crmstore.Dialect {
	return crmstore.Dialect{
		Name:          "PostgreSQL",
		BeginSnapshot: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`,
		FullText:      crmstore.TSVector,
		Describe:      describe,
		Fault:         isFault,
		Where:         where,
		Size: func(ctx context.Context, db *sql.DB) int64 {
			var n int64
			db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
			return n
		},
		Integrity: func(ctx context.Context, db *sql.DB) (string, error) {
			if err := crmstore.CheckSchema(ctx, db, schema); err != nil {
				return err.Error(), nil
			}
			return "ok", nil
		},
		Locks: advisoryLocks{},
		// Copied rows keep their ids: the identity sequences go on after them.
		ResetIDs: func(ctx context.Context, tx *sql.Tx, table string) error {
			_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), COALESCE(max(id), 0) + 1, false) FROM `+table)
			return err
		},
	}
}

// advisoryLocks are PostgreSQL's session advisory locks, keyed by a hash
// of the lock's name.
type advisoryLocks struct{}

// TryLock implements crmstore.SessionLocks.
func (advisoryLocks) TryLock(ctx context.Context, conn *sql.Conn, key string) (bool, error) {
	var ok bool
	err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended(?, 0))`, key).Scan(&ok)
	return ok, err
}

// Unlock implements crmstore.SessionLocks.
func (advisoryLocks) Unlock(ctx context.Context, conn *sql.Conn, key string) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtextextended(?, 0))`, key)
	return err
}

// describe names the problem behind PostgreSQL's errors.
func describe(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fmt.Errorf("the server refused the user or password in store.url: %w", err)
		case "3D000":
			return fmt.Errorf("the database in store.url does not exist (create it with createdb): %w", err)
		case "42501":
			return fmt.Errorf("the user in store.url lacks a permission the store needs: %w", err)
		case "53100":
			return fmt.Errorf("the database server's disk is full: %w", err)
		case "57P01", "57P02", "57P03":
			return fmt.Errorf("the database server is shutting down or starting: %w", err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("cannot reach the database server (is it running, and is store.url's host and port right?): %w", err)
	}
	return err
}

// isFault reports whether err is a problem with the database itself rather
// than with one message's data: data, integrity and size errors (classes
// 22, 23 and 54) belong to the message; the server's other errors and the
// connection's to the database.
func isFault(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "22", "23", "54": // data, integrity, a value over a limit
			return false
		}
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, sql.ErrTxDone) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// IsURL reports whether s names a PostgreSQL database rather than a file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// CheckURL reports what is wrong with a connection URL, without quoting
// it (it may hold a password), and returns it redacted for messages.
func CheckURL(dbURL string) (string, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return "", errors.New("not a valid PostgreSQL URL (want postgres://user:password@host:5432/database)")
	}
	if cfg.Database == "" {
		return Redact(cfg), errors.New("names no database (postgres://user:password@host:5432/database)")
	}
	return Redact(cfg), nil
}
