package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
)

// chunkSize is the most content bound in one statement.
const chunkSize = 1 << 20

// putBlob stores data under its SHA-256 unless a blob with that hash exists.
func putBlob(ctx context.Context, tx *sql.Tx, sum string, data []byte, now string) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, sum, len(data), now)
	if err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // stored before: content-addressed
	}
	for seq := 0; seq*chunkSize < len(data) || seq == 0; seq++ {
		end := min((seq+1)*chunkSize, len(data))
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_chunks (sha256, seq, data) VALUES (?, ?, ?)`, sum, seq, data[seq*chunkSize:end]); err != nil {
			return fmt.Errorf("store blob chunk: %w", err)
		}
	}
	return nil
}

// blobExists reports whether a blob with hash sum is stored.
func blobExists(ctx context.Context, tx *sql.Tx, sum string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM blobs WHERE sha256 = ?`, sum).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// chunkWriter streams content into blob_chunks under a known hash.
type chunkWriter struct {
	ctx context.Context
	tx  *sql.Tx
	sum string
	seq int
	buf []byte
	n   int64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		room := chunkSize - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == chunkSize {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return written, nil
}

func (w *chunkWriter) flush() error {
	if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO blob_chunks (sha256, seq, data) VALUES (?, ?, ?)`, w.sum, w.seq, w.buf); err != nil {
		return fmt.Errorf("store blob chunk: %w", err)
	}
	w.n += int64(len(w.buf))
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// Close writes the last chunk (an empty blob gets one empty chunk).
func (w *chunkWriter) Close() error {
	if len(w.buf) > 0 || w.seq == 0 {
		return w.flush()
	}
	return nil
}

// ReadBlob writes the blob with hash sum to w; an error wrapping
// ErrNotFound when there is none.
func (s *Store) ReadBlob(ctx context.Context, sum string, w io.Writer) error {
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM blob_chunks WHERE sha256 = ? ORDER BY seq`, sum)
	if err != nil {
		return fmt.Errorf("read blob %s: %w", sum, err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		found = true
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("read blob %s: %w", sum, err)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read blob %s: %w", sum, err)
	}
	if !found {
		return fmt.Errorf("read blob %s: %w", sum, ErrNotFound)
	}
	return nil
}
