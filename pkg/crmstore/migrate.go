package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are an adapter's schema: files named NNNN_what.sql, applied
// in the order of their numbers, each once.
type Migrations struct {
	FS  fs.FS  // holds the files
	Dir string // the folder in FS
	// Lock, when set, runs first in the migrating transaction, so that
	// processes starting at once migrate one after the other.
	Lock string
}

type migration struct {
	version int
	name    string
}

func (m Migrations) list() ([]migration, error) {
	names, err := fs.Glob(m.FS, path.Join(m.Dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		out = append(out, migration{version: v, name: base})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies, in one transaction, the migrations the database has
// not recorded yet in its schema_migrations table.
func Migrate(ctx context.Context, db *sql.DB, m Migrations, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if m.Lock != "" {
		if _, err := tx.ExecContext(ctx, m.Lock); err != nil {
			return fmt.Errorf("lock for migrating: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	applied, err := appliedMigrations(ctx, tx)
	if err != nil {
		return err
	}
	list, err := m.list()
	if err != nil {
		return err
	}
	for _, mg := range list {
		if applied[mg.version] {
			continue
		}
		body, err := fs.ReadFile(m.FS, path.Join(m.Dir, mg.name))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", mg.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			mg.version, mg.name, formatTime(now)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// CheckSchema makes sure every migration is applied, without changing
// anything: for stores opened read-only.
func CheckSchema(ctx context.Context, db *sql.DB, m Migrations) error {
	applied, err := appliedMigrations(ctx, db)
	if err != nil {
		return err
	}
	list, err := m.list()
	if err != nil {
		return err
	}
	for _, mg := range list {
		if !applied[mg.version] {
			return fmt.Errorf("the database lacks migration %s: open it once with a command that writes (poller once, run or serve) to upgrade it", mg.name)
		}
	}
	return nil
}

func appliedMigrations(ctx context.Context, q Querier) (map[int]bool, error) {
	applied := map[int]bool{}
	err := each(ctx, q, `SELECT version FROM schema_migrations`, func(rows *sql.Rows) error {
		var v int
		if err := rows.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
		return nil
	})
	return applied, err
}
