package crmstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// Rows inserted, then changed or deleted, in the transaction that inserted
// them reach the FTS4 indexes as they are at its commit, and the indexes
// stay sound; rows indexed earlier are reindexed at once when they change.
func TestFullTextIndexesWhatTheCommitHolds(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "poller.db"), crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.DB()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO emails (id, kind, dedup_key, content_key, subject, body_text, created_at) VALUES (1, 'bcc', 'k1', 'c1', 'walrus quote', 'first draft', 'now')`,
		`INSERT INTO emails (id, kind, dedup_key, content_key, subject, body_text, created_at) VALUES (2, 'bcc', 'k2', 'c2', 'narwhal', 'gone soon', 'now')`,
		`UPDATE emails SET subject = 'pelican quote', note = 'revised' WHERE id = 1`,
		`DELETE FROM emails WHERE id = 2`,
		`INSERT INTO companies (id, domain, name, created_at) VALUES (7, 'acme.example', 'Acme', 'now')`,
		`UPDATE companies SET name = 'Acme Anvils' WHERE id = 7`,
		`INSERT INTO contacts (id, address, name, source, created_at) VALUES (5, 'wile@acme.example', 'Wile', 'import', 'now')`,
		`UPDATE contacts SET name = 'Wile E. Coyote' WHERE id = 5`,
		`INSERT INTO contacts (id, address, name, source, created_at) VALUES (6, 'road@acme.example', 'Runner', 'import', 'now')`,
		`DELETE FROM contacts WHERE id = 6`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Commit(ctx, tx); err != nil {
		t.Fatal(err)
	}
	matches := func(table, query string) []int64 {
		t.Helper()
		rows, err := db.QueryContext(ctx, `SELECT docid FROM `+table+` WHERE `+table+` MATCH ? ORDER BY docid`, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	sound := func(when string) {
		t.Helper()
		for _, table := range []string{"email_fts", "contact_fts", "company_fts"} {
			if _, err := db.ExecContext(ctx, `INSERT INTO `+table+` (`+table+`) VALUES ('integrity-check')`); err != nil {
				t.Errorf("%s: %s: %v", when, table, err)
			}
		}
		var queued int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM fts_pending`).Scan(&queued); err != nil || queued != 0 {
			t.Errorf("%s: %d rows left queued (%v)", when, queued, err)
		}
	}
	sound("after the commit")
	for _, c := range []struct {
		table, query string
		want         int
	}{
		{"email_fts", "pelican", 1}, {"email_fts", "revised", 1}, {"email_fts", "walrus", 0},
		{"email_fts", "narwhal", 0}, {"company_fts", "anvils", 1}, {"contact_fts", "coyote", 1},
		{"contact_fts", "runner", 0},
	} {
		if got := matches(c.table, c.query); len(got) != c.want {
			t.Errorf("%s MATCH %q = %v, want %d row(s)", c.table, c.query, got, c.want)
		}
	}

	// Indexed rows change and go in their own statements, outside any
	// queue: the triggers keep the indexes as before.
	exec(`UPDATE emails SET subject = 'heron' WHERE id = 1`)
	exec(`UPDATE contacts SET name = 'Road Runner' WHERE id = 5`)
	exec(`DELETE FROM companies WHERE id = 7`)
	sound("after later changes")
	if got := matches("email_fts", "heron"); len(got) != 1 {
		t.Errorf("the renamed email is not found by its new subject: %v", got)
	}
	if got := matches("email_fts", "pelican"); len(got) != 0 {
		t.Errorf("the renamed email is still found by its old subject: %v", got)
	}
	if got := matches("contact_fts", "road"); len(got) != 1 {
		t.Errorf("the renamed contact is not found: %v", got)
	}
	if got := matches("company_fts", "acme"); len(got) != 0 {
		t.Errorf("the deleted company is still found: %v", got)
	}
}
