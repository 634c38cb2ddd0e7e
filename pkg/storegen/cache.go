package storegen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// Version is the generator's version, part of the cache key: bump it
// whenever the generated content changes.
const Version = 1

// Build creates the SQLite store at path (which must not exist, or be
// empty) and fills it with Generate. The store's clock follows the
// generated dates, so emails look logged when they were sent.
func Build(ctx context.Context, path string, sizes Sizes) (*Summary, error) {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil, fmt.Errorf("storegen: %s exists", path)
	}
	var now atomic.Int64
	now.Store(Start.UnixNano())
	st, err := sqlite.Open(ctx, path, crmstore.Options{Now: func() time.Time { return time.Unix(0, now.Load()).UTC() }})
	if err != nil {
		return nil, err
	}
	// One connection with a big page cache: a batch touches pages all over
	// the random-keyed indexes (hashes, Message-IDs) and the full-text
	// index, and with SQLite's default 2 MB cache it spills and rewrites
	// them in the WAL many times over. Neither setting changes the file.
	db := st.DB()
	db.SetMaxOpenConns(1)
	for _, p := range []string{`PRAGMA cache_size = -524288`, `PRAGMA synchronous = OFF`} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			st.Close()
			return nil, err
		}
	}
	sum, err := Generate(ctx, st, sizes, func(t time.Time) { now.Store(t.UnixNano()) })
	if err != nil {
		st.Close()
		return nil, err
	}
	// Fold the WAL into the file so that the file alone is the store.
	if _, err := st.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		st.Close()
		return nil, err
	}
	return sum, st.Close()
}

// CacheDir is where Cached keeps its stores.
func CacheDir() string { return filepath.Join(os.TempDir(), "poller-storegen") }

// Cached returns the path of a store built with sizes, building it on the
// first call and reusing it afterwards (across processes: it lives under
// CacheDir). The key is the sizes, Version and the store's schema, so that
// a new migration builds a new store. Never write to the returned file:
// use Copy for a store to open.
func Cached(ctx context.Context, sizes Sizes) (string, *Summary, error) {
	sizes = sizes.withDefaults()
	schema, err := schemaKey(ctx)
	if err != nil {
		return "", nil, err
	}
	dir := CacheDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", nil, err
	}
	base := filepath.Join(dir, fmt.Sprintf("v%d-%s-%s", Version, sizes, schema))
	path, meta := base+".db", base+".json"
	if sum, err := readSummary(meta); err == nil {
		if _, err := os.Stat(path); err == nil {
			return path, sum, nil
		}
	}
	removeAbandoned(dir)
	// Build under a temporary name, then rename: a concurrent builder (go
	// test runs packages in parallel) at worst builds it twice.
	tmp, err := os.CreateTemp(dir, ".build-*.db")
	if err != nil {
		return "", nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	sum, err := Build(ctx, tmp.Name(), sizes)
	if err != nil {
		return "", nil, err
	}
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(meta+".tmp", data, 0o640); err != nil {
		return "", nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", nil, err
	}
	if err := os.Rename(meta+".tmp", meta); err != nil {
		return "", nil, err
	}
	return path, sum, nil
}

// Copy copies the cached store of sizes (building it when needed) to dst,
// a file the caller may open and write.
func Copy(ctx context.Context, sizes Sizes, dst string) (*Summary, error) {
	src, sum, err := Cached(ctx, sizes)
	if err != nil {
		return nil, err
	}
	return sum, copyFile(src, dst)
}

func copyFile(src, dst string) error {
	// A -wal left by an earlier store at dst would be applied to the copy
	// and corrupt it.
	for _, f := range []string{dst + "-wal", dst + "-shm", dst + "-journal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeAbandoned deletes the files of builds that stopped (a test killed
// by its timeout leaves its half-built store): a running build writes to
// its files all the time.
func removeAbandoned(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, ".build-*"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > 30*time.Minute {
			os.Remove(f)
		}
	}
}

func readSummary(path string) (*Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sum Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		return nil, err
	}
	if sum.Logged == 0 && sum.Sizes.Emails > 0 {
		return nil, errors.New("storegen: empty summary")
	}
	return &sum, nil
}

// schemaKey hashes the schema of a fresh store: tables, indexes, triggers
// and virtual tables, so that any new migration changes it.
func schemaKey(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "storegen-schema-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "schema.db"), crmstore.Options{})
	if err != nil {
		return "", err
	}
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", typ, name, strings.Join(strings.Fields(sql), " "))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}
