package crmstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"
)

// copyTable is a table CopyTo copies, in an order that satisfies the
// foreign keys, read in the order of its key.
type copyTable struct {
	name  string
	order string
	// derived are columns the destination's triggers compute from the
	// rows copied after (the email counts and dates): copied, they would
	// be counted twice. The checksums still compare them.
	derived []string
}

// copyTables is every table of the store's data; leases are left out
// (they belong to the source's workers), as is schema_migrations.
var copyTables = []copyTable{
	{name: "users", order: "id"},
	{name: "companies", order: "id", derived: []string{"email_count", "last_email_at"}},
	{name: "contacts", order: "id", derived: []string{"email_count", "last_email_at"}},
	{name: "deals", order: "id"},
	{name: "deal_contacts", order: "deal_id, contact_id"},
	{name: "blobs", order: "sha256"},
	{name: "blob_chunks", order: "sha256, seq"},
	{name: "emails", order: "id"},
	{name: "email_contacts", order: "email_id, contact_id"},
	{name: "email_companies", order: "email_id, company_id"},
	{name: "email_deals", order: "email_id, deal_id"},
	{name: "attachments", order: "id"},
	{name: "intake", order: "id"},
	{name: "intake_changes", order: "id"},
	{name: "passes", order: "id"},
	{name: "sessions", order: "token_hash"},
	{name: "outbox", order: "id"},
}

// TableCopy is what CopyTo did with one table.
type TableCopy struct {
	Table string
	Rows  int64
	// Source and Copy are SHA-256 checksums of every row of the table in
	// the source and in the destination, over the source's columns.
	Source, Copy string

	columns []string // the source's, in its order
}

// CopyReport is what CopyTo did, table by table.
type CopyReport struct {
	Tables []TableCopy
}

// Identical reports whether every table's copy has the source's checksum.
func (r CopyReport) Identical() bool {
	for _, t := range r.Tables {
		if t.Source != t.Copy {
			return false
		}
	}
	return true
}

// ErrNotEmpty is returned by CopyTo when the destination holds data.
var ErrNotEmpty = errors.New("the destination store is not empty")

// CopyTo copies the whole store (one consistent snapshot of it, so a
// worker may keep writing) into dst, which must be empty, in one
// transaction, keeping every id; then it reads both back and checksums
// each table. The copy is committed whatever the checksums say: the
// report says whether they match.
func (s *Store) CopyTo(ctx context.Context, dst *Store) (CopyReport, error) {
	var rep CopyReport
	if err := dst.ensureEmpty(ctx); err != nil {
		return rep, err
	}
	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return rep, dst.errorf("copy: begin", err)
	}
	defer tx.Rollback()
	err = s.Snapshot(ctx, func(q Querier) error {
		for _, t := range copyTables {
			tc, err := copyOne(ctx, q, tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			if dst.dialect.ResetIDs != nil && t.order == "id" {
				if err := dst.dialect.ResetIDs(ctx, tx, t.name); err != nil {
					return fmt.Errorf("copy %s: reset its ids: %w", t.name, err)
				}
			}
			rep.Tables = append(rep.Tables, tc)
		}
		return nil
	})
	if err != nil {
		return rep, dst.describe(err)
	}
	if err := dst.commit(ctx, tx); err != nil {
		return rep, dst.errorf("copy: commit", err)
	}
	for i, t := range copyTables {
		sum, err := checksum(ctx, dst.db, t, rep.Tables[i].columns)
		if err != nil {
			return rep, fmt.Errorf("checksum the copy of %s: %w", t.name, dst.describe(err))
		}
		rep.Tables[i].Copy = sum
	}
	return rep, nil
}

// ensureEmpty refuses a store holding any data.
func (s *Store) ensureEmpty(ctx context.Context) error {
	var full []string
	for _, t := range copyTables {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM `+t.name+` LIMIT 1`).Scan(&one)
		switch {
		case err == nil:
			full = append(full, t.name)
		case !errors.Is(err, sql.ErrNoRows):
			return s.errorf("look at the destination", err)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w: %s hold rows (copy into a new, empty database)", ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

// copyOne copies table t from q into tx, checksumming the source's rows
// as they pass.
func copyOne(ctx context.Context, q Querier, tx *sql.Tx, t copyTable) (TableCopy, error) {
	tc := TableCopy{Table: t.name}
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+t.name+` ORDER BY `+t.order)
	if err != nil {
		return tc, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return tc, err
	}
	var copied []string
	var keep []int
	for i, c := range cols {
		if !slices.Contains(t.derived, c) {
			copied = append(copied, c)
			keep = append(keep, i)
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+t.name+` (`+strings.Join(copied, ", ")+`) VALUES (`+placeholders(len(copied))+`)`)
	if err != nil {
		return tc, err
	}
	defer ins.Close()
	sum := newRowHash(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	args := make([]any, len(keep))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return tc, err
		}
		sum.add(vals)
		for i, k := range keep {
			args[i] = vals[k]
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return tc, err
		}
		tc.Rows++
	}
	if err := rows.Err(); err != nil {
		return tc, err
	}
	tc.Source, tc.columns = sum.sum(), cols
	return tc, nil
}

// checksum is the checksum of table t's rows over the columns cols, in
// that order (a destination may order its columns otherwise, or have
// more, such as PostgreSQL's search vectors).
func checksum(ctx context.Context, q Querier, t copyTable, cols []string) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+t.name+` ORDER BY `+t.order)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	sum := newRowHash(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		sum.add(vals)
	}
	return sum.sum(), rows.Err()
}

// rowHash checksums rows in a form both databases' drivers give alike:
// each value tagged with its kind.
type rowHash struct {
	h   hash.Hash
	buf []byte
}

func newRowHash(cols []string) *rowHash {
	r := &rowHash{h: sha256.New()}
	r.h.Write([]byte(strings.Join(cols, ",")))
	return r
}

func (r *rowHash) add(vals []any) {
	b := r.buf[:0]
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = append(b, 'i')
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		case float64:
			b = append(b, 'f')
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		case bool: // never stored, but 0/1 would be
			b = append(b, 'i')
			var n uint64
			if v {
				n = 1
			}
			b = binary.BigEndian.AppendUint64(b, n)
		case string:
			b = append(b, 's')
			b = binary.BigEndian.AppendUint64(b, uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = append(b, 's') // TEXT and BLOB alike: the bytes count
			b = binary.BigEndian.AppendUint64(b, uint64(len(v)))
			b = append(b, v...)
		default:
			s := fmt.Sprint(v)
			b = append(b, 'x')
			b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	r.h.Write(b)
	if cap(b) <= 1<<16 {
		r.buf = b
	}
}

func (r *rowHash) sum() string { return hex.EncodeToString(r.h.Sum(nil)) }
