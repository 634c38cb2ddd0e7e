package crmstore

import (
	"context"
	"fmt"
)

// pendingIndexes are the FTS4 indexes fed from fts_pending (SQLite's
// migration 0011): the queued rows of each table, indexed by one statement.
var pendingIndexes = []string{
	`INSERT INTO email_fts (docid, subject, body_text, note, from_name, from_address)
		SELECT e.id, e.subject, e.body_text, e.note, e.from_name, e.from_address
		FROM fts_pending p JOIN emails e ON e.id = p.id WHERE p.tbl = 'emails' ORDER BY e.id`,
	`INSERT INTO contact_fts (docid, name, address)
		SELECT c.id, c.name, c.address
		FROM fts_pending p JOIN contacts c ON c.id = p.id WHERE p.tbl = 'contacts' ORDER BY c.id`,
	`INSERT INTO company_fts (docid, name, domain)
		SELECT c.id, c.name, c.domain
		FROM fts_pending p JOIN companies c ON c.id = p.id WHERE p.tbl = 'companies' ORDER BY c.id`,
}

// commit indexes for search what tx inserted, then commits it and tells
// the dialect: every transaction that inserts emails, contacts or
// companies ends here.
func (s *Store) commit(ctx context.Context, tx committer) error {
	if err := s.indexPending(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.dialect.Committed != nil {
		s.dialect.Committed()
	}
	return nil
}

// indexPending indexes the rows queued in fts_pending and empties it, so
// that they reach their FTS4 index in the commit that brings them. FTS4
// writes an index segment each time a statement opens a savepoint, so
// indexing one row per statement cost a segment per message; one
// statement per index costs one per transaction. Other full-text kinds
// index as they write: nothing to do.
func (s *Store) indexPending(ctx context.Context, tx dbtx) error {
	if s.dialect.FullText != FTS4 {
		return nil
	}
	var queued bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM fts_pending)`).Scan(&queued); err != nil {
		return fmt.Errorf("full-text index: %w", err)
	}
	if !queued {
		return nil
	}
	for _, q := range pendingIndexes {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("full-text index: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM fts_pending`); err != nil {
		return fmt.Errorf("full-text index: %w", err)
	}
	return nil
}
