package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"github.com/poller-crm/poller/pkg/crmstore"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/ingest"
)

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
	if err := s.SyncUsers(context.Background(), []crm.User{{Email: "alice@example.com", Name: "Alice Rossi"}, {Email: "bob@example.com", Name: "Bob Marsh"}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// record processes raw messages (as file origins) and records them in one batch.
func record(t testing.TB, s *crmstore.Store, raws ...string) []ingest.Result {
	t.Helper()
	rules := testRules(t)
	items := make([]ingest.Item, len(raws))
	for i, raw := range raws {
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("msg%d.eml", i)}, []byte(raw))
	}
	res, err := s.Record(context.Background(), items)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return res
}

func bcc(from, to, subject, body string, extra ...string) string {
	h := []string{"From: " + from, "To: " + to, "Bcc: log@crm.example.com", "Subject: " + subject,
		"Date: Tue, 3 Mar 2026 10:00:00 +0100"}
	return strings.Join(append(h, extra...), "\r\n") + "\r\n\r\n" + body + "\r\n"
}

func count(t testing.TB, s *crmstore.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func strings1(t testing.TB, s *crmstore.Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.DB().Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestContactGetsItsFiveMostRecentOpenDeals(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	ctx := context.Background()
	if err := s.ImportContacts(ctx, []crm.Person{{Address: "dana@prospect.example", Name: "Dana"}}); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var deals []crm.Deal
	for i := 1; i <= 7; i++ { // open, updated on day i
		deals = append(deals, crm.Deal{Name: fmt.Sprintf("open %d", i), Status: crm.DealOpen, Contacts: []string{"dana@prospect.example"},
			CreatedAt: base, UpdatedAt: base.AddDate(0, 0, i)})
	}
	for i, st := range []string{crm.DealWon, crm.DealLost} { // closed, updated most recently
		deals = append(deals, crm.Deal{Name: "closed " + st, Status: st, Contacts: []string{"dana@prospect.example"},
			CreatedAt: base, UpdatedAt: base.AddDate(0, 1, i)})
	}
	if err := s.ImportDeals(ctx, deals); err != nil {
		t.Fatal(err)
	}
	res := record(t, s, bcc("alice@example.com", "dana@prospect.example", "hi", "hello"))
	if res[0].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcome = %s, want logged", res[0].Outcome)
	}
	got := strings1(t, s, `SELECT d.name FROM email_deals ed JOIN deals d ON d.id = ed.deal_id WHERE ed.email_id = ? ORDER BY d.updated_at DESC`, res[0].EmailIDs[0])
	want := "open 7,open 6,open 5,open 4,open 3"
	if strings.Join(got, ",") != want {
		t.Errorf("email deals = %v, want %s", got, want)
	}
}

func TestCompanies(t *testing.T) {
	s := openStore(t, crmstore.Options{NoCompanyDomains: []string{"agency.example"}})
	res := record(t, s,
		bcc("alice@example.com", "Dana <dana@eu.mail.prospect.co.uk>, friend@gmail.com, x@agency.example", "hi", "hello"))
	if res[0].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcome = %s (%v)", res[0].Outcome, res[0].Err)
	}
	if got := strings1(t, s, `SELECT domain FROM companies`); strings.Join(got, ",") != "prospect.co.uk" {
		t.Errorf("companies = %v, want only prospect.co.uk (free-mail and opted-out domains get none)", got)
	}
	if n := count(t, s, `SELECT count(*) FROM contacts WHERE address = 'friend@gmail.com' AND company_id IS NULL`); n != 1 {
		t.Errorf("free-mail contact has a company")
	}
	if n := count(t, s, `SELECT count(*) FROM email_companies`); n != 1 {
		t.Errorf("email_companies = %d rows, want 1", n)
	}
}

func TestNeverLogAndInternalAreNeverContacts(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	record(t, s, bcc("alice@example.com", "dana@prospect.example, alerts@bank.example, noreply@vendor.example", "hi", "hello", "Cc: bob@example.com, ops@example.com"))
	got := strings1(t, s, `SELECT address FROM contacts ORDER BY address`)
	if strings.Join(got, ",") != "dana@prospect.example" {
		t.Errorf("contacts = %v, want only dana@prospect.example", got)
	}
	owner := strings1(t, s, `SELECT u.email || ' ' || c.source FROM contacts c JOIN users u ON u.id = c.owner_user_id`)
	if strings.Join(owner, ",") != "alice@example.com bcc" {
		t.Errorf("owner and source = %v, want alice@example.com bcc", owner)
	}
}

func TestRecordIsIdempotent(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	msg := bcc("alice@example.com", "dana@prospect.example", "hi", "hello", "Message-ID: <m1@example.com>")
	first := record(t, s, msg)
	again := record(t, s, msg) // same bytes, same origin
	if first[0].Outcome != ingest.OutcomeLogged || !again[0].Seen {
		t.Fatalf("outcomes = %+v then %+v, want logged then seen", first[0], again[0])
	}
	// The same Message-ID from elsewhere (another copy): a duplicate.
	copyMsg := "Received: from relay\r\n" + msg
	items := []ingest.Item{ingest.Process(testRules(t), ingest.Origin{Mailbox: "INBOX", UIDValidity: 7, UID: 3}, []byte(copyMsg))}
	res, err := s.Record(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != ingest.OutcomeDuplicate || res[0].EmailIDs[0] != first[0].EmailIDs[0] {
		t.Errorf("copy = %+v, want a duplicate of email %d", res[0], first[0].EmailIDs[0])
	}
	if n := count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails = %d, want 1", n)
	}
	if got := strings1(t, s, `SELECT outcome FROM intake ORDER BY id`); strings.Join(got, ",") != "logged,duplicate" {
		t.Errorf("intake = %v, want logged,duplicate (a re-run writes nothing)", got)
	}
	if got := strings1(t, s, `SELECT mailbox || ' ' || uidvalidity || ' ' || uid FROM intake WHERE outcome = 'duplicate'`); got[0] != "INBOX 7 3" {
		t.Errorf("intake origin = %v", got)
	}
}

func TestBccCopyAndLaterForwardAreOneEmail(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	sent := bcc("Alice Rossi <alice@example.com>", "Dana Smith <dana@prospect.example>", "Proposal for 2026",
		"Hi Dana,\r\n\r\nattached is our proposal.\r\n\r\nAlice", "Message-ID: <p1@example.com>")
	fwd := "From: alice@example.com\r\nTo: log@crm.example.com\r\nSubject: Fwd: Proposal for 2026\r\nDate: Wed, 4 Mar 2026 09:00:00 +0100\r\n\r\n" +
		"---------- Forwarded message ---------\r\nFrom: Alice Rossi <alice@example.com>\r\nDate: Tue, Mar 3, 2026 at 10:00 AM\r\n" +
		"Subject: Proposal for 2026\r\nTo: Dana Smith <dana@prospect.example>\r\n\r\nHi Dana,\r\n\r\nattached is our\r\nproposal.\r\n\r\nAlice\r\n"
	res := record(t, s, sent, fwd)
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeDuplicate {
		t.Fatalf("outcomes = %s, %s; want logged, duplicate", res[0].Outcome, res[1].Outcome)
	}
	if n := count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails = %d, want 1", n)
	}
}

func TestForwardsWithoutMessageIDDedupByContent(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	fwd := func(from string) string {
		return "From: " + from + "\r\nTo: log@crm.example.com\r\nSubject: Fwd: Pricing\r\nDate: Wed, 4 Mar 2026 09:00:00 +0100\r\n\r\n" +
			"---------- Forwarded message ---------\r\nFrom: Dana <dana@prospect.example>\r\nDate: Tue, Mar 3, 2026 at 10:00 AM\r\n" +
			"Subject: Pricing\r\nTo: Alice <alice@example.com>, Bob <bob@example.com>\r\n\r\nWhat does it cost?\r\n"
	}
	res := record(t, s, fwd("alice@example.com"), fwd("bob@example.com"))
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeDuplicate {
		t.Fatalf("outcomes = %s, %s; want logged, duplicate", res[0].Outcome, res[1].Outcome)
	}
	contact := strings1(t, s, `SELECT source FROM contacts WHERE address = 'dana@prospect.example'`)
	if len(contact) != 1 || contact[0] != "forward" {
		t.Errorf("forward contact source = %v, want forward", contact)
	}
}

func TestRepliesJoinTheThread(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	first := bcc("alice@example.com", "dana@prospect.example", "Pricing", "hello", "Message-ID: <t1@example.com>")
	reply := bcc("alice@example.com", "dana@prospect.example", "Re: Pricing", "more", "Message-ID: <t2@example.com>", "In-Reply-To: <t1@example.com>")
	other := bcc("alice@example.com", "dana@prospect.example", "Other", "x", "Message-ID: <t3@example.com>")
	res := record(t, s, first, reply, other)
	threads := strings1(t, s, `SELECT COALESCE(thread_id, id) FROM emails ORDER BY id`)
	if threads[0] != threads[1] || threads[2] == threads[0] {
		t.Errorf("threads = %v, want the reply in the first email's thread and the other alone", threads)
	}
	_ = res
}

func TestAttachmentsStoredOnceAndLimited(t *testing.T) {
	s := openStore(t, crmstore.Options{MaxAttachmentSize: 1000})
	small := strings.Repeat("pdf-bytes ", 50) // 500 bytes
	big := strings.Repeat("z", 2000)
	msg := func(id string) string {
		return "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nMessage-ID: <" + id + ">\r\n" +
			"Subject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
			"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=quote.pdf\r\n\r\n" + small + "\r\n" +
			"--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=huge.zip\r\n\r\n" + big + "\r\n--b--\r\n"
	}
	res := record(t, s, msg("a1@example.com"), msg("a2@example.com"))
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcomes = %+v", res)
	}
	if n := count(t, s, `SELECT count(*) FROM attachments WHERE name = 'quote.pdf'`); n != 2 {
		t.Errorf("quote.pdf rows = %d, want one per email", n)
	}
	var sum string
	s.DB().QueryRow(`SELECT sha256 FROM attachments LIMIT 1`).Scan(&sum)
	if n := count(t, s, `SELECT count(*) FROM blobs WHERE sha256 = ?`, sum); n != 1 {
		t.Errorf("blobs for the attachment = %d, want 1 (stored once)", n)
	}
	var buf bytes.Buffer
	if err := s.ReadBlob(context.Background(), sum, &buf); err != nil || buf.String() != small {
		t.Errorf("ReadBlob = %q, %v; want the attachment's content", buf.String(), err)
	}
	if n := count(t, s, `SELECT count(*) FROM attachments WHERE name = 'huge.zip'`); n != 0 {
		t.Errorf("the over-limit attachment was stored")
	}
	notes := strings1(t, s, `SELECT attachment_note FROM emails`)
	if !strings.Contains(notes[0], `"huge.zip" (2000 bytes) dropped`) {
		t.Errorf("attachment note = %q", notes[0])
	}
}

func TestFailingMessageDoesNotCostTheBatch(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	rules := testRules(t)
	good := ingest.Process(rules, ingest.Origin{Path: "good.eml"}, []byte(bcc("alice@example.com", "dana@prospect.example", "hi", "x")))
	bad := ingest.Process(rules, ingest.Origin{Path: "bad.eml"}, []byte(bcc("alice@example.com", "eve@prospect.example", "yo", "y")))
	bad.Decision.Kind = "bogus" // the schema refuses it: this message alone fails
	res, err := s.Record(context.Background(), []ingest.Item{bad, good})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != ingest.OutcomeFailed || res[1].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcomes = %s, %s; want failed, logged", res[0].Outcome, res[1].Outcome)
	}
	if got := strings1(t, s, `SELECT address FROM contacts`); strings.Join(got, ",") != "dana@prospect.example" {
		t.Errorf("contacts = %v: the failed message left rows behind", got)
	}
	if got := strings1(t, s, `SELECT outcome || ' ' || origin_path FROM intake ORDER BY id`); strings.Join(got, ",") != "failed bad.eml,logged good.eml" {
		t.Errorf("intake = %v", got)
	}
}

func TestRejectionsAreRecordedWithReason(t *testing.T) {
	s := openStore(t, crmstore.Options{})
	res := record(t, s, "From: dana@prospect.example\r\nTo: log@crm.example.com\r\nSubject: hi\r\n\r\nhello\r\n", "\x00garbage")
	if res[0].Reason != crm.ReasonSenderNotUser || res[1].Reason != crm.ReasonMalformed {
		t.Fatalf("results = %+v", res)
	}
	got := strings1(t, s, `SELECT reason || ': ' || detail FROM intake ORDER BY id`)
	if len(got) != 2 || !strings.Contains(got[0], "sender_not_user: From dana@prospect.example is not a user") {
		t.Errorf("intake = %q", got)
	}
	if n := count(t, s, `SELECT count(*) FROM intake i JOIN blobs b ON b.sha256 = i.raw_sha256`); n != 2 {
		t.Errorf("raw messages kept for %d of 2 rejections", n)
	}
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
	record(t, s, bcc("alice@example.com", "dana@prospect.example", "before", "kept"))
	// One connection, limited in pages: the database file cannot grow.
	s.DB().SetMaxOpenConns(1)
	var pages int
	s.DB().QueryRow(`PRAGMA page_count`).Scan(&pages)
	if _, err := s.DB().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	big := bcc("alice@example.com", "eve@prospect.example", "after", strings.Repeat("long body line\r\n", 20000))
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
	if n := count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails = %d, want the 1 committed before", n)
	}
	if n := count(t, s, `SELECT count(*) FROM intake`); n != 1 {
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
		if n := count(t, s, `SELECT count(*) FROM schema_migrations`); n < 1 {
			t.Errorf("schema_migrations has %d rows", n)
		}
		s.Close()
	}
}
