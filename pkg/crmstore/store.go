package crmstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

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
	// the queries of a page. The adapters install it on their connections.
	Trace func(query string)
}

// FullText names the full-text index a database has.
type FullText int

const (
	// FTS4 is SQLite's FTS4 with the unicode61 tokenizer and the store's
	// BM25 ranking functions (email_rank, party_rank).
	FTS4 FullText = iota
	// TSVector is PostgreSQL's tsvector columns (search) with GIN indexes.
	TSVector
)

// Dialect is what the store needs to know of the database under it: the
// SQL itself is written once, in the subset both SQLite and PostgreSQL
// speak, with ? placeholders (the PostgreSQL adapter rebinds them).
type Dialect struct {
	// Name is the database's name, for messages ("SQLite", "PostgreSQL").
	Name string
	// Begin starts a write transaction ("BEGIN" when empty; SQLite's
	// takes the write lock at once).
	Begin string
	// BeginSnapshot starts a read-only transaction that sees one
	// consistent state of the store.
	BeginSnapshot string
	// FullText is the kind of full-text index.
	FullText FullText
	// LastInsertID says that the driver reports an inserted row's id
	// (sql.Result.LastInsertId), which is cheaper than RETURNING it:
	// SQLite's RETURNING costs a result set and half again the insert.
	LastInsertID bool
	// Describe turns the database's terse errors into ones that name the
	// problem; nil leaves them as they are.
	Describe func(error) error
	// Fault reports whether err is a problem with the database itself
	// (disk, locks, connection, corruption) rather than with one message's
	// data: such an error aborts a whole batch instead of failing one
	// message.
	Fault func(error) bool
	// Where names the database for people: a file's path, a server's URL
	// without its password.
	Where string
	// Size is the store's size in bytes on disk, when it can be known.
	Size func(ctx context.Context, db *sql.DB) int64
	// Integrity checks the database's own consistency, returning "ok"
	// when it is sound.
	Integrity func(ctx context.Context, db *sql.DB) (string, error)
	// ResetIDs, when set, runs after rows were copied into table with
	// their ids, so that the ids the database generates next follow them
	// (PostgreSQL's identity sequences).
	ResetIDs func(ctx context.Context, tx *sql.Tx, table string) error
	// Committed, when set, is called after each transaction that wrote
	// emails, contacts or companies commits (SQLite starts a background
	// checkpoint).
	Committed func()
	// Close, when set, is called by Store.Close before the database is
	// closed.
	Close func()
	// Locks, when set, guards leases with a lock the database holds for a
	// session (PostgreSQL's advisory locks): it is released when the
	// holder's connection ends, however the holder dies.
	Locks SessionLocks
}

// SessionLocks take and give back a lock held by one connection.
type SessionLocks interface {
	// TryLock takes the lock named key on conn without waiting, reporting
	// whether it got it.
	TryLock(ctx context.Context, conn *sql.Conn, key string) (bool, error)
	// Unlock gives it back.
	Unlock(ctx context.Context, conn *sql.Conn, key string) error
}

// Store is the CRM store over a database/sql database. It is safe for
// concurrent use.
type Store struct {
	db       *sql.DB
	dialect  Dialect
	opts     Options
	company  crm.CompanyPolicy
	sessions *leaseSessions
	deflate  deflaters
}

// New returns the store over db, whose schema the adapter has brought up
// to date. Closing the store closes db.
func New(db *sql.DB, d Dialect, opts Options) *Store {
	if opts.MaxAttachmentSize <= 0 {
		opts.MaxAttachmentSize = DefaultMaxAttachmentSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if d.Describe == nil {
		d.Describe = func(err error) error { return err }
	}
	if d.Fault == nil {
		d.Fault = func(error) bool { return true }
	}
	return &Store{
		db:       db,
		dialect:  d,
		opts:     opts,
		company:  crm.NewCompanyPolicy(opts.NoCompanyDomains),
		sessions: newLeaseSessions(),
	}
}

// Close closes the database (and gives up any lease still held).
func (s *Store) Close() error {
	s.sessions.closeAll()
	if s.dialect.Close != nil {
		s.dialect.Close()
	}
	return s.db.Close()
}

// DB gives access to the database for reports, tools and tests.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect is the database's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Size is the store's size on disk in bytes (0 when it cannot be known).
func (s *Store) Size() int64 {
	if s.dialect.Size == nil {
		return 0
	}
	return s.dialect.Size(context.Background(), s.db)
}

// Where names the database (a path, or a URL without its password).
func (s *Store) Where() string { return s.dialect.Where }

// IntegrityCheck checks the database's consistency and returns its verdict
// ("ok" when it is sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	if s.dialect.Integrity == nil {
		return "ok", nil
	}
	res, err := s.dialect.Integrity(ctx, s.db)
	if err != nil {
		return "", s.errorf("integrity check", err)
	}
	return res, nil
}

func (s *Store) now() string { return formatTime(s.opts.Now()) }

// describe names the problem behind a database error.
func (s *Store) describe(err error) error {
	if err == nil {
		return nil
	}
	return s.dialect.Describe(err)
}

// isStoreFault reports whether err is a fault of the database rather than
// of one message's data.
func (s *Store) isStoreFault(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return s.dialect.Fault(err)
}

// timeLayout is how the store writes times: UTC, fixed width, so that
// they sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// errorf wraps err with context, naming the database problem behind it.
func (s *Store) errorf(format string, err error) error {
	return fmt.Errorf(format+": %w", s.describe(err))
}
