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
