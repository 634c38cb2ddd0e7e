package storetest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/fixtures"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/notice"
)

var testNotify = &ingest.Notify{
	Config:            notice.Config{From: "Poller <poller@example.com>", BaseURL: "https://crm.example.com", LogAddress: "log@crm.example.com"},
	MaxAttachmentSize: 1000,
}

// unparseable is a user's (bob's) forward whose original cannot be found.
func unparseable(t *testing.T) []byte {
	t.Helper()
	raw, err := fs.ReadFile(fixtures.EML(), "reject-forward-unparseable.eml")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// noticeItem processes raw from path with notices on.
func noticeItem(t *testing.T, path string, raw []byte) ingest.Item {
	t.Helper()
	it := ingest.Process(testRules(t), ingest.Origin{Path: path}, raw)
	testNotify.Apply(testRules(t), &it)
	return it
}

func testNoticeQueuedWithItsIntakeRow(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	raw := unparseable(t)
	it := noticeItem(t, "fwd.eml", raw)
	if it.Notice == nil {
		t.Fatalf("Process(%s): no notice, want forward_unparseable", "fwd.eml")
	}
	res := recordItems(t, s, it)
	if res[0].Outcome != ingest.OutcomeRejected || !res[0].Noticed {
		t.Fatalf("Record = %+v, want rejected with a notice", res[0])
	}
	var intakeID, outIntake int64
	var status, reason, recipient, envTo string
	var msg []byte
	s.DB().QueryRow(`SELECT id FROM intake`).Scan(&intakeID)
	if err := s.DB().QueryRow(`SELECT intake_id, status, reason, recipient, envelope_to, message FROM outbox`).
		Scan(&outIntake, &status, &reason, &recipient, &envTo, &msg); err != nil {
		t.Fatal(err)
	}
	if outIntake != intakeID || status != "queued" || reason != "forward_unparseable" || recipient != "bob@example.com" || envTo != `["bob@example.com"]` {
		t.Errorf("outbox row = intake %d %s %s to %s %s, want intake %d queued forward_unparseable to bob@example.com", outIntake, status, reason, recipient, envTo, intakeID)
	}
	for _, want := range []string{"In-Reply-To: <" + it.Message.MessageID + ">", "Auto-Submitted: auto-replied", "https://crm.example.com/intake/"} {
		if !bytes.Contains(msg, []byte(want)) {
			t.Errorf("queued notice lacks %q:\n%s", want, msg)
		}
	}

	// Recorded again from the same place: nothing new. From another place
	// (moved back to INBOX, a new UID): a new intake row, no new notice.
	if res := recordItems(t, s, noticeItem(t, "fwd.eml", raw)); !res[0].Seen || res[0].Noticed {
		t.Errorf("Record again = %+v, want seen before and no notice", res[0])
	}
	if res := recordItems(t, s, noticeItem(t, "fwd-again.eml", raw)); res[0].Noticed {
		t.Errorf("Record from another origin = %+v, want no second notice", res[0])
	}
	if n := Count(t, s, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("outbox rows = %d, want 1", n)
	}
	if n := Count(t, s, `SELECT count(*) FROM intake`); n != 2 {
		t.Errorf("intake rows = %d, want 2", n)
	}
}

func testNoNoticeForAnExternalSender(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	raw := bytes.Replace(unparseable(t), []byte("From: Bob Marsh <bob@example.com>"), []byte("From: Hannah <hannah@customer.example>"), 1)
	it := noticeItem(t, "ext.eml", raw)
	if it.Notice != nil {
		t.Errorf("notice to %s for a forward from outside, want none", it.Notice.To.Address)
	}
	recordItems(t, s, it)
	if n := Count(t, s, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("outbox rows = %d, want 0", n)
	}
}

// testRecordThatFailsQueuesNoNotice: the notice commits with the intake row
// or not at all.
func testRecordThatFailsQueuesNoNotice(t *testing.T, open Opener) {
	t.Run("batch aborted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := openStore(t, open, crmstore.Options{Trace: func(q string) {
			if strings.Contains(q, "INSERT INTO outbox") {
				cancel() // the database goes away right after queueing
			}
		}})
		_, err := s.Record(ctx, []ingest.Item{noticeItem(t, "fwd.eml", unparseable(t))})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Record = %v, want the batch aborted", err)
		}
		if n := Count(t, s, `SELECT count(*) FROM outbox`) + Count(t, s, `SELECT count(*) FROM intake`); n != 0 {
			t.Errorf("outbox and intake rows = %d, want none", n)
		}
	})
	t.Run("message failed", func(t *testing.T) {
		s := openStore(t, open, crmstore.Options{})
		refuseInserts(t, s, "outbox")
		res := recordItems(t, s, noticeItem(t, "fwd.eml", unparseable(t)))
		if res[0].Outcome != ingest.OutcomeFailed {
			t.Errorf("Record = %+v, want failed", res[0])
		}
		if n := Count(t, s, `SELECT count(*) FROM outbox`); n != 0 {
			t.Errorf("outbox rows = %d, want 0", n)
		}
		if n := Count(t, s, `SELECT count(*) FROM intake WHERE outcome = 'rejected'`); n != 0 {
			t.Errorf("rejected intake rows = %d, want 0: it was rolled back with its notice", n)
		}
	})
}

func testAttachmentDroppedNotice(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{MaxAttachmentSize: 1000})
	raw := "From: Alice Rossi <alice@example.com>\r\nTo: hannah@customer.example\r\nBcc: log@crm.example.com\r\n" +
		"Subject: Quote\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\nMessage-ID: <quote@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe quote.\r\n--b\r\n" +
		"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"quote.pdf\"\r\n\r\n" +
		strings.Repeat("x", 2000) + "\r\n--b--\r\n"
	it := noticeItem(t, "quote.eml", []byte(raw))
	if it.Notice == nil || it.Notice.Reason != notice.ReasonAttachmentDropped {
		t.Fatalf("notice = %+v, want attachment_dropped", it.Notice)
	}
	res := recordItems(t, s, it)
	var emailID int64
	var msg []byte
	if err := s.DB().QueryRow(`SELECT email_id, message FROM outbox`).Scan(&emailID, &msg); err != nil {
		t.Fatal(err)
	}
	if len(res[0].EmailIDs) == 0 || emailID != res[0].EmailIDs[0] || !bytes.Contains(msg, []byte("quote.pdf")) {
		t.Errorf("outbox email %d (logged %v), notice:\n%s\nwant the logged email and quote.pdf named", emailID, res[0].EmailIDs, msg)
	}
	// The same email forwarded again is a duplicate: nothing dropped now.
	it2 := noticeItem(t, "quote2.eml", []byte(strings.Replace(raw, "Bcc: log", "Cc: bob@example.com\r\nBcc: log", 1)))
	recordItems(t, s, it2)
	if n := Count(t, s, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("outbox rows = %d, want 1", n)
	}
}

func testClaimNotice(t *testing.T, open Opener) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	s := openStore(t, open, crmstore.Options{Now: func() time.Time { return now }})
	recordItems(t, s, noticeItem(t, "fwd.eml", unparseable(t)))
	ctx := context.Background()
	m, ok, err := s.ClaimNotice(ctx, now, now.Add(time.Minute))
	if err != nil || !ok || m.Attempts != 1 || m.Abandoned || len(m.To) != 1 || m.To[0] != "bob@example.com" || m.UserKey != "bob@example.com" {
		t.Fatalf("ClaimNotice = %+v, %v, %v; want bob's notice, attempt 1", m, ok, err)
	}
	if _, ok, _ := s.ClaimNotice(ctx, now, now.Add(time.Minute)); ok {
		t.Error("ClaimNotice took a notice in flight")
	}
	// The sender died: after its lease, the notice is taken again.
	m2, ok, err := s.ClaimNotice(ctx, now.Add(2*time.Minute), now.Add(3*time.Minute))
	if err != nil || !ok || m2.ID != m.ID || !m2.Abandoned || m2.Attempts != 2 {
		t.Fatalf("ClaimNotice after the lease = %+v, %v, %v; want it again, abandoned, attempt 2", m2, ok, err)
	}
	if err := s.NoticeHeld(ctx, m.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := Count(t, s, `SELECT attempts FROM outbox`); n != 1 {
		t.Errorf("attempts after a hold = %d, want 1", n)
	}
	if _, ok, _ := s.ClaimNotice(ctx, now.Add(30*time.Minute), now.Add(31*time.Minute)); ok {
		t.Error("ClaimNotice took a held notice before its time")
	}
	m3, ok, _ := s.ClaimNotice(ctx, now.Add(time.Hour), now.Add(61*time.Minute))
	if !ok {
		t.Fatal("ClaimNotice after the hold: nothing due")
	}
	if err := s.NoticeSent(ctx, m3.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	sent, err := s.NoticesSentTo(ctx, "bob@example.com", now, 0)
	if err != nil || len(sent) != 1 || !sent[0].Equal(now.Add(time.Hour)) {
		t.Errorf("NoticesSentTo = %v, %v; want the one sent", sent, err)
	}
	if _, ok, _ := s.ClaimNotice(ctx, now.Add(48*time.Hour), now.Add(49*time.Hour)); ok {
		t.Error("ClaimNotice took a notice already sent")
	}
}

// refuseInserts makes every insert into table fail as a constraint of the
// schema would (an error of the message's data, not of the database), with
// a trigger in the database's own language.
func refuseInserts(t *testing.T, s *crmstore.Store, table string) {
	t.Helper()
	var stmts []string
	switch name := s.Dialect().Name; name {
	case "SQLite":
		stmts = []string{`CREATE TRIGGER refuse_` + table + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'refused'); END`}
	case "PostgreSQL":
		stmts = []string{
			`CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END $$`,
			`CREATE TRIGGER refuse_` + table + ` BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION refuse_insert()`,
		}
	default:
		t.Skipf("no refusing trigger written for %s", name)
	}
	for _, q := range stmts {
		exec(t, s, q)
	}
}
