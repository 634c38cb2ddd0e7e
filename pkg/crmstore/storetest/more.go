package storetest

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// The store's smaller reads and writes, which the tests moved from the
// SQLite adapter did not reach: digests, the outbox's states, UIDVALIDITY,
// import of an export, sessions of a user, the store's size.

func testDigest(t *testing.T, open Opener) {
	now := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	s := openStore(t, open, crmstore.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	Record(t, s,
		Mail("alice@example.com", "Dana Smith <dana@prospect.example>", "Proposal", "x", 3, 0),
		Mail("alice@example.com", "bob@example.com", "Internal", "no contact", 3, 5), // rejected: internal only
		Mail("bob@example.com", "fox@other.example", "Bob's", "x", 3, 10))
	day := now.Truncate(24 * time.Hour)
	logged, notLogged, err := s.DigestItems(ctx, crmstore.DigestUser{Email: "Alice@example.com", Aliases: []string{"a.rossi@example.com"}}, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 || logged[0].Subject != "Proposal" || logged[0].Who != "Dana Smith" || logged[0].ID == 0 ||
		!logged[0].Date.Equal(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("DigestItems logged = %+v, want the proposal to Dana Smith, of its date", logged)
	}
	if len(notLogged) != 1 || notLogged[0].Subject != "Internal" || notLogged[0].Who != "alice@example.com" || notLogged[0].Reason == "" {
		t.Errorf("DigestItems not logged = %+v, want the internal message, with its reason", notLogged)
	}
	if l, n, err := s.DigestItems(ctx, crmstore.DigestUser{Email: "alice@example.com"}, day.Add(24*time.Hour), day.Add(48*time.Hour)); err != nil || len(l)+len(n) != 0 {
		t.Errorf("DigestItems of the next day = %+v, %+v, %v; want nothing", l, n, err)
	}

	const date = "2026-03-03"
	if due, err := s.DigestDue(ctx, "alice@example.com", date); err != nil || !due {
		t.Fatalf("DigestDue = %v, %v; want due", due, err)
	}
	msg := []byte("Subject: digest\r\n\r\nbody\r\n")
	if ok, err := s.QueueDigest(ctx, "Alice@example.com", date, "poller@example.com", msg, "digest-1@example.com"); err != nil || !ok {
		t.Fatalf("QueueDigest = %v, %v; want queued", ok, err)
	}
	if ok, err := s.QueueDigest(ctx, "alice@example.com", date, "poller@example.com", msg, "digest-2@example.com"); err != nil || ok {
		t.Errorf("QueueDigest again = %v, %v; want not queued (one a day)", ok, err)
	}
	if due, err := s.DigestDue(ctx, "alice@example.com", date); err != nil || due {
		t.Errorf("DigestDue after queueing = %v, %v; want not due", due, err)
	}
	if due, err := s.DigestDue(ctx, "alice@example.com", "2026-03-04"); err != nil || !due {
		t.Errorf("DigestDue of the next day = %v, %v; want due", due, err)
	}
	m, ok, err := s.ClaimNotice(ctx, now, now.Add(time.Minute))
	if err != nil || !ok || !bytes.Equal(m.Data, msg) || m.From != "poller@example.com" || m.MessageID != "digest-1@example.com" || m.Reason != "digest" || len(m.To) != 1 || m.To[0] != "alice@example.com" || m.UserKey != "alice@example.com" {
		t.Errorf("ClaimNotice = %+v, %v, %v; want alice's digest", m, ok, err)
	}
}

func testNoticeRetriesAndFailures(t *testing.T, open Opener) {
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	s := openStore(t, open, crmstore.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	counts := func(want map[string]int) {
		t.Helper()
		got, err := s.OutboxCounts(ctx)
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("OutboxCounts = %v, %v; want %v", got, err, want)
		}
	}
	counts(map[string]int{})
	recordItems(t, s, noticeItem(t, "fwd.eml", unparseable(t)))
	counts(map[string]int{"queued": 1})
	m, ok, err := s.ClaimNotice(ctx, now, now.Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("ClaimNotice = %v, %v", ok, err)
	}
	counts(map[string]int{"sending": 1})
	if err := s.NoticeRetry(ctx, m.ID, now.Add(time.Hour), "421 try later"); err != nil {
		t.Fatal(err)
	}
	counts(map[string]int{"queued": 1})
	if _, ok, _ := s.ClaimNotice(ctx, now.Add(59*time.Minute), now.Add(60*time.Minute)); ok {
		t.Error("ClaimNotice took a notice before its retry")
	}
	m2, ok, err := s.ClaimNotice(ctx, now.Add(time.Hour), now.Add(61*time.Minute))
	if err != nil || !ok || m2.ID != m.ID || m2.Attempts != 2 {
		t.Fatalf("ClaimNotice at the retry = %+v, %v, %v; want it, attempt 2", m2, ok, err)
	}
	if err := s.NoticeFailed(ctx, m.ID, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	counts(map[string]int{"failed": 1})
	if got := one(t, s, `SELECT last_error FROM outbox WHERE id = ?`, m.ID); got != "550 no such user" {
		t.Errorf("last_error = %q", got)
	}
	if _, ok, _ := s.ClaimNotice(ctx, now.Add(48*time.Hour), now.Add(49*time.Hour)); ok {
		t.Error("ClaimNotice took a failed notice")
	}
}

func testLastUIDValidity(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if _, ok, err := s.LastUIDValidity(ctx, "INBOX"); err != nil || ok {
		t.Errorf("LastUIDValidity of an empty store = %v, %v; want none", ok, err)
	}
	rules := testRules(t)
	for i, v := range []uint32{7, 4000000000} { // the second does not fit an int32
		raw := BCC("alice@example.com", "dana@prospect.example", "hi", "x", "Message-ID: <uv"+string(rune('a'+i))+"@example.com>")
		recordItems(t, s, ingest.Process(rules, ingest.Origin{Mailbox: "INBOX", UIDValidity: v, UID: uint32(i + 1)}, []byte(raw)))
		if got, ok, err := s.LastUIDValidity(ctx, "INBOX"); err != nil || !ok || got != v {
			t.Errorf("LastUIDValidity = %d, %v, %v; want %d", got, ok, err, v)
		}
	}
	if _, ok, err := s.LastUIDValidity(ctx, "Archive"); err != nil || ok {
		t.Errorf("LastUIDValidity of another mailbox = %v, %v; want none", ok, err)
	}
}

func testExistingContacts(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	if err := s.ImportContacts(context.Background(), []crm.Person{{Address: "dana@prospect.example"}, {Address: "Fox@Other.example"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ExistingContacts(context.Background(), []string{"DANA@prospect.example", "fox@other.example", "nobody@prospect.example"})
	if want := map[string]bool{"dana@prospect.example": true, "fox@other.example": true}; err != nil || !maps.Equal(got, want) {
		t.Errorf("ExistingContacts = %v, %v; want %v", got, err, want)
	}
}

// testImportAllOfAnExport: the companies, contacts and deals of an export
// imported into an empty store come back the same, deals with their ids;
// a deal added after them gets the next id.
func testImportAllOfAnExport(t *testing.T, open Opener) {
	ctx := context.Background()
	src := open(t, crmstore.Options{Now: CorpusNow})
	Corpus(t, src)
	x, err := src.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dst := open(t, crmstore.Options{Now: CorpusNow})
	if err := dst.SyncUsers(ctx, crmtest.Config().Users); err != nil {
		t.Fatal(err)
	}
	// The deals without an external id are imported by their ids; drop
	// one so that the ids have a gap.
	var deals []crm.Deal
	var last int64
	for _, d := range x.Deals {
		if d.ExternalID == "" && d.Name == "Expansion" {
			continue
		}
		deals = append(deals, d)
		last = max(last, d.ID)
	}
	if err := dst.ImportAll(ctx, x.Companies, x.Contacts, deals); err != nil {
		t.Fatal(err)
	}
	y, err := dst.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(y.Companies, x.Companies) || !reflect.DeepEqual(y.Contacts, x.Contacts) {
		t.Errorf("companies and contacts imported from an export differ:\n%s",
			DiffExports(&crmstore.Export{Companies: x.Companies, Contacts: x.Contacts}, &crmstore.Export{Companies: y.Companies, Contacts: y.Contacts}))
	}
	var byID []crm.Deal
	for _, d := range y.Deals {
		if d.ExternalID == "" {
			byID = append(byID, d)
		}
	}
	var want []crm.Deal
	for _, d := range deals {
		if d.ExternalID == "" {
			want = append(want, d)
		}
	}
	if len(byID) == 0 || !reflect.DeepEqual(byID, want) {
		t.Errorf("deals imported by id = %+v, want %+v", byID, want)
	}
	if err := dst.ImportDeals(ctx, []crm.Deal{{Name: "After the import"}}); err != nil {
		t.Fatalf("a deal after the import: %v", err)
	}
	if got := Count(t, dst, `SELECT id FROM deals WHERE name = 'After the import'`); int64(got) != last+1 {
		t.Errorf("the deal after the import has id %d, want %d", got, last+1)
	}
	// An id that is another deal here is refused.
	d := want[0]
	d.Name = "Not " + d.Name
	if err := dst.ImportDeals(ctx, []crm.Deal{d}); err == nil || !strings.Contains(err.Error(), "another store") {
		t.Errorf("ImportDeals of deal %d under another name = %v, want refused", d.ID, err)
	}
}

func testDeleteUserSessions(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	toks := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)}
	for i, u := range []string{"alice@example.com", "alice@example.com", "bob@example.com"} {
		if err := s.CreateSession(ctx, toks[i], u, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUserSessions(ctx, "Alice@Example.com"); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, false, true} {
		if _, err := s.Session(ctx, toks[i]); (err == nil) != want || (err != nil && !errors.Is(err, view.ErrNotFound)) {
			t.Errorf("session %d after deleting alice's: %v, want kept %v", i, err, want)
		}
	}
}

func testSizeAndWhere(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, BCC("alice@example.com", "dana@prospect.example", "hi", strings.Repeat("a long body ", 1000)))
	if n := s.Size(); n <= 0 {
		t.Errorf("Size = %d, want the database's size", n)
	}
	if s.Where() == "" || s.Dialect().Name == "" {
		t.Errorf("Where = %q, dialect %q: want them named", s.Where(), s.Dialect().Name)
	}
}
