package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// OpenReadOnly opens an existing database for reading only: it creates
// nothing, applies no migration and never takes the write lock, so it works
// while another process (the daemon, a pass) is writing. A database whose
// schema lacks migrations this poller has is refused: a command that writes
// (once, check, serve) brings it up to date.
func OpenReadOnly(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.MaxAttachmentSize <= 0 {
		opts.MaxAttachmentSize = DefaultMaxAttachmentSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	db := sql.OpenDB(newConnector("file:"+path+"?"+q.Encode(), opts.Trace))
	s := &Store{db: db, path: path, opts: opts, noCo: map[string]bool{}}
	if err := s.checkSchema(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, describe(err))
	}
	return s, nil
}

// checkSchema makes sure every embedded migration is applied.
func (s *Store) checkSchema(ctx context.Context) error {
	applied := map[int]bool{}
	err := each(ctx, s.db, `SELECT version FROM schema_migrations`, func(rows *sql.Rows) error {
		var v int
		if err := rows.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
		return nil
	})
	if err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	for _, name := range names {
		num, _, _ := strings.Cut(filepath.Base(name), "_")
		if v, err := strconv.Atoi(num); err == nil && !applied[v] {
			return fmt.Errorf("the database lacks migration %s: open it once with a command that writes (poller once, check or serve) to upgrade it", filepath.Base(name))
		}
	}
	return nil
}
