package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// Mail is a message sent at day of March 2026 (plus minutes), Bcc'd to the
// log address.
func Mail(from, to, subject, body string, day, minute int, extra ...string) string {
	date := time.Date(2026, 3, day, 10, minute, 0, 0, time.UTC).Format(time.RFC1123Z)
	h := []string{"From: " + from, "To: " + to, "Bcc: log@crm.example.com", "Subject: " + subject, "Date: " + date}
	return strings.Join(append(h, extra...), "\r\n") + "\r\n\r\n" + body + "\r\n"
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

func testWebVisibilityOfEmails(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.ImportContacts(ctx, []crm.Person{{Address: "dana@prospect.example", Name: "Dana Smith"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportDeals(ctx, []crm.Deal{{Name: "Pilot", Company: "prospect.example", Contacts: []string{"dana@prospect.example"}}}); err != nil {
		t.Fatal(err)
	}
	ids := EmailIDs(t, Record(t, s,
		Mail("alice@example.com", "dana@prospect.example", "Alice one", "apples and pears", 2, 0),
		Mail("alice@example.com", "dana@prospect.example", "Alice two", "more apples", 3, 0),
		Mail("bob@example.com", "dana@prospect.example", "Bob one", "bananas for Dana", 4, 0, "Content-Type: multipart/mixed; boundary=b"),
	))
	bobEmail := ids[2]
	vs := testViewers(t, s)

	for _, tc := range []struct {
		name   string
		v      view.Viewer
		emails int
	}{{"team", vs.team, 3}, {"own", vs.own, 2}, {"admin", vs.admin, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.Contact(ctx, tc.v, "DANA@prospect.example", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, th := range c.Threads {
				n += len(th.Emails)
			}
			if c.Emails != tc.emails || n != tc.emails || c.ThreadsTotal != tc.emails {
				t.Errorf("Contact: Emails = %d, %d on the timeline, ThreadsTotal = %d; want %d", c.Emails, n, c.ThreadsTotal, tc.emails)
			}
			if c.Name != "Dana Smith" || c.Company.Domain != "prospect.example" || c.ContactSummary.OpenDeals != 1 || len(c.OpenDeals) != 1 {
				t.Errorf("Contact = %+v", c.ContactSummary)
			}
			list, err := s.Contacts(ctx, tc.v, view.ContactQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != 1 || len(list.Contacts) != 1 || list.Contacts[0].Emails != tc.emails || list.Contacts[0].OpenDeals != 1 {
				t.Errorf("Contacts = %+v", list)
			}
			co, err := s.Company(ctx, tc.v, "prospect.example", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if co.CompanySummary.Emails != tc.emails || len(co.Emails) != tc.emails || co.EmailsTotal != tc.emails || len(co.People) != 1 || len(co.Deals) != 1 {
				t.Errorf("Company: Emails = %d, %d listed, total %d, %d people, %d deals", co.CompanySummary.Emails, len(co.Emails), co.EmailsTotal, len(co.People), len(co.Deals))
			}
			// The second email alone: read by walking all emails when the
			// company has many for the page asked (team), by its links when
			// few (own).
			second, err := s.Company(ctx, tc.v, "prospect.example", view.Page{Limit: 1, Offset: 1})
			if err != nil || len(second.Emails) != 1 || second.Emails[0].ID != co.Emails[1].ID {
				t.Errorf("Company, second page of 1 = %+v, %v; want email %d", second.Emails, err, co.Emails[1].ID)
			}
			cos, err := s.Companies(ctx, tc.v, view.ListQuery{Filter: "PROSPECT"})
			if err != nil || cos.Total != 1 || cos.Companies[0].Emails != tc.emails || cos.Companies[0].Contacts != 1 || cos.Companies[0].OpenDeals != 1 {
				t.Errorf("Companies = %+v, %v", cos, err)
			}
			deals, err := s.Deals(ctx, tc.v, view.ListQuery{Status: "open"})
			if err != nil || deals.Total != 1 {
				t.Fatalf("Deals = %+v, %v", deals, err)
			}
			d, err := s.Deal(ctx, tc.v, deals.Deals[0].ID, view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if d.EmailsTotal != tc.emails || len(d.Emails) != tc.emails || len(d.Contacts) != 1 || d.Company.Domain != "prospect.example" {
				t.Errorf("Deal: %d emails, total %d, contacts %+v", len(d.Emails), d.EmailsTotal, d.Contacts)
			}
			hits, err := s.Search(ctx, tc.v, "bananas", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			wantHits := 1
			if tc.v.OwnOnly && !tc.v.Admin {
				wantHits = 0
			}
			if hits.Total != wantHits || len(hits.Hits) != wantHits {
				t.Errorf("Search(bananas) = %+v, want %d hits", hits, wantHits)
			}
			_, err = s.Email(ctx, tc.v, bobEmail)
			_, aerr := s.Attachment(ctx, tc.v, bobEmail, 1, nil)
			rerr := s.RawEmail(ctx, tc.v, bobEmail, &bytes.Buffer{})
			if wantHits == 0 {
				for what, err := range map[string]error{"Email": err, "RawEmail": rerr} {
					if !errors.Is(err, view.ErrNotFound) {
						t.Errorf("%s(bob's email) = %v, want not found", what, err)
					}
				}
			} else if err != nil || rerr != nil {
				t.Errorf("Email(bob's email) = %v, RawEmail = %v", err, rerr)
			}
			if !errors.Is(aerr, view.ErrNotFound) { // it has none
				t.Errorf("Attachment = %v, want not found", aerr)
			}
		})
	}

	recent, err := s.RecentEmails(ctx, vs.team, view.Page{})
	if err != nil || len(recent) != 2 || recent[0].Subject != "Alice two" || recent[1].Subject != "Alice one" {
		t.Errorf("RecentEmails(alice) = %+v, %v; want her two, newest first", recent, err)
	}
	if r := recent[0]; r.User != "alice@example.com" || r.UserName != "Alice Rossi" || r.Preview != "more apples" ||
		len(r.Contacts) != 1 || r.Contacts[0] != "dana@prospect.example" || r.Date.Day() != 3 {
		t.Errorf("RecentEmails[0] = %+v", r)
	}
	for _, id := range []int64{0, -1, 999} {
		if _, err := s.Email(ctx, vs.admin, id); !errors.Is(err, view.ErrNotFound) {
			t.Errorf("Email(%d) = %v, want not found", id, err)
		}
	}
	if _, err := s.Contact(ctx, vs.admin, "nobody@prospect.example", view.Page{}); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("Contact(nobody) = %v, want not found", err)
	}
	if _, err := s.Company(ctx, vs.admin, "nowhere.example", view.Page{}); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("Company(nowhere) = %v, want not found", err)
	}
	if _, err := s.Deal(ctx, vs.admin, 999, view.Page{}); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("Deal(999) = %v, want not found", err)
	}
}

func testWebIntakeVisibility(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	fromDana := "From: dana@prospect.example\r\nTo: log@crm.example.com\r\nSubject: hi\r\n\r\nhello\r\n"
	fromAlice := Mail("alice@example.com", "bob@example.com", "internal only", "no contact here", 2, 0)
	res := Record(t, s, fromDana, fromAlice, Mail("alice@example.com", "dana@prospect.example", "logged", "x", 3, 0))
	if res[0].Outcome != ingest.OutcomeRejected || res[1].Outcome != ingest.OutcomeRejected {
		t.Fatalf("results = %+v, want two rejections", res)
	}
	vs := testViewers(t, s)

	all, err := s.Intake(ctx, vs.admin, view.IntakeQuery{})
	if err != nil || all.Total != 3 || len(all.Rows) != 3 {
		t.Fatalf("Intake(admin) = %+v, %v; want 3 rows", all, err)
	}
	danaRow := all.Rows[2] // newest first
	if danaRow.From != "dana@prospect.example" || danaRow.Reason != string(crm.ReasonSenderNotUser) || danaRow.Subject != "hi" || danaRow.RawSize != int64(len(fromDana)) {
		t.Errorf("dana's row = %+v", danaRow)
	}
	rejected, err := s.Intake(ctx, vs.admin, view.IntakeQuery{Outcome: "rejected"})
	if err != nil || rejected.Total != 2 {
		t.Errorf("Intake(admin, rejected) = %+v, %v", rejected, err)
	}
	for _, v := range []view.Viewer{vs.team, vs.own} {
		mine, err := s.Intake(ctx, v, view.IntakeQuery{Outcome: "rejected"})
		if err != nil || mine.Total != 1 || len(mine.Rows) != 1 || mine.Rows[0].From != "alice@example.com" || mine.Rows[0].Reason == "" {
			t.Errorf("Intake(alice, rejected) = %+v, %v; want her one rejection", mine, err)
		}
		asked, err := s.Intake(ctx, v, view.IntakeQuery{From: []string{"dana@prospect.example"}})
		if err != nil || asked.Total != 0 || len(asked.Rows) != 0 {
			t.Errorf("Intake(alice, From: dana) = %+v, %v; want nothing", asked, err)
		}
		if _, err := s.IntakeRow(ctx, v, danaRow.ID); !errors.Is(err, view.ErrNotFound) {
			t.Errorf("IntakeRow(dana's) as alice = %v, want not found", err)
		}
		if err := s.RawIntake(ctx, v, danaRow.ID, &bytes.Buffer{}); !errors.Is(err, view.ErrNotFound) {
			t.Errorf("RawIntake(dana's) as alice = %v, want not found", err)
		}
	}
	if _, err := s.Intake(ctx, view.Viewer{UserID: 1}, view.IntakeQuery{}); err != nil {
		t.Errorf("Intake(no addresses) = %v", err)
	}
	row, err := s.IntakeRow(ctx, vs.admin, danaRow.ID)
	if err != nil || row.ID != danaRow.ID {
		t.Errorf("IntakeRow(admin) = %+v, %v", row, err)
	}
	var raw bytes.Buffer
	if err := s.RawIntake(ctx, vs.admin, danaRow.ID, &raw); err != nil || raw.String() != fromDana {
		t.Errorf("RawIntake = %q, %v; want the message byte for byte", raw.String(), err)
	}
	if _, err := s.IntakeRow(ctx, vs.admin, 999); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("IntakeRow(999) = %v, want not found", err)
	}
	if err := s.RecordPass(ctx, crmstore.PassRecord{Mailbox: "INBOX", StartedAt: time.Now(), FinishedAt: time.Now(), Seen: 3}); err != nil {
		t.Fatal(err)
	}
	passes, err := s.Passes(ctx, view.Page{})
	if err != nil || len(passes) != 1 || passes[0].Seen != 3 || passes[0].Mailbox != "INBOX" {
		t.Errorf("Passes = %+v, %v", passes, err)
	}
}

func testWebSearch(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	vs := testViewers(t, s)
	if err := s.ImportCompanies(ctx, []crm.Company{{Domain: "zeppelin.example", Name: "Zeppelin Werke"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportContacts(ctx, []crm.Person{{Address: "jurgen@zeppelin.example", Name: "Jürgen Weiß"}}); err != nil {
		t.Fatal(err)
	}
	// The index follows the email in the same transaction as it is logged.
	if r, err := s.Search(ctx, vs.team, "Hofbräuhaus", view.Page{}); err != nil || r.Total != 0 {
		t.Fatalf("Search before = %+v, %v", r, err)
	}
	ids := EmailIDs(t, Record(t, s,
		Mail("alice@example.com", "Jürgen <jurgen@zeppelin.example>", "Treffen in München",
			"Hallo Jürgen, wir sehen uns im Hofbräuhaus an der Großen Straße.\r\nBis dann, Alice", 2, 0),
		Mail("alice@example.com", "jurgen@zeppelin.example", "Invoice", "the invoice for the airship, as promised", 3, 0),
		Mail("alice@example.com", "jurgen@zeppelin.example", "Zürich", "Bahnhofstrasse 1, Swiss spelling", 4, 0),
	))

	for _, tc := range []struct {
		query string
		kind  string
		want  string // the Title, EmailID or Address of the first hit of kind
	}{
		{"hofbräuhaus", view.HitEmail, fmt.Sprint(ids[0])},
		{"HOFBRAUHAUS", view.HitEmail, fmt.Sprint(ids[0])},
		{"munchen", view.HitEmail, fmt.Sprint(ids[0])},
		{"strasse", view.HitEmail, fmt.Sprint(ids[0])},
		{"Straße großen", view.HitEmail, fmt.Sprint(ids[0])},
		{"GROSSEN", view.HitEmail, fmt.Sprint(ids[0])},
		{"bahnhofstraße", view.HitEmail, fmt.Sprint(ids[2])},
		{"zurich swiss", view.HitEmail, fmt.Sprint(ids[2])},
		{"airship invoice", view.HitEmail, fmt.Sprint(ids[1])},
		{"weiss", view.HitContact, "jurgen@zeppelin.example"},
		{"Jürgen", view.HitContact, "jurgen@zeppelin.example"},
		{"werke", view.HitCompany, "zeppelin.example"},
		{"zeppelin", view.HitCompany, "zeppelin.example"},
	} {
		r, err := s.Search(ctx, vs.team, tc.query, view.Page{})
		if err != nil {
			t.Errorf("Search(%q) = %v", tc.query, err)
			continue
		}
		var got *view.Hit
		for i := range r.Hits {
			if r.Hits[i].Kind == tc.kind {
				got = &r.Hits[i]
				break
			}
		}
		if got == nil {
			t.Errorf("Search(%q) = %+v: no %s hit", tc.query, r.Hits, tc.kind)
			continue
		}
		key := map[string]string{view.HitEmail: fmt.Sprint(got.EmailID), view.HitContact: got.Address, view.HitCompany: got.Domain}[tc.kind]
		if key != tc.want {
			t.Errorf("Search(%q): first %s hit %s, want %s", tc.query, tc.kind, key, tc.want)
		}
		if !strings.Contains(got.Snippet, view.SnippetStart) || !strings.Contains(got.Snippet, view.SnippetEnd) {
			t.Errorf("Search(%q): snippet %q has no markers", tc.query, got.Snippet)
		}
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	r, err := s.Search(ctx, vs.team, "munchen", view.Page{})
	if err != nil || len(r.Hits) != 1 || r.Hits[0].Title != "Treffen in München" || r.Hits[0].EmailKind != "bcc" || r.Hits[0].Date.Day() != 2 {
		t.Errorf("Search(munchen) = %+v, %v", r, err)
	} else if !strings.Contains(r.Hits[0].Snippet, view.SnippetStart+"München"+view.SnippetEnd) {
		t.Errorf("snippet %q does not mark München", r.Hits[0].Snippet)
	}
	// Contacts and companies first, then emails.
	r, err = s.Search(ctx, vs.team, "jurgen", view.Page{})
	if err != nil || len(r.Hits) < 2 || r.Hits[0].Kind != view.HitContact || r.Hits[len(r.Hits)-1].Kind != view.HitEmail {
		t.Errorf("Search(jurgen) = %+v, %v", r, err)
	}
	// Words that are all required.
	if r, _ := s.Search(ctx, vs.team, "airship München", view.Page{}); r.Total != 0 {
		t.Errorf("Search(airship München) = %+v, want no email with both", r)
	}
	// Nothing a person types is a syntax error.
	for _, q := range []string{"", "   ", `"`, `*`, `-`, `AND`, `a OR`, `NEAR/2`, `(`, `subject:invoice`, `invoice*`, `"unclosed`, `^x`, "\x00", "🙂"} {
		if _, err := s.Search(ctx, vs.team, q, view.Page{}); err != nil {
			t.Errorf("Search(%q) = %v", q, err)
		}
	}
	// Pages: the second has only emails.
	r, err = s.Search(ctx, vs.team, "alice", view.Page{Limit: 1})
	if err != nil || r.Total != 3 {
		t.Fatalf("Search(alice) = %+v, %v", r, err)
	}
	r2, err := s.Search(ctx, vs.team, "alice", view.Page{Limit: 1, Offset: 1})
	if err != nil || len(r2.Hits) != 1 || r2.Hits[0].Kind != view.HitEmail || r2.Hits[0].EmailID == r.Hits[len(r.Hits)-1].EmailID {
		t.Errorf("Search(alice) second page = %+v, %v", r2, err)
	}
}

// testSearchRanksTheClearlyMoreRelevantFirst: an email about a word ranks
// above one that mentions it once in a long body, however the database
// ranks (the adapters test their own ranking's finer order).
func testSearchRanksTheClearlyMoreRelevantFirst(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	vs := testViewers(t, s)
	ids := EmailIDs(t, Record(t, s,
		Mail("alice@example.com", "dana@prospect.example", "Lunch", "a long note about many things and, once, the turbine "+strings.Repeat("filler words here ", 40), 2, 0),
		Mail("alice@example.com", "dana@prospect.example", "Turbine turbine", "turbine maintenance for the turbine", 3, 0),
	))
	r, err := s.Search(ctx, vs.team, "turbine", view.Page{})
	if err != nil || r.Total != 2 || len(r.Hits) != 2 || r.Hits[0].EmailID != ids[1] || r.Hits[1].EmailID != ids[0] {
		t.Errorf("Search(turbine) = %+v, %v; want email %d first, then %d", r.Hits, err, ids[1], ids[0])
	}
}

func testContactTimelineGroupsThreads(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	vs := testViewers(t, s)
	ids := EmailIDs(t, Record(t, s,
		Mail("alice@example.com", "dana@prospect.example", "Pricing", "first", 2, 0, "Message-ID: <t1@example.com>"),
		Mail("alice@example.com", "dana@prospect.example", "Other", "alone", 3, 0, "Message-ID: <t3@example.com>"),
		Mail("alice@example.com", "dana@prospect.example", "Re: Pricing", "second", 4, 0, "Message-ID: <t2@example.com>", "In-Reply-To: <t1@example.com>"),
	))
	c, err := s.Contact(ctx, vs.team, "dana@prospect.example", view.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if c.ThreadsTotal != 2 || len(c.Threads) != 2 {
		t.Fatalf("threads = %+v, total %d; want 2", c.Threads, c.ThreadsTotal)
	}
	pricing, other := c.Threads[0], c.Threads[1]
	if pricing.ID != ids[0] || len(pricing.Emails) != 2 || pricing.Emails[0].ID != ids[2] || pricing.Emails[1].ID != ids[0] {
		t.Errorf("first thread = %+v; want Pricing (its reply is the newest), reply first", pricing)
	}
	if other.ID != ids[1] || len(other.Emails) != 1 {
		t.Errorf("second thread = %+v", other)
	}
	page2, err := s.Contact(ctx, vs.team, "dana@prospect.example", view.Page{Limit: 1, Offset: 1})
	if err != nil || len(page2.Threads) != 1 || page2.Threads[0].ID != ids[1] || page2.ThreadsTotal != 2 {
		t.Errorf("second page = %+v, %v", page2, err)
	}
	past, err := s.Contact(ctx, vs.team, "dana@prospect.example", view.Page{Limit: 1, Offset: 5})
	if err != nil || len(past.Threads) != 0 || past.ThreadsTotal != 2 {
		t.Errorf("past the end = %+v, %v", past, err)
	}
	e, err := s.Email(ctx, vs.team, ids[0])
	if err != nil || len(e.ThreadEmails) != 1 || e.ThreadEmails[0].ID != ids[2] || len(e.ThreadEmails[0].Contacts) != 1 {
		t.Errorf("Email(first).ThreadEmails = %+v, %v; want the reply", e.ThreadEmails, err)
	}
}

func testWebQueriesPerPageAreConstant(t *testing.T, open Opener) {
	measure := func(n int) map[string]int {
		var queries atomic.Int64
		s := openStore(t, open, crmstore.Options{Trace: func(string) { queries.Add(1) }})
		ctx := context.Background()
		if err := s.ImportDeals(ctx, nil); err != nil {
			t.Fatal(err)
		}
		var raws []string
		for i := range n {
			to := fmt.Sprintf("dana@prospect.example, p%d@prospect.example", i)
			raws = append(raws, Mail("alice@example.com", to, fmt.Sprintf("Subject %d", i), "searchable body", 1+i%28, i%60,
				fmt.Sprintf("Message-ID: <q%d@example.com>", i)))
		}
		ids := EmailIDs(t, Record(t, s, raws...))
		if err := s.ImportDeals(ctx, []crm.Deal{{Name: "Deal", Company: "prospect.example", Contacts: []string{"dana@prospect.example"}}}); err != nil {
			t.Fatal(err)
		}
		// Associated with the deal now: log one more.
		EmailIDs(t, Record(t, s, Mail("alice@example.com", "dana@prospect.example", "deal mail", "searchable", 28, 59)))
		deals, _ := s.Deals(ctx, view.Viewer{Admin: true}, view.ListQuery{})
		vs := testViewers(t, s)
		out := map[string]int{}
		for name, v := range map[string]view.Viewer{"team": vs.team, "own": vs.own} {
			for page, fn := range map[string]func() error{
				"contact": func() error { _, err := s.Contact(ctx, v, "dana@prospect.example", view.Page{}); return err },
				"contacts": func() error {
					_, err := s.Contacts(ctx, v, view.ContactQuery{Filter: "prospect"})
					return err
				},
				"company": func() error { _, err := s.Company(ctx, v, "prospect.example", view.Page{}); return err },
				"deal":    func() error { _, err := s.Deal(ctx, v, deals.Deals[0].ID, view.Page{}); return err },
				"email":   func() error { _, err := s.Email(ctx, v, ids[0]); return err },
				"home":    func() error { _, err := s.RecentEmails(ctx, v, view.Page{}); return err },
				"search":  func() error { _, err := s.Search(ctx, v, "searchable", view.Page{}); return err },
				"intake": func() error {
					_, err := s.Intake(ctx, v, view.IntakeQuery{})
					return err
				},
			} {
				before := queries.Load()
				if err := fn(); err != nil {
					t.Fatalf("%s %s: %v", name, page, err)
				}
				out[name+" "+page] = int(queries.Load() - before)
			}
		}
		return out
	}
	few, many := measure(5), measure(50)
	for page, n := range few {
		if many[page] != n {
			t.Errorf("%s: %d queries with 5 emails, %d with 50", page, n, many[page])
		}
		if n == 0 || n > 12 {
			t.Errorf("%s: %d queries", page, n)
		}
	}
}

func testWebAttachmentsAndRawBytes(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	vs := testViewers(t, s)
	pdf := "%PDF-1.4 binary \x00\x01\xff bytes"
	raw := "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: files\r\n" +
		"Message-ID: <f1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=mix\r\n\r\n" +
		"--mix\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n" +
		"--rel\r\nContent-Type: text/html\r\n\r\n<p>logo: <img src=\"cid:logo@example.com\"></p>\r\n" +
		"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.com>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--rel--\r\n" +
		"--mix\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"quote.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64(pdf) + "\r\n--mix--\r\n"
	id := EmailIDs(t, Record(t, s, raw))[0]
	e, err := s.Email(ctx, vs.team, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.AttachmentList) != 2 || e.Attachments != 2 {
		t.Fatalf("attachments = %+v (count %d)", e.AttachmentList, e.Attachments)
	}
	logo, quote := e.AttachmentList[0], e.AttachmentList[1]
	if logo.ContentID != "logo@example.com" || !logo.Inline || logo.ContentType != "image/png" || logo.Size != 8 {
		t.Errorf("inline image = %+v", logo)
	}
	if quote.Name != "quote.pdf" || quote.Inline || quote.ContentID != "" || quote.Size != int64(len(pdf)) || quote.EmailID != id {
		t.Errorf("pdf = %+v", quote)
	}
	if e.RawSize != int64(len(raw)) || len(e.RawSHA256) != 64 || !strings.Contains(e.BodyHTML, "cid:logo@example.com") || e.LoggedAt.IsZero() {
		t.Errorf("email = raw %d %q, html %q, logged %v", e.RawSize, e.RawSHA256, e.BodyHTML, e.LoggedAt)
	}
	var buf bytes.Buffer
	a, err := s.Attachment(ctx, vs.own, id, quote.ID, &buf)
	if err != nil || buf.String() != pdf || a != quote {
		t.Errorf("Attachment = %+v, %q, %v; want the PDF's bytes", a, buf.String(), err)
	}
	if _, err := s.Attachment(ctx, vs.team, id+1, quote.ID, nil); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("Attachment of another email id = %v, want not found", err)
	}
	buf.Reset()
	if err := s.RawEmail(ctx, vs.team, id, &buf); err != nil || buf.String() != raw {
		t.Errorf("RawEmail = %d bytes, %v; want the %d bytes recorded", buf.Len(), err, len(raw))
	}
	// Bob, limited to his own emails, may see neither.
	bob := view.Viewer{UserID: vs.admin.UserID, Email: "bob@example.com", OwnOnly: true}
	if _, err := s.Attachment(ctx, bob, id, quote.ID, &buf); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("Attachment as bob (own) = %v, want not found", err)
	}
	if err := s.RawEmail(ctx, bob, id, &buf); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("RawEmail as bob (own) = %v, want not found", err)
	}
}

func b64(s string) string {
	var b strings.Builder
	enc := []byte(s)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(enc); i += 3 {
		var n uint32
		k := min(3, len(enc)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(enc[i+j])
			}
		}
		for j := range 4 {
			if j <= k {
				b.WriteByte(alphabet[(n>>(18-6*j))&63])
			} else {
				b.WriteByte('=')
			}
		}
	}
	return b.String()
}

func testSessionsAndPasswords(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.SetPassword(ctx, "Alice@Example.com", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "nobody@example.com", "x"); !errors.Is(err, crmstore.ErrNotFound) || !errors.Is(err, view.ErrNotFound) {
		t.Errorf("SetPassword(unknown) = %v, want not found", err)
	}
	if h, err := s.PasswordHash(ctx, "alice@example.com"); err != nil || !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("PasswordHash(alice) = %q, %v", h, err)
	}
	for _, u := range []string{"bob@example.com", "nobody@example.com"} {
		if h, err := s.PasswordHash(ctx, u); err != nil || h != "" {
			t.Errorf("PasswordHash(%s) = %q, %v; want none", u, h, err)
		}
	}
	if id, err := s.UserID(ctx, "nobody@example.com"); err != nil || id != 0 {
		t.Errorf("UserID(nobody) = %d, %v", id, err)
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 || users[0] != (crmstore.UserInfo{Email: "alice@example.com", Name: "Alice Rossi", HasPassword: true}) || users[1].HasPassword {
		t.Errorf("Users = %+v, %v", users, err)
	}

	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tokA, tokB := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if err := s.CreateSession(ctx, tokA, "alice@example.com", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, tokB, "bob@example.com", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, tokA, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, tokA)
	if err != nil || got.UserEmail != "alice@example.com" || !got.CreatedAt.Equal(t0) || !got.LastSeenAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("Session = %+v, %v", got, err)
	}
	if _, err := s.Session(ctx, []byte("unknown")); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("Session(unknown) = %v, want not found", err)
	}
	// Idle before t0+90m removes B (last seen t0+1h), not A (t0+2h).
	if err := s.DeleteSessionsBefore(ctx, t0.Add(90*time.Minute), t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, tokB); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("idle session kept: %v", err)
	}
	// Absolute expiry: created before t0+1m.
	if err := s.DeleteSessionsBefore(ctx, t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, tokA); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("expired session kept: %v", err)
	}
	if err := s.CreateSession(ctx, tokA, "alice@example.com", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, tokA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, tokA); !errors.Is(err, view.ErrNotFound) {
		t.Errorf("deleted session kept: %v", err)
	}
}

func testWebReadsEveryFixture(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.SyncUsers(ctx, []crm.User{{Email: "chiara@example-labs.com"}}); err != nil {
		t.Fatal(err)
	}
	items := FixtureItems(t, len(fixtureRaws(t)))
	res, err := s.Record(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	admin := view.Viewer{Admin: true}
	logged := 0
	for i, r := range res {
		if r.Outcome != ingest.OutcomeLogged {
			continue
		}
		logged++
		id := r.EmailIDs[0]
		e, err := s.Email(ctx, admin, id)
		if err != nil {
			t.Errorf("%s: Email: %v", items[i].Origin, err)
			continue
		}
		var raw bytes.Buffer
		if err := s.RawEmail(ctx, admin, id, &raw); err != nil || !bytes.Equal(raw.Bytes(), items[i].Raw) {
			t.Errorf("%s: RawEmail = %d bytes, %v; want the %d recorded", items[i].Origin, raw.Len(), err, len(items[i].Raw))
		}
		for _, a := range e.AttachmentList {
			var content bytes.Buffer
			if _, err := s.Attachment(ctx, admin, id, a.ID, &content); err != nil {
				t.Errorf("%s: Attachment %q: %v", items[i].Origin, a.Name, err)
			}
			if sum := sha256.Sum256(content.Bytes()); hex.EncodeToString(sum[:]) != a.SHA256 || int64(content.Len()) != a.Size {
				t.Errorf("%s: attachment %q: %d bytes, not its SHA-256", items[i].Origin, a.Name, content.Len())
			}
		}
		word := longestWord(e.Subject + " " + e.BodyText)
		if word == "" {
			continue
		}
		found, err := s.Search(ctx, admin, word, view.Page{Limit: view.MaxLimit})
		if err != nil {
			t.Errorf("%s: Search(%q): %v", items[i].Origin, word, err)
			continue
		}
		if !slices.ContainsFunc(found.Hits, func(h view.Hit) bool { return h.EmailID == id }) {
			t.Errorf("%s: Search(%q) does not find email %d (%q)", items[i].Origin, word, id, e.Subject)
		}
	}
	if logged < 20 {
		t.Fatalf("%d fixtures logged", logged)
	}
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	list, err := s.Contacts(ctx, admin, view.ContactQuery{Page: view.Page{Limit: view.MaxLimit}})
	if err != nil || len(list.Contacts) == 0 || list.Total != len(list.Contacts) {
		t.Fatalf("Contacts = %d of %d, %v", len(list.Contacts), list.Total, err)
	}
	for _, c := range list.Contacts {
		page, err := s.Contact(ctx, admin, c.Address, view.Page{})
		if err != nil {
			t.Errorf("Contact(%s): %v", c.Address, err)
			continue
		}
		n := 0
		for _, th := range page.Threads {
			n += len(th.Emails)
		}
		if n != c.Emails || page.Emails != c.Emails {
			t.Errorf("Contact(%s): %d emails on the timeline, list says %d", c.Address, n, c.Emails)
		}
	}
}

// longestWord is the longest run of letters and digits in s (of 4 or
// more), for a search that must find the text it came from.
func longestWord(s string) string {
	best := ""
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(best) {
			best = w
		}
	}
	if utf8.RuneCountInString(best) < 4 {
		return ""
	}
	return best
}

func testContactsListSortsFiltersAndPages(t *testing.T, open Opener) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openStore(t, open, crmstore.Options{Now: func() time.Time { clock = clock.Add(time.Minute); return clock }})
	ctx := context.Background()
	vs := testViewers(t, s)
	if err := s.ImportContacts(ctx, []crm.Person{
		{Address: "zed@beta.example", Name: "Anna Zed"},
		{Address: "amy@alpha.example", Name: "Zoe Amy"},
		{Address: "noname@gamma.example"},
		{Address: "solo@gmail.com", Name: "Mia Solo"},
	}); err != nil {
		t.Fatal(err)
	}
	EmailIDs(t, Record(t, s,
		Mail("bob@example.com", "amy@alpha.example", "b1", "x", 5, 0),
		Mail("alice@example.com", "zed@beta.example", "a1", "x", 3, 0),
		Mail("alice@example.com", "noname@gamma.example", "a2", "x", 4, 0),
	))
	order := func(v view.Viewer, q view.ContactQuery) string {
		t.Helper()
		list, err := s.Contacts(ctx, v, q)
		if err != nil {
			t.Fatalf("Contacts(%+v): %v", q, err)
		}
		var got []string
		for _, c := range list.Contacts {
			got = append(got, strings.Split(c.Address, "@")[0])
		}
		return fmt.Sprintf("%s/%d", strings.Join(got, ","), list.Total)
	}
	for _, tc := range []struct {
		v    view.Viewer
		q    view.ContactQuery
		want string
	}{
		{vs.team, view.ContactQuery{}, "amy,noname,zed,solo/4"},
		{vs.team, view.ContactQuery{Sort: "bogus"}, "amy,noname,zed,solo/4"},
		{vs.own, view.ContactQuery{}, "noname,zed,solo,amy/4"},
		{vs.team, view.ContactQuery{Sort: "name"}, "zed,solo,amy,noname/4"},
		{vs.own, view.ContactQuery{Sort: "name"}, "zed,solo,amy,noname/4"},
		{vs.team, view.ContactQuery{Sort: "address"}, "amy,noname,solo,zed/4"},
		{vs.team, view.ContactQuery{Sort: "company"}, "amy,zed,noname,solo/4"},
		{vs.team, view.ContactQuery{Sort: "created"}, "solo,noname,amy,zed/4"},
		{vs.team, view.ContactQuery{Sort: "address", Page: view.Page{Limit: 2, Offset: 1}}, "noname,solo/4"},
		{vs.own, view.ContactQuery{Page: view.Page{Limit: 1, Offset: 1}}, "zed/4"},
		{vs.team, view.ContactQuery{Filter: "ALPHA"}, "amy/1"},
		{vs.team, view.ContactQuery{Filter: "zed"}, "zed/1"},
		{vs.team, view.ContactQuery{Filter: "Gamma", Sort: "name"}, "noname/1"},
		{vs.team, view.ContactQuery{Filter: "%"}, "/0"},
		{vs.team, view.ContactQuery{Filter: "_"}, "/0"},
	} {
		if got := order(tc.v, tc.q); got != tc.want {
			t.Errorf("Contacts(own %v, %+v) = %s, want %s", tc.v.OwnOnly, tc.q, got, tc.want)
		}
	}
	list, _ := s.Contacts(ctx, vs.own, view.ContactQuery{})
	if c := list.Contacts[0]; c.Emails != 1 || c.LastEmail.Day() != 4 || c.Company.Name != "Gamma" {
		t.Errorf("own first contact = %+v", c)
	}
	if c := list.Contacts[3]; c.Emails != 0 || !c.LastEmail.IsZero() {
		t.Errorf("own: bob's contact = %+v, want no emails", c)
	}
}
