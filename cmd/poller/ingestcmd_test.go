package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, os.Getenv, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestIngestFixturesTwiceLogsNothingNew(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "store", "poller.db")
	out, stderr, err := runCmd(t, "ingest", "--config", "../../config.example.yaml", "--db", dbPath, "../../fixtures")
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(out, "logged ") || !strings.Contains(out, "failed 0") {
		t.Errorf("first summary = %q", out)
	}
	db := openDB(t, dbPath)
	emails := queryInt(t, db, `SELECT count(*) FROM emails`)
	intake := queryInt(t, db, `SELECT count(*) FROM intake`)
	if intake != len(fixtureFiles(t)) {
		t.Errorf("intake rows = %d, want one per fixture (%d)", intake, len(fixtureFiles(t)))
	}
	out, _, err = runCmd(t, "ingest", "--config", "../../config.example.yaml", "--db", dbPath, "../../fixtures")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "logged 0, rejected 0, duplicate ") {
		t.Errorf("second summary = %q, want nothing logged", out)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM emails`); got != emails {
		t.Errorf("emails after a re-run = %d, want %d", got, emails)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM intake`); got != intake {
		t.Errorf("intake rows after a re-run = %d, want %d (nothing changes)", got, intake)
	}
}

func TestExplainUsesTheStoreForCreateContacts(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "poller.db")
	if _, stderr, err := runCmd(t, "ingest", "--config", "../../config.example.yaml", "--db", dbPath, "../../fixtures/bcc-gmail-plain.eml"); err != nil {
		t.Fatalf("ingest: %v %s", err, stderr)
	}
	got := explainJSON(t, "../../config.example.yaml", []string{"../../fixtures/bcc-gmail-plain.eml", "../../fixtures/bcc-internal-cc.eml"}, "--db", dbPath)
	if cc, ok := got[0]["create_contacts"].([]any); !ok || len(cc) != 0 {
		t.Errorf("create_contacts for a logged contact = %v, want []", got[0]["create_contacts"])
	}
	if cc, _ := got[1]["create_contacts"].([]any); len(cc) != 1 {
		t.Errorf("create_contacts for a new contact = %v, want it listed", got[1]["create_contacts"])
	}
}

func TestIngestReportsBadPaths(t *testing.T) {
	_, _, err := runCmd(t, "ingest", "--config", "../../config.example.yaml", "--db", filepath.Join(t.TempDir(), "p.db"), "/nonexistent/mail")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/mail") {
		t.Errorf("error = %v, want it to name the missing path", err)
	}
}

// writeMbox writes n distinct messages (mostly Bcc'd mail, some rejections)
// into one mbox file.
func writeMbox(t *testing.T, path string, n int) {
	t.Helper()
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "From alice@example.com Tue Mar  3 10:00:00 2026\n")
		from := "alice@example.com"
		if i%10 == 9 {
			from = fmt.Sprintf("stranger%d@elsewhere.example", i) // rejected: sender_not_user
		}
		fmt.Fprintf(&b, "From: %s\nTo: Person %d <p%d@company%d.example>\nBcc: log@crm.example.com\n", from, i, i, i%40)
		fmt.Fprintf(&b, "Message-ID: <crash-%d@example.com>\nDate: Tue, 3 Mar 2026 10:%02d:00 +0100\nSubject: Proposal %d\n\n", i, i%60, i)
		fmt.Fprintf(&b, "Hello %d,\n%s\n\n", i, strings.Repeat("Here is our proposal text. ", 20))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIngestSurvivesSIGKILL kills the ingest at random points, then runs it
// to the end: every message is recorded exactly once and the database is
// sound.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	const n = 3000
	dir := t.TempDir()
	mbox := filepath.Join(dir, "archive.mbox")
	writeMbox(t, mbox, n)
	dbPath := filepath.Join(dir, "poller.db")
	args := []string{"ingest", "--quiet", "--config", "../../config.example.yaml", "--db", dbPath, mbox}
	rng := rand.New(rand.NewPCG(1, 2))
	killed := 0
	for range 3 {
		cmd := pollerCommand(t, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		if err := cmd.Process.Kill(); err == nil {
			killed++
		}
		cmd.Wait()
	}
	cmd := pollerCommand(t, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("final ingest: %v\n%s", err, out)
	}
	db := openDB(t, dbPath)
	var check string
	db.QueryRow(`PRAGMA integrity_check`).Scan(&check)
	if check != "ok" {
		t.Errorf("integrity_check = %q", check)
	}
	if got := queryInt(t, db, `SELECT count(DISTINCT origin_path) FROM intake`); got != n {
		t.Errorf("messages recorded = %d, want %d", got, n)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM intake`); got != n {
		t.Errorf("intake rows = %d, want exactly one per message (%d)", got, n)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM emails`); got != n-n/10 {
		t.Errorf("emails = %d, want %d", got, n-n/10)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM intake WHERE outcome = 'rejected' AND reason = 'sender_not_user'`); got != n/10 {
		t.Errorf("rejections = %d, want %d", got, n/10)
	}
	t.Logf("killed %d times; final run: %s", killed, strings.TrimSpace(string(out)))
}

// TestIngestRejectsTooLargeWithoutReadingIt: a message over
// max_message_size is rejected too_large from its header section; its
// stored raw bytes are the header only.
func TestIngestRejectsTooLargeWithoutReadingIt(t *testing.T) {
	dir := t.TempDir()
	msg := filepath.Join(dir, "large.eml")
	writeLargeAttachmentMessage(t, msg, 3<<20)
	cfg, _ := os.ReadFile("../../config.example.yaml")
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), "max_message_size: 50MB", "max_message_size: 1MB", 1)), 0o600)
	db := filepath.Join(dir, "poller.db")
	out, stderr, err := runCmd(t, "ingest", "--config", cfgPath, "--db", db, msg)
	if err != nil || !strings.Contains(out, "too_large 1") {
		t.Fatalf("ingest = %q, %v %s; want a too_large rejection", out, err, stderr)
	}
	if n := queryInt(t, openDB(t, db), `SELECT b.size FROM intake i JOIN blobs b ON b.sha256 = i.raw_sha256`); n > 4096 {
		t.Errorf("stored %d bytes of raw message, want the header section only", n)
	}
}
