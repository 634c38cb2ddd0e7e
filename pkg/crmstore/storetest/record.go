package storetest

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

func testContactGetsItsFiveMostRecentOpenDeals(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
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
	res := Record(t, s, BCC("alice@example.com", "dana@prospect.example", "hi", "hello"))
	if res[0].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcome = %s, want logged", res[0].Outcome)
	}
	got := strings1(t, s, `SELECT d.name FROM email_deals ed JOIN deals d ON d.id = ed.deal_id WHERE ed.email_id = ? ORDER BY d.updated_at DESC`, res[0].EmailIDs[0])
	want := "open 7,open 6,open 5,open 4,open 3"
	if strings.Join(got, ",") != want {
		t.Errorf("email deals = %v, want %s", got, want)
	}
}

func testCompanies(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{NoCompanyDomains: []string{"agency.example"}})
	res := Record(t, s,
		BCC("alice@example.com", "Dana <dana@eu.mail.prospect.co.uk>, friend@gmail.com, x@agency.example", "hi", "hello"))
	if res[0].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcome = %s (%v)", res[0].Outcome, res[0].Err)
	}
	if got := strings1(t, s, `SELECT domain FROM companies`); strings.Join(got, ",") != "prospect.co.uk" {
		t.Errorf("companies = %v, want only prospect.co.uk (free-mail and opted-out domains get none)", got)
	}
	if n := Count(t, s, `SELECT count(*) FROM contacts WHERE address = 'friend@gmail.com' AND company_id IS NULL`); n != 1 {
		t.Errorf("free-mail contact has a company")
	}
	if n := Count(t, s, `SELECT count(*) FROM email_companies`); n != 1 {
		t.Errorf("email_companies = %d rows, want 1", n)
	}
}

func testNeverLogAndInternalAreNeverContacts(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, BCC("alice@example.com", "dana@prospect.example, alerts@bank.example, noreply@vendor.example", "hi", "hello", "Cc: bob@example.com, ops@example.com"))
	got := strings1(t, s, `SELECT address FROM contacts ORDER BY address`)
	if strings.Join(got, ",") != "dana@prospect.example" {
		t.Errorf("contacts = %v, want only dana@prospect.example", got)
	}
	owner := strings1(t, s, `SELECT u.email || ' ' || c.source FROM contacts c JOIN users u ON u.id = c.owner_user_id`)
	if strings.Join(owner, ",") != "alice@example.com bcc" {
		t.Errorf("owner and source = %v, want alice@example.com bcc", owner)
	}
}

func testRecordIsIdempotent(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	msg := BCC("alice@example.com", "dana@prospect.example", "hi", "hello", "Message-ID: <m1@example.com>")
	first := Record(t, s, msg)
	again := Record(t, s, msg) // same bytes, same origin
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
	if n := Count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails = %d, want 1", n)
	}
	if got := strings1(t, s, `SELECT outcome FROM intake ORDER BY id`); strings.Join(got, ",") != "logged,duplicate" {
		t.Errorf("intake = %v, want logged,duplicate (a re-run writes nothing)", got)
	}
	if got := strings1(t, s, `SELECT mailbox || ' ' || uidvalidity || ' ' || uid FROM intake WHERE outcome = 'duplicate'`); len(got) != 1 || got[0] != "INBOX 7 3" {
		t.Errorf("intake origin = %v", got)
	}
}

func testBccCopyAndLaterForwardAreOneEmail(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	sent := BCC("Alice Rossi <alice@example.com>", "Dana Smith <dana@prospect.example>", "Proposal for 2026",
		"Hi Dana,\r\n\r\nattached is our proposal.\r\n\r\nAlice", "Message-ID: <p1@example.com>")
	fwd := "From: alice@example.com\r\nTo: log@crm.example.com\r\nSubject: Fwd: Proposal for 2026\r\nDate: Wed, 4 Mar 2026 09:00:00 +0100\r\n\r\n" +
		"---------- Forwarded message ---------\r\nFrom: Alice Rossi <alice@example.com>\r\nDate: Tue, Mar 3, 2026 at 10:00 AM\r\n" +
		"Subject: Proposal for 2026\r\nTo: Dana Smith <dana@prospect.example>\r\n\r\nHi Dana,\r\n\r\nattached is our\r\nproposal.\r\n\r\nAlice\r\n"
	res := Record(t, s, sent, fwd)
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeDuplicate {
		t.Fatalf("outcomes = %s, %s; want logged, duplicate", res[0].Outcome, res[1].Outcome)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails = %d, want 1", n)
	}
}

func testForwardsWithoutMessageIDDedupByContent(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	fwd := func(from string) string {
		return "From: " + from + "\r\nTo: log@crm.example.com\r\nSubject: Fwd: Pricing\r\nDate: Wed, 4 Mar 2026 09:00:00 +0100\r\n\r\n" +
			"---------- Forwarded message ---------\r\nFrom: Dana <dana@prospect.example>\r\nDate: Tue, Mar 3, 2026 at 10:00 AM\r\n" +
			"Subject: Pricing\r\nTo: Alice <alice@example.com>, Bob <bob@example.com>\r\n\r\nWhat does it cost?\r\n"
	}
	res := Record(t, s, fwd("alice@example.com"), fwd("bob@example.com"))
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeDuplicate {
		t.Fatalf("outcomes = %s, %s; want logged, duplicate", res[0].Outcome, res[1].Outcome)
	}
	contact := strings1(t, s, `SELECT source FROM contacts WHERE address = 'dana@prospect.example'`)
	if len(contact) != 1 || contact[0] != "forward" {
		t.Errorf("forward contact source = %v, want forward", contact)
	}
}

func testRepliesJoinTheThread(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	first := BCC("alice@example.com", "dana@prospect.example", "Pricing", "hello", "Message-ID: <t1@example.com>")
	reply := BCC("alice@example.com", "dana@prospect.example", "Re: Pricing", "more", "Message-ID: <t2@example.com>", "In-Reply-To: <t1@example.com>")
	other := BCC("alice@example.com", "dana@prospect.example", "Other", "x", "Message-ID: <t3@example.com>")
	Record(t, s, first, reply, other)
	threads := strings1(t, s, `SELECT COALESCE(thread_id, id) FROM emails ORDER BY id`)
	if len(threads) != 3 || threads[0] != threads[1] || threads[2] == threads[0] {
		t.Errorf("threads = %v, want the reply in the first email's thread and the other alone", threads)
	}
}

func testAttachmentsStoredOnceAndLimited(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{MaxAttachmentSize: 1000})
	small := strings.Repeat("pdf-bytes ", 50) // 500 bytes
	big := strings.Repeat("z", 2000)
	msg := func(id string) string {
		return "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nMessage-ID: <" + id + ">\r\n" +
			"Subject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
			"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=quote.pdf\r\n\r\n" + small + "\r\n" +
			"--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=huge.zip\r\n\r\n" + big + "\r\n--b--\r\n"
	}
	res := Record(t, s, msg("a1@example.com"), msg("a2@example.com"))
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeLogged {
		t.Fatalf("outcomes = %+v", res)
	}
	if n := Count(t, s, `SELECT count(*) FROM attachments WHERE name = 'quote.pdf'`); n != 2 {
		t.Errorf("quote.pdf rows = %d, want one per email", n)
	}
	// The content is stored once, in the raw message: not as a blob of
	// its own, and served decoded from the message's part.
	sum := one(t, s, `SELECT sha256 FROM attachments ORDER BY id LIMIT 1`)
	if n := Count(t, s, `SELECT count(*) FROM blobs WHERE sha256 = ?`, sum); n != 0 {
		t.Errorf("blobs for the attachment = %d, want 0 (its content is in the raw message)", n)
	}
	if n := Count(t, s, `SELECT count(*) FROM blobs`); n != 2 {
		t.Errorf("blobs = %d, want the 2 raw messages only", n)
	}
	admin := view.Viewer{Admin: true}
	for _, ids := range [][2]int64{
		{int64(Count(t, s, `SELECT min(email_id) FROM attachments`)), int64(Count(t, s, `SELECT min(id) FROM attachments`))},
		{int64(Count(t, s, `SELECT max(email_id) FROM attachments`)), int64(Count(t, s, `SELECT max(id) FROM attachments`))},
	} {
		var buf bytes.Buffer
		a, err := s.Attachment(context.Background(), admin, ids[0], ids[1], &buf)
		if err != nil || buf.String() != small || a.Name != "quote.pdf" || a.SHA256 != sum {
			t.Errorf("Attachment(%d, %d) = %+v %q, %v; want quote.pdf's content", ids[0], ids[1], a, buf.String(), err)
		}
	}
	if n := Count(t, s, `SELECT count(*) FROM attachments WHERE name = 'huge.zip'`); n != 0 {
		t.Errorf("the over-limit attachment was stored")
	}
	notes := strings1(t, s, `SELECT attachment_note FROM emails ORDER BY id`)
	if len(notes) == 0 || !strings.Contains(notes[0], `"huge.zip" (2000 bytes) dropped`) {
		t.Errorf("attachment note = %q", notes)
	}
}

// Raw mail up to 512 KiB is stored compressed when that pays (up to 8 KiB
// with the mail dictionary), larger mail as it is, and all read back byte
// for byte, as do blobs an older poller compressed; a blob in an encoding
// this poller does not know is an error that says so.
func testRawMailStoredCompactlyAndReadBackExactly(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	letter := strings.Repeat("Thanks for the call today; the quote for the Q3 rollout follows.\r\n", 200)
	var noise strings.Builder // base64 of a pseudo-random 900 KB: large, barely compressible
	for i, x := 0, uint32(1); i < 900_000/57; i++ {
		line := make([]byte, 57)
		for j := range line {
			x = x*1664525 + 1013904223
			line[j] = byte(x >> 24)
		}
		noise.WriteString(base64.StdEncoding.EncodeToString(line) + "\r\n")
	}
	note := strings.Repeat("Thanks for the call today; the quote follows.\r\n", 20)
	raws := []string{
		BCC("alice@example.com", "dana@prospect.example", "quote", note),
		BCC("alice@example.com", "dana@prospect.example", "quote", letter),
		"From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nMessage-ID: <big@example.com>\r\n" +
			"Subject: the deck\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nattached\r\n" +
			"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=deck.bin\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" + noise.String() + "--b--\r\n",
	}
	for i, res := range Record(t, s, raws...) {
		if res.Outcome != ingest.OutcomeLogged {
			t.Fatalf("message %d: %+v", i, res)
		}
	}
	for i, raw := range raws {
		sum := fmt.Sprintf("%x", sha256.Sum256([]byte(raw)))
		var encoding string
		var size, stored int64
		err := s.DB().QueryRow(`SELECT b.encoding, b.size, (SELECT sum(length(c.data)) FROM blob_chunks c WHERE c.sha256 = b.sha256)
			FROM blobs b WHERE b.sha256 = ?`, sum).Scan(&encoding, &size, &stored)
		if err != nil {
			t.Fatalf("message %d's blob: %v", i, err)
		}
		switch {
		case size != int64(len(raw)):
			t.Errorf("message %d: blob size %d, want the mail's %d bytes", i, size, len(raw))
		case i == 0 && (encoding != "deflate-mail1" || stored > size/3):
			t.Errorf("the note is stored %q in %d bytes for %d: want deflate-mail1 (with the mail dictionary), under a third", encoding, stored, size)
		case i == 1 && (encoding != "deflate" || stored > size/3):
			t.Errorf("the letter is stored %q in %d bytes for %d: want deflate, under a third", encoding, stored, size)
		case i == 2 && (encoding != "" || stored != size):
			t.Errorf("the 1.2 MB message is stored %q in %d bytes for %d: want it as it is", encoding, stored, size)
		}
		var back bytes.Buffer
		if err := s.ReadBlob(ctx, sum, &back); err != nil || back.String() != raw {
			t.Errorf("ReadBlob(message %d) = %d bytes, %v; want the %d bytes of the mail", i, back.Len(), err, len(raw))
		}
	}
	// A blob compressed by an older poller (deflate, BestSpeed).
	old := "From: alice@example.com\r\n\r\n" + note
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestSpeed)
	zw.Write([]byte(old))
	zw.Close()
	if _, err := s.DB().Exec(`INSERT INTO blobs (sha256, size, encoding, created_at) VALUES ('older', ?, 'deflate', '')`, len(old)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO blob_chunks (sha256, seq, data) VALUES ('older', 0, ?)`, z.Bytes()); err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if err := s.ReadBlob(ctx, "older", &back); err != nil || back.String() != old {
		t.Errorf("ReadBlob of a blob an older poller deflated = %d bytes, %v; want the %d bytes stored", back.Len(), err, len(old))
	}
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte(raws[0])))
	if _, err := s.DB().Exec(`UPDATE blobs SET encoding = 'zstd' WHERE sha256 = ?`, sum); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadBlob(ctx, sum, io.Discard); err == nil || !strings.Contains(err.Error(), `unknown encoding "zstd"`) {
		t.Errorf("ReadBlob of an unknown encoding = %v, want an error naming it", err)
	}
}

// A BCC'd message's HTML body is not stored a second time: the email reads
// it from the raw message, decoded as when it was logged, in the web app's
// view and in the export; an email whose HTML is stored (logged before,
// imported, or a message over 512 KiB, whose page would parse it all)
// keeps it.
func testHTMLBodyReadFromTheRawMessage(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	raw := BCC("alice@example.com", "dana@prospect.example", "the quote", "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee the quote\r\n"+
		"--alt\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
		"<p>Gr=FC=DFe, <b>Dana</b>: the quote is =\r\nattached.</p>\r\n--alt--",
		"MIME-Version: 1.0", `Content-Type: multipart/alternative; boundary="alt"`)
	const wantHTML = "<p>Grüße, <b>Dana</b>: the quote is attached.</p>"
	id := EmailIDs(t, Record(t, s, raw))[0]
	var stored string
	var inRaw int
	if err := s.DB().QueryRow(`SELECT body_html, html_in_raw FROM emails WHERE id = ?`, id).Scan(&stored, &inRaw); err != nil {
		t.Fatal(err)
	}
	if stored != "" || inRaw != 1 {
		t.Errorf("body_html = %q, html_in_raw = %d; want '' and 1 (read from the raw message)", stored, inRaw)
	}
	admin := view.Viewer{Admin: true}
	e, err := s.Email(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(e.BodyHTML) != wantHTML || e.BodyText != "see the quote" {
		t.Errorf("Email: html %q, text %q; want %q and the text part", e.BodyHTML, e.BodyText, wantHTML)
	}
	x, err := s.ExportWithBodies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Emails) != 1 || strings.TrimSpace(x.Emails[0].BodyHTML) != wantHTML {
		t.Errorf("ExportWithBodies: %+v; want the HTML body %q", x.Emails, wantHTML)
	}
	if _, err := s.DB().Exec(`UPDATE emails SET body_html = '<p>kept</p>', html_in_raw = 0 WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Email(ctx, admin, id); err != nil || e.BodyHTML != "<p>kept</p>" {
		t.Errorf("an email with its HTML stored: %q, %v; want the stored HTML", e.BodyHTML, err)
	}
	big := BCC("alice@example.com", "dana@prospect.example", "the deck", "--mix\r\nContent-Type: text/html\r\n\r\n<p>the deck</p>\r\n"+
		"--mix\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=deck.bin\r\n\r\n"+
		strings.Repeat("0123456789abcdef", 40_000)+"\r\n--mix--",
		"MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="mix"`)
	bigID := EmailIDs(t, Record(t, s, big))[0]
	if err := s.DB().QueryRow(`SELECT body_html, html_in_raw FROM emails WHERE id = ?`, bigID).Scan(&stored, &inRaw); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(stored) != "<p>the deck</p>" || inRaw != 0 {
		t.Errorf("a %d-byte message: body_html = %q, html_in_raw = %d; want its HTML stored", len(big), stored, inRaw)
	}
}

func testFailingMessageDoesNotCostTheBatch(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	rules := testRules(t)
	good := ingest.Process(rules, ingest.Origin{Path: "good.eml"}, []byte(BCC("alice@example.com", "dana@prospect.example", "hi", "x")))
	bad := ingest.Process(rules, ingest.Origin{Path: "bad.eml"}, []byte(BCC("alice@example.com", "eve@prospect.example", "yo", "y")))
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

func testRejectionsAreRecordedWithReason(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	res := Record(t, s, "From: dana@prospect.example\r\nTo: log@crm.example.com\r\nSubject: hi\r\n\r\nhello\r\n", "\x00garbage")
	if res[0].Reason != crm.ReasonSenderNotUser || res[1].Reason != crm.ReasonMalformed {
		t.Fatalf("results = %+v", res)
	}
	got := strings1(t, s, `SELECT reason || ': ' || detail FROM intake ORDER BY id`)
	if len(got) != 2 || !strings.Contains(got[0], "sender_not_user: From dana@prospect.example is not a user") {
		t.Errorf("intake = %q", got)
	}
	if n := Count(t, s, `SELECT count(*) FROM intake i JOIN blobs b ON b.sha256 = i.raw_sha256`); n != 2 {
		t.Errorf("raw messages kept for %d of 2 rejections", n)
	}
}

// testMigrationsAreRecorded: a fresh store has its migrations recorded
// (the adapters test re-opening their own databases).
func testMigrationsAreRecorded(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	if n := Count(t, s, `SELECT count(*) FROM schema_migrations`); n < 1 {
		t.Errorf("schema_migrations has %d rows", n)
	}
	if res, err := s.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Errorf("IntegrityCheck = %q, %v", res, err)
	}
}
