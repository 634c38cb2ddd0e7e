package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/crmstore/storetest"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// The store's behaviour is pkg/crmstore/storetest's, run on SQLite in
// conformance_test.go; these tests are about SQLite itself: its file, its
// pragmas, its migrations and its full-text ranking.

// testRules are the standard test rules (config.example.yaml's).
func testRules(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t)
}

func openStore(t testing.TB, opts crmstore.Options) *crmstore.Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "poller.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.SyncUsers(context.Background(), storetest.Users); err != nil {
		t.Fatal(err)
	}
	return s
}

// viewers of the test store: alice seeing the team's emails, alice seeing
// her own only, and an admin.
type viewers struct{ team, own, admin view.Viewer }

func testViewers(t *testing.T, s *crmstore.Store) viewers {
	t.Helper()
	ctx := context.Background()
	alice, err := s.UserID(ctx, "alice@example.com")
	if err != nil || alice == 0 {
		t.Fatalf("UserID(alice) = %d, %v", alice, err)
	}
	bob, _ := s.UserID(ctx, "bob@example.com")
	team := view.Viewer{UserID: alice, Email: "alice@example.com", Addresses: []string{"alice@example.com"}}
	own := team
	own.OwnOnly = true
	admin := view.Viewer{UserID: bob, Email: "bob@example.com", Addresses: []string{"bob@example.com"}, Admin: true, OwnOnly: true}
	return viewers{team, own, admin}
}

func TestOpenRefusesAFileThatIsNotSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	os.WriteFile(path, bytes.Repeat([]byte("this is not a database\n"), 200), 0o600)
	_, err := Open(context.Background(), path, crmstore.Options{})
	if err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Fatalf("Open = %v, want an error saying the file is not an SQLite database", err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte("this is not a database")) {
		t.Error("Open modified the file")
	}
}

func TestFullDiskLeavesTheStoreConsistent(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	ctx := context.Background()
	storetest.Record(t, s, storetest.BCC("alice@example.com", "dana@prospect.example", "before", "kept"))
	// One connection, limited in pages: the database file cannot grow.
	s.DB().SetMaxOpenConns(1)
	var pages int
	s.DB().QueryRow(`PRAGMA page_count`).Scan(&pages)
	if _, err := s.DB().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	big := storetest.BCC("alice@example.com", "eve@prospect.example", "after", strings.Repeat("long body line\r\n", 20000))
	items := []ingest.Item{ingest.Process(testRules(t), ingest.Origin{Path: "big.eml"}, []byte(big))}
	_, err := s.Record(ctx, items)
	if err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("Record on a full disk = %v, want an error saying the disk is full", err)
	}
	if _, err := s.DB().Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	if n := storetest.Count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails = %d, want the 1 committed before", n)
	}
	if n := storetest.Count(t, s, `SELECT count(*) FROM intake`); n != 1 {
		t.Errorf("intake rows = %d, want 1: nothing of the failed batch", n)
	}
}

func TestMigrationsAreRecordedAndRerunSafe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.db")
	for range 2 {
		s, err := Open(context.Background(), path, crmstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := storetest.Count(t, s, `SELECT count(*) FROM schema_migrations`); n < 1 {
			t.Errorf("schema_migrations has %d rows", n)
		}
		s.Close()
	}
}

func TestMigrationBackfillsSearchAndCounts(t *testing.T) {
	// A store made before migration 0003, with data in it.
	s := openStore(t, crmstore.Options{})
	ctx := context.Background()
	ids := storetest.EmailIDs(t, storetest.Record(t, s, storetest.Mail("alice@example.com", "Zoë <zoe@prospect.example>", "Kaffee", "Grüße aus Köln", 2, 0)))
	db := s.DB()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`DROP TRIGGER emails_fts_insert`, `DROP TRIGGER emails_fts_before_update`, `DROP TRIGGER emails_fts_after_update`,
		`DROP TRIGGER emails_fts_delete`, `DROP TRIGGER contacts_fts_insert`, `DROP TRIGGER contacts_fts_update`,
		`DROP TRIGGER contacts_fts_delete`, `DROP TRIGGER companies_fts_insert`, `DROP TRIGGER companies_fts_update`,
		`DROP TRIGGER companies_fts_delete`,
		`DROP TABLE email_fts`, `DROP TABLE contact_fts`, `DROP TABLE company_fts`, `DROP TABLE sessions`,
		`DROP INDEX emails_user_date`, `DROP INDEX emails_date`, `DROP INDEX emails_thread`, `DROP INDEX email_contacts_contact`,
		`CREATE INDEX email_contacts_contact ON email_contacts(contact_id)`,
		`DROP INDEX email_companies_company`, `DROP INDEX email_deals_deal`, `DROP INDEX deals_company`,
		`DROP INDEX deals_updated`, `DROP INDEX contacts_name`, `DROP INDEX contacts_created`, `DROP INDEX companies_name`,
		`DROP INDEX intake_outcome`, `DROP INDEX intake_from`, `DROP INDEX intake_mailbox`,
		`DROP INDEX contacts_last_email`, `DROP INDEX companies_last_email`,
		`DROP TRIGGER email_contacts_count`, `DROP TRIGGER email_contacts_uncount`,
		`DROP TRIGGER email_companies_count`, `DROP TRIGGER email_companies_uncount`,
		`ALTER TABLE users DROP COLUMN password_hash`, `ALTER TABLE attachments DROP COLUMN content_id`, `ALTER TABLE attachments DROP COLUMN inline`,
		`ALTER TABLE contacts DROP COLUMN email_count`, `ALTER TABLE contacts DROP COLUMN last_email_at`,
		`ALTER TABLE companies DROP COLUMN email_count`, `ALTER TABLE companies DROP COLUMN last_email_at`,
		`DROP TRIGGER emails_private_delete`, `DROP TRIGGER emails_private_update`, `DROP INDEX emails_private`,
		`ALTER TABLE emails DROP COLUMN private`, // 0006 comes again after 0003
		`DELETE FROM schema_migrations WHERE version IN (3, 6)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if n := storetest.Count(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger'`); n != 0 {
		t.Fatalf("%d triggers left", n)
	}
	if err := crmstore.Migrate(ctx, s.DB(), schema, time.Now()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	vs := testViewers(t, s)
	for _, q := range []string{"grusse", "koln", "kaffee"} {
		if r, err := s.Search(ctx, vs.team, q, view.Page{}); err != nil || r.Total != 1 || r.Hits[len(r.Hits)-1].EmailID != ids[0] {
			t.Errorf("Search(%q) after the migration = %+v, %v", q, r, err)
		}
	}
	for _, q := range []string{"zoe", "prospect"} {
		if r, err := s.Search(ctx, vs.team, q, view.Page{}); err != nil || len(r.Hits) == 0 || r.Hits[0].Kind != view.HitContact && r.Hits[0].Kind != view.HitCompany {
			t.Errorf("Search(%q) after the migration = %+v, %v; want the contact or company", q, r, err)
		}
	}
	list, err := s.Contacts(ctx, vs.team, view.ContactQuery{})
	if err != nil || len(list.Contacts) != 1 || list.Contacts[0].Emails != 1 || list.Contacts[0].LastEmail.Day() != 2 {
		t.Errorf("Contacts after the migration = %+v, %v", list, err)
	}
}

// TestBM25RanksTheMoreRelevantFirst is FTS4's ranking (the BM25 of
// conn.go, with its column weights); the suite asserts only what any
// ranking must (SearchRanksTheClearlyMoreRelevantFirst).
func TestBM25RanksTheMoreRelevantFirst(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	ctx := context.Background()
	vs := testViewers(t, s)
	ids := storetest.EmailIDs(t, storetest.Record(t, s,
		storetest.Mail("alice@example.com", "dana@prospect.example", "Lunch", "a long note about many things and, once, the turbine "+strings.Repeat("filler words here ", 40), 2, 0),
		storetest.Mail("alice@example.com", "dana@prospect.example", "Turbine turbine", "turbine maintenance for the turbine", 3, 0),
	))
	r, err := s.Search(ctx, vs.team, "turbine", view.Page{})
	if err != nil || len(r.Hits) != 2 || r.Hits[0].EmailID != ids[1] {
		t.Errorf("Search(turbine) = %+v, %v; want email %d first", r.Hits, err, ids[1])
	}
}

// An attachment logged before contents were read from the raw message
// (part NULL, its content a blob of its own) is still served.
func TestAttachmentLoggedBeforePartsIsServedFromItsBlob(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	ctx := context.Background()
	raw := "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nMessage-ID: <old@example.com>\r\n" +
		"Subject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=quote.pdf\r\n\r\nPDF\r\n--b--\r\n"
	it := ingest.Process(testRules(t), ingest.Origin{Path: "old.eml"}, []byte(raw))
	if res, err := s.Record(ctx, []ingest.Item{it}); err != nil || res[0].Outcome != ingest.OutcomeLogged {
		t.Fatalf("Record = %+v, %v", res, err)
	}
	db := s.DB()
	for _, q := range []string{
		`INSERT INTO blobs (sha256, size, created_at) VALUES ('legacy', 6, '')`,
		`INSERT INTO blob_chunks (sha256, seq, data) VALUES ('legacy', 0, 'LEGACY')`,
		`UPDATE attachments SET part = NULL, sha256 = 'legacy'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var emailID, aid int64
	if err := db.QueryRow(`SELECT email_id, id FROM attachments`).Scan(&emailID, &aid); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.Attachment(ctx, view.Viewer{Admin: true}, emailID, aid, &buf); err != nil || buf.String() != "LEGACY" {
		t.Errorf("Attachment = %q, %v; want the blob's content", buf.String(), err)
	}
}

// Migration 0012 moves the chunks of a store made before it into the
// rowid table, keeping every blob readable as it was (uncompressed).
func TestMigrationKeepsOlderBlobs(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	ctx := context.Background()
	db := s.DB()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`DELETE FROM blob_chunks`, `DELETE FROM blobs`,
		`DROP TABLE blob_chunks`,
		`CREATE TABLE blob_chunks (sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE, seq INTEGER NOT NULL,
			data BLOB NOT NULL, PRIMARY KEY (sha256, seq)) WITHOUT ROWID`,
		`ALTER TABLE blobs DROP COLUMN encoding`,
		`DELETE FROM schema_migrations WHERE version = 12`,
		`INSERT INTO blobs (sha256, size, created_at) VALUES ('old', 11, '')`,
		`INSERT INTO blob_chunks (sha256, seq, data) VALUES ('old', 0, 'hello '), ('old', 1, 'world')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := crmstore.Migrate(ctx, db, schema, time.Now()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var buf bytes.Buffer
	if err := s.ReadBlob(ctx, "old", &buf); err != nil || buf.String() != "hello world" {
		t.Errorf("ReadBlob after the migration = %q, %v; want the blob as it was", buf.String(), err)
	}
	var ddl string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'blob_chunks'`).Scan(&ddl); err != nil || strings.Contains(ddl, "WITHOUT ROWID") {
		t.Errorf("blob_chunks after the migration: %q, %v; want a rowid table", ddl, err)
	}
}

// After a batch commits, its pages reach the database file from the WAL in
// the background, with no further write or close: a commit this small
// (under SQLite's 1,000-page autocheckpoint) would otherwise leave them in
// the WAL.
func TestCommittedPagesAreCheckpointedInTheBackground(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "poller.db")
	s, err := Open(context.Background(), path, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 450_000) // base64: 600 KB that compress too little
	rand.New(rand.NewSource(1)).Read(noise)
	body := base64.StdEncoding.EncodeToString(noise)
	storetest.Record(t, s, storetest.BCC("alice@example.com", "dana@prospect.example", "noise", body))
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if grown := st.Size() - before.Size(); grown >= int64(len(body)) {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("the database file grew by %d bytes, want the %d of the committed message: no checkpoint", grown, len(body))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Every pooled connection keeps its statement journals (and any other
// temporary file) in memory: PRAGMA temp_store reads 2 (MEMORY) on each.
func TestConnectionsKeepTemporaryFilesInMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "poller.db"), crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var conns []*sql.Conn
	for range 3 {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode int
		if err := c.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != 2 {
			t.Errorf("connection %d: temp_store = %d, want 2 (MEMORY)", i, mode)
		}
		c.Close()
	}
}
