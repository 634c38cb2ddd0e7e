package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/view"
)

// tagged is a message from alice to dana sent at day of March 2026, Bcc'd
// to the log address with a plus-part (log+plus@crm.example.com).
func tagged(plus, subject, body string, day int, extra ...string) string {
	date := time.Date(2026, 3, day, 10, 0, 0, 0, time.UTC).Format(time.RFC1123Z)
	h := []string{"From: alice@example.com", "To: Dana <dana@prospect.example>", "Bcc: log+" + plus + "@crm.example.com",
		"Subject: " + subject, "Date: " + date}
	return strings.Join(append(h, extra...), "\r\n") + "\r\n\r\n" + body + "\r\n"
}

// dealsOf returns the names of the deals an email is linked to, sorted.
func dealsOf(t *testing.T, s *crmstore.Store, emailID int64) []string {
	t.Helper()
	return strings1(t, s, `SELECT d.name FROM email_deals ed JOIN deals d ON d.id = ed.deal_id WHERE ed.email_id = ? ORDER BY d.name`, emailID)
}

// intakeDetail returns the detail of the intake row of an email.
func intakeDetail(t *testing.T, s *crmstore.Store, emailID int64) string {
	t.Helper()
	var d string
	if err := s.DB().QueryRow(`SELECT detail FROM intake WHERE email_id = ? ORDER BY id DESC LIMIT 1`, emailID).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// pinStore has dana with three deals: Pilot (imported as D-7), Expansion
// (no external id) and Old (won, OLD-1).
func pinStore(t *testing.T, open Opener) (*crmstore.Store, map[string]int64) {
	t.Helper()
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.ImportContacts(ctx, []crm.Person{{Address: "dana@prospect.example", Name: "Dana"}}); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.ImportDeals(ctx, []crm.Deal{
		{ExternalID: "D-7", Name: "Pilot", Status: crm.DealOpen, Contacts: []string{"dana@prospect.example"}, CreatedAt: base, UpdatedAt: base},
		{Name: "Expansion", Status: crm.DealOpen, Contacts: []string{"dana@prospect.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 1)},
		{ExternalID: "OLD-1", Name: "Old", Status: crm.DealWon, Contacts: []string{"dana@prospect.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 2)},
	}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, name := range []string{"Pilot", "Expansion", "Old"} {
		var id int64
		if err := s.DB().QueryRow(`SELECT id FROM deals WHERE name = ?`, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	return s, ids
}

func testDealTagPinsTheEmailToThatDeal(t *testing.T, open Opener) {
	s, deals := pinStore(t, open)
	for _, tc := range []struct {
		name, plus string
		want       []string
		detail     string
	}{
		{"external id", "deal-D-7", []string{"Pilot"}, fmt.Sprintf(`log+deal-D-7: linked to deal %d "Pilot" only`, deals["Pilot"])},
		{"external id in another case", "deal-d-7", []string{"Pilot"}, fmt.Sprintf(`log+deal-d-7: linked to deal %d "Pilot" only`, deals["Pilot"])},
		{"store id", fmt.Sprintf("deal-%d", deals["Expansion"]), []string{"Expansion"}, `"Expansion" only`},
		{"a closed deal", "deal-old-1", []string{"Old"}, `"Old" only (won)`},
		{"an unknown deal", "deal-XYZ", []string{"Expansion", "Pilot"}, "log+deal-XYZ: no such deal; linked to the contacts' open deals instead"},
		{"an unknown store id", "deal-999", []string{"Expansion", "Pilot"}, "log+deal-999: no such deal"},
		{"no tag", "", []string{"Expansion", "Pilot"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tagged(tc.plus, "About "+tc.name, "body", 3)
			if tc.plus == "" {
				raw = strings.Replace(raw, "log+@", "log@", 1)
			}
			id := EmailIDs(t, Record(t, s, raw))[0]
			if got := dealsOf(t, s, id); !slices.Equal(got, tc.want) {
				t.Errorf("log+%s@: deals = %q, want %q", tc.plus, got, tc.want)
			}
			detail := intakeDetail(t, s, id)
			if !strings.HasPrefix(detail, "sent by alice@example.com") || !strings.Contains(detail, tc.detail) {
				t.Errorf("log+%s@: intake detail = %q, want it to say %q", tc.plus, detail, tc.detail)
			}
			if tc.plus == "" && strings.Contains(detail, "deal") {
				t.Errorf("no tag: intake detail = %q", detail)
			}
		})
	}
}

func testTagsCombineAndUnknownTagsAreNoted(t *testing.T, open Opener) {
	s, _ := pinStore(t, open)
	res := Record(t, s, tagged("private+deal-D-7+acme", "combined", "body", 3), tagged("Acme", "unknown only", "body", 4))
	ids := EmailIDs(t, res)
	if got := dealsOf(t, s, ids[0]); !slices.Equal(got, []string{"Pilot"}) {
		t.Errorf("log+private+deal-D-7+acme@: deals = %q, want Pilot", got)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails WHERE id = ? AND private = 1`, ids[0]); n != 1 {
		t.Errorf("log+private+deal-D-7+acme@: not private")
	}
	detail := intakeDetail(t, s, ids[0])
	for _, want := range []string{`"Pilot" only`, "log+private: private (seen by alice@example.com and admins only)", "log+acme: not a tag poller knows"} {
		if !strings.Contains(detail, want) {
			t.Errorf("intake detail = %q, want %q in it", detail, want)
		}
	}
	if got := dealsOf(t, s, ids[1]); !slices.Equal(got, []string{"Expansion", "Pilot"}) {
		t.Errorf("log+Acme@: deals = %q, want the open deals", got)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails WHERE id = ? AND private = 0`, ids[1]); n != 1 {
		t.Errorf("log+Acme@: private, want not")
	}
	if d := intakeDetail(t, s, ids[1]); !strings.Contains(d, "log+Acme: not a tag poller knows") {
		t.Errorf("log+Acme@: intake detail = %q", d)
	}
}

// privateStore holds, on dana of prospect.example and deal Pilot: a public
// email of alice's (day 2), a private one of alice's with an attachment
// (day 5, the newest) and bob's public reply to it (day 4), in its thread.
type privateStore struct {
	s                      *crmstore.Store
	public, private, reply int64
	attachment             int64
	alice, bob, admin, own view.Viewer
}

func newPrivateStore(t *testing.T, open Opener) *privateStore {
	t.Helper()
	s, _ := pinStore(t, open)
	secret := tagged("private", "Secret pricing", "", 5, "Message-ID: <secret@example.com>", "MIME-Version: 1.0",
		"Content-Type: multipart/mixed; boundary=b") +
		"--b\r\nContent-Type: text/plain\r\n\r\nthe zanzibar discount\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=terms.pdf\r\n\r\n%PDF-1.4 terms\r\n--b--\r\n"
	reply := "From: bob@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: Re: Secret pricing\r\n" +
		"Date: " + time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC).Format(time.RFC1123Z) + "\r\nIn-Reply-To: <secret@example.com>\r\n\r\nnoted\r\n"
	ids := EmailIDs(t, Record(t, s, tagged("x", "Public hello", "hello dana", 2), secret))
	ids = append(ids, EmailIDs(t, Record(t, s, reply))...)
	p := &privateStore{s: s, public: ids[0], private: ids[1], reply: ids[2]}
	if err := s.DB().QueryRow(`SELECT id FROM attachments WHERE email_id = ?`, p.private).Scan(&p.attachment); err != nil {
		t.Fatalf("the private email's attachment: %v", err)
	}
	ctx := context.Background()
	aliceID, _ := s.UserID(ctx, "alice@example.com")
	bobID, _ := s.UserID(ctx, "bob@example.com")
	p.alice = view.Viewer{UserID: aliceID, Email: "alice@example.com", Addresses: []string{"alice@example.com"}}
	p.bob = view.Viewer{UserID: bobID, Email: "bob@example.com", Addresses: []string{"bob@example.com"}}
	p.admin = p.bob
	p.admin.Admin = true
	p.own = p.alice
	p.own.OwnOnly = true
	return p
}

func testPrivateEmailIsSeenByItsUserAndAdminsOnly(t *testing.T, open Opener) {
	p := newPrivateStore(t, open)
	s, ctx := p.s, context.Background()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		v    view.Viewer
		sees bool
		// emails on dana (and prospect.example, and Pilot) and the newest's date
		emails int
		last   time.Time
	}{
		{"its user", p.alice, true, 3, day(5)},
		{"its user, own emails only", p.own, true, 2, day(5)},
		{"an admin", p.admin, true, 3, day(5)},
		{"another user", p.bob, false, 2, day(4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The email page, its attachment and its raw message.
			e, err := s.Email(ctx, tc.v, p.private)
			if tc.sees && (err != nil || !e.Private || e.Subject != "Secret pricing") {
				t.Errorf("Email(private) = %+v, %v; want it, marked private", e, err)
			}
			if !tc.sees && !errors.Is(err, view.ErrNotFound) {
				t.Errorf("Email(private) = %v, want not found", err)
			}
			var buf bytes.Buffer
			if _, err := s.Attachment(ctx, tc.v, p.private, p.attachment, &buf); tc.sees != (err == nil) {
				t.Errorf("Attachment(private) = %v, sees %v", err, tc.sees)
			} else if !tc.sees && (!errors.Is(err, view.ErrNotFound) || buf.Len() != 0) {
				t.Errorf("Attachment(private) = %v, %d bytes; want not found, nothing", err, buf.Len())
			}
			if err := s.RawEmail(ctx, tc.v, p.private, &buf); tc.sees != (err == nil) {
				t.Errorf("RawEmail(private) = %v, sees %v", err, tc.sees)
			}

			// The thread, from the reply's page.
			if tc.v.OwnOnly {
				return // bob's reply is not alice's to see; the rest is the own visibility's
			}
			r, err := s.Email(ctx, tc.v, p.reply)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(r.ThreadEmails) == 1 && r.ThreadEmails[0].ID == p.private; got != tc.sees {
				t.Errorf("Email(reply).ThreadEmails = %+v, want the private one %v", r.ThreadEmails, tc.sees)
			}

			// The contact: its page, its timeline and the list's counts.
			c, err := s.Contact(ctx, tc.v, "dana@prospect.example", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var timeline []int64
			for _, th := range c.Threads {
				for _, e := range th.Emails {
					timeline = append(timeline, e.ID)
				}
			}
			if c.Emails != tc.emails || !c.LastEmail.Equal(tc.last) || slices.Contains(timeline, p.private) != tc.sees || len(timeline) != tc.emails {
				t.Errorf("Contact: Emails = %d, LastEmail = %v, timeline %v; want %d, %v, private shown %v",
					c.Emails, c.LastEmail, timeline, tc.emails, tc.last, tc.sees)
			}
			list, err := s.Contacts(ctx, tc.v, view.ContactQuery{})
			if err != nil || len(list.Contacts) != 1 || list.Contacts[0].Emails != tc.emails || !list.Contacts[0].LastEmail.Equal(tc.last) {
				t.Errorf("Contacts = %+v, %v; want %d emails, last %v", list.Contacts, err, tc.emails, tc.last)
			}

			// The company: its page, its emails and the list's counts.
			co, err := s.Company(ctx, tc.v, "prospect.example", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if co.CompanySummary.Emails != tc.emails || co.EmailsTotal != tc.emails || len(co.Emails) != tc.emails ||
				!co.LastEmail.Equal(tc.last) || slices.ContainsFunc(co.Emails, func(e view.EmailSummary) bool { return e.ID == p.private }) != tc.sees {
				t.Errorf("Company: Emails = %d, total %d, %d listed, last %v; want %d, %v", co.CompanySummary.Emails, co.EmailsTotal, len(co.Emails), co.LastEmail, tc.emails, tc.last)
			}
			if len(co.People) != 1 || co.People[0].Emails != tc.emails {
				t.Errorf("Company.People = %+v, want dana with %d emails", co.People, tc.emails)
			}
			cos, err := s.Companies(ctx, tc.v, view.ListQuery{})
			if err != nil || len(cos.Companies) != 1 || cos.Companies[0].Emails != tc.emails || !cos.Companies[0].LastEmail.Equal(tc.last) {
				t.Errorf("Companies = %+v, %v; want %d emails, last %v", cos.Companies, err, tc.emails, tc.last)
			}

			// The deal (all three are on Pilot and Expansion).
			var pilot int64
			if err := s.DB().QueryRow(`SELECT id FROM deals WHERE name = 'Pilot'`).Scan(&pilot); err != nil {
				t.Fatal(err)
			}
			d, err := s.Deal(ctx, tc.v, pilot, view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if d.EmailsTotal != tc.emails || len(d.Emails) != tc.emails ||
				slices.ContainsFunc(d.Emails, func(e view.EmailSummary) bool { return e.ID == p.private }) != tc.sees {
				t.Errorf("Deal: EmailsTotal = %d, %d listed; want %d, private shown %v", d.EmailsTotal, len(d.Emails), tc.emails, tc.sees)
			}
			if len(d.Contacts) != 1 || d.Contacts[0].Emails != tc.emails {
				t.Errorf("Deal.Contacts = %+v, want dana with %d emails", d.Contacts, tc.emails)
			}

			// Search: its words, and its sender's.
			res, err := s.Search(ctx, tc.v, "zanzibar", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if found := res.Total == 1 && len(res.Hits) == 1 && res.Hits[0].EmailID == p.private; found != tc.sees || (!tc.sees && (res.Total != 0 || len(res.Hits) != 0)) {
				t.Errorf("Search(zanzibar) = %+v, want the private email %v", res, tc.sees)
			}
			res, err = s.Search(ctx, tc.v, "pricing", view.Page{})
			if err != nil {
				t.Fatal(err)
			}
			want := 1 // bob's reply
			if tc.sees {
				want = 2
			}
			if res.Total != want || len(res.Hits) != want {
				t.Errorf("Search(pricing) = %d hits (total %d), want %d", len(res.Hits), res.Total, want)
			}
		})
	}

	// Home: the user's own, private ones too.
	recent, err := s.RecentEmails(ctx, p.alice, view.Page{})
	if err != nil || len(recent) != 2 || recent[0].ID != p.private || !recent[0].Private || recent[1].Private {
		t.Errorf("RecentEmails(alice) = %+v, %v; want her private email first, marked", recent, err)
	}
	recent, err = s.RecentEmails(ctx, p.bob, view.Page{})
	if err != nil || len(recent) != 1 || recent[0].ID != p.reply {
		t.Errorf("RecentEmails(bob) = %+v, %v; want his reply alone", recent, err)
	}
}

func testPrivateEmailIntakeRowDoesNotLinkForOthers(t *testing.T, open Opener) {
	p := newPrivateStore(t, open)
	s, ctx := p.s, context.Background()
	var rowID int64
	if err := s.DB().QueryRow(`SELECT id FROM intake WHERE email_id = ?`, p.private).Scan(&rowID); err != nil {
		t.Fatal(err)
	}
	// Bob with alice's address (an alias moved to him, say): the row is his
	// to see by its From, the email is not.
	other := p.bob
	other.Addresses = []string{"alice@example.com"}
	for _, tc := range []struct {
		name string
		v    view.Viewer
		sees bool
	}{{"its user", p.alice, true}, {"an admin", p.admin, true}, {"another user", other, false}} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.Intake(ctx, tc.v, view.IntakeQuery{})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(list.Rows, func(r view.Intake) bool { return r.ID == rowID })
			if i < 0 {
				t.Fatalf("Intake = %+v, want row %d", list.Rows, rowID)
			}
			row, err := s.IntakeRow(ctx, tc.v, rowID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []view.Intake{list.Rows[i], *row} {
				if tc.sees && (r.EmailID != p.private || r.RawSHA256 == "" || r.Private) {
					t.Errorf("intake row = %+v, want it linked", r)
				}
				if !tc.sees && (r.EmailID != 0 || r.RawSHA256 != "" || !r.Private || r.Outcome != "logged") {
					t.Errorf("intake row = %+v, want it shown, unlinked, marked private", r)
				}
			}
			var buf bytes.Buffer
			err = s.RawIntake(ctx, tc.v, rowID, &buf)
			if tc.sees != (err == nil) || (!tc.sees && (!errors.Is(err, view.ErrNotFound) || buf.Len() != 0)) {
				t.Errorf("RawIntake = %v (%d bytes), sees %v", err, buf.Len(), tc.sees)
			}
		})
	}
}

func testPrivateEmailCountsFollowItsPrivacy(t *testing.T, open Opener) {
	p := newPrivateStore(t, open)
	s := p.s
	stored := func() (int, string) {
		var n int
		var last string
		if err := s.DB().QueryRow(`SELECT email_count, last_email_at FROM contacts WHERE address = 'dana@prospect.example'`).Scan(&n, &last); err != nil {
			t.Fatal(err)
		}
		return n, last
	}
	if n, last := stored(); n != 2 || !strings.HasPrefix(last, "2026-03-04") {
		t.Errorf("dana's stored count = %d, %s; want the 2 public emails, the newest of 4 March", n, last)
	}
	// Made public (no command does yet; the triggers keep the counts), then
	// deleted while private again.
	if _, err := s.DB().Exec(`UPDATE emails SET private = 0 WHERE id = ?`, p.private); err != nil {
		t.Fatal(err)
	}
	if n, last := stored(); n != 3 || !strings.HasPrefix(last, "2026-03-05") {
		t.Errorf("made public: count = %d, %s; want 3, 5 March", n, last)
	}
	if _, err := s.DB().Exec(`UPDATE emails SET private = 1 WHERE id = ?`, p.private); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE intake SET email_id = NULL WHERE email_id = ?`, p.private); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`DELETE FROM emails WHERE id = ?`, p.private); err != nil {
		t.Fatal(err)
	}
	if n, _ := stored(); n != 2 {
		t.Errorf("deleted while private: count = %d, want 2", n)
	}
	if n := Count(t, s, `SELECT email_count FROM companies WHERE domain = 'prospect.example'`); n != 2 {
		t.Errorf("company count = %d, want 2", n)
	}
}

func testExportMarksPrivateEmails(t *testing.T, open Opener) {
	p := newPrivateStore(t, open)
	x, err := p.s.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Emails) != 3 {
		t.Fatalf("Export: %d emails, want all 3", len(x.Emails))
	}
	for _, e := range x.Emails {
		if want := e.ID == p.private; e.Private != want {
			t.Errorf("Export: email %d (%s) Private = %v, want %v", e.ID, e.Subject, e.Private, want)
		}
	}
	var sawDetail bool
	for _, r := range x.Intake {
		sawDetail = sawDetail || (r.EmailID == p.private && strings.Contains(r.Detail, "log+private"))
	}
	if !sawDetail {
		t.Errorf("Export: the private email's intake row does not say why it is private: %+v", x.Intake)
	}
}
