package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
)

// sentAt is an outgoing (BCC) message from alice to to, with its own date
// and Message-ID.
func sentAt(to, subject, date, id string) string {
	return "From: Alice Rossi <alice@example.com>\r\nTo: " + to + "\r\nBcc: log@crm.example.com\r\nSubject: " + subject +
		"\r\nDate: " + date + "\r\nMessage-ID: <" + id + ">\r\n\r\nbody of " + subject + "\r\n"
}
func testExportEmptyStore(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	x, err := s.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if x.Companies == nil || x.Contacts == nil || x.Deals == nil || x.Emails == nil || x.Intake == nil {
		t.Errorf("Export of an empty store has nil lists: %+v", x)
	}
	if len(x.Companies)+len(x.Contacts)+len(x.Deals)+len(x.Emails)+len(x.Intake) != 0 {
		t.Errorf("Export of an empty store = %+v", x)
	}
}

func testExport(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.ImportCompanies(ctx, []crm.Company{{Domain: "zeta.example", Name: "Zeta"}, {Domain: "acme.example", Name: "Acme Corp"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportContacts(ctx, []crm.Person{{Address: "dana@prospect.example", Name: "Dana", Owner: "alice@example.com"}}); err != nil {
		t.Fatal(err)
	}
	amount := 1200.5
	created := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	if err := s.ImportDeals(ctx, []crm.Deal{
		{ExternalID: "D-1", Name: "Renewal", Stage: "proposal", Amount: &amount, Company: "prospect.example",
			Contacts: []string{"dana@prospect.example"}, CreatedAt: created, UpdatedAt: created.Add(time.Hour)},
		{Name: "Lost one", Status: crm.DealLost, CreatedAt: created},
	}); err != nil {
		t.Fatal(err)
	}
	withFile := "From: alice@example.com\r\nTo: Dana <dana@prospect.example>, fox@other.example\r\nCc: Eve <eve@prospect.example>\r\n" +
		"Bcc: log@crm.example.com\r\nMessage-ID: <x1@example.com>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n" +
		"Subject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=quote.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n"
	res := Record(t, s, withFile, "From: dana@prospect.example\r\nTo: log@crm.example.com\r\nSubject: hi\r\n\r\nhello\r\n")
	if res[0].Outcome != ingest.OutcomeLogged || res[1].Outcome != ingest.OutcomeRejected {
		t.Fatalf("outcomes = %+v", res)
	}

	x, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var domains []string
	for _, c := range x.Companies {
		domains = append(domains, c.Domain)
	}
	if got, want := strings.Join(domains, ","), "acme.example,other.example,prospect.example,zeta.example"; got != want {
		t.Errorf("companies = %s, want %s", got, want)
	}
	var addrs []string
	for _, c := range x.Contacts {
		addrs = append(addrs, c.Address+"/"+c.Source+"/"+c.Owner+"/"+c.Company)
	}
	if got, want := strings.Join(addrs, ","),
		"dana@prospect.example/import/alice@example.com/prospect.example,eve@prospect.example/bcc/alice@example.com/prospect.example,fox@other.example/bcc/alice@example.com/other.example"; got != want {
		t.Errorf("contacts =\n%s\nwant\n%s", got, want)
	}
	if len(x.Deals) != 2 {
		t.Fatalf("deals = %+v", x.Deals)
	}
	d := x.Deals[0]
	if d.ExternalID != "D-1" || d.Name != "Renewal" || d.Status != "open" || d.Amount == nil || *d.Amount != 1200.5 ||
		d.Company != "prospect.example" || !reflect.DeepEqual(d.Contacts, []string{"dana@prospect.example"}) ||
		!d.CreatedAt.Equal(created) || !d.UpdatedAt.Equal(created.Add(time.Hour)) {
		t.Errorf("deal = %+v", d)
	}
	if d2 := x.Deals[1]; d2.Amount != nil || d2.ExternalID != "" || d2.Contacts == nil || len(d2.Contacts) != 0 || d2.Status != "lost" {
		t.Errorf("second deal = %+v, want no amount, no external id, [] contacts", d2)
	}

	if len(x.Emails) != 1 {
		t.Fatalf("emails = %+v", x.Emails)
	}
	e := x.Emails[0]
	if e.ID != res[0].EmailIDs[0] || e.Kind != "bcc" || e.MessageID != "x1@example.com" || e.Subject != "files" ||
		e.From.Address != "alice@example.com" || e.AttributedUser != "alice@example.com" || e.ThreadID != e.ID {
		t.Errorf("email = %+v", e)
	}
	if got := e.Date.Format(time.RFC3339); got != "2026-03-03T10:00:00+01:00" {
		t.Errorf("email date = %s, want the message's own offset", got)
	}
	if len(e.To) != 2 || e.To[0].Name != "Dana" || e.To[0].Address != "dana@prospect.example" || len(e.Cc) != 1 {
		t.Errorf("to = %+v, cc = %+v", e.To, e.Cc)
	}
	if want := []string{"dana@prospect.example", "eve@prospect.example", "fox@other.example"}; !reflect.DeepEqual(e.Contacts, want) {
		t.Errorf("email contacts = %v, want %v", e.Contacts, want)
	}
	if want := []string{"other.example", "prospect.example"}; !reflect.DeepEqual(e.Companies, want) {
		t.Errorf("email companies = %v, want %v", e.Companies, want)
	}
	if want := []int64{d.ID}; !reflect.DeepEqual(e.Deals, want) {
		t.Errorf("email deals = %v, want %v", e.Deals, want)
	}
	if len(e.Attachments) != 1 || e.Attachments[0].Name != "quote.pdf" || e.Attachments[0].ContentType != "application/pdf" ||
		e.Attachments[0].EmailID != e.ID || len(e.Attachments[0].SHA256) != 64 || e.Attachments[0].Size == 0 {
		t.Errorf("attachments = %+v", e.Attachments)
	}
	if e.BodyText != "" || e.BodyHTML != "" {
		t.Errorf("Export loaded the body: %q", e.BodyText)
	}

	if len(x.Intake) != 2 {
		t.Fatalf("intake = %+v", x.Intake)
	}
	if in := x.Intake[0]; in.Outcome != "logged" || in.EmailID != e.ID || in.Origin.Path != "msg0.eml" || in.MessageID != "x1@example.com" || in.ProcessedAt.IsZero() {
		t.Errorf("intake[0] = %+v", in)
	}
	if in := x.Intake[1]; in.Outcome != "rejected" || in.Reason != "sender_not_user" || in.EmailID != 0 || in.Detail == "" {
		t.Errorf("intake[1] = %+v", in)
	}

	xb, err := s.ExportWithBodies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(xb.Emails[0].BodyText, "see attached") {
		t.Errorf("ExportWithBodies body = %q", xb.Emails[0].BodyText)
	}
}

// TestExportGroupsAssociationsByEmail checks that associations loaded in
// one query each land on their own emails.
func testExportGroupsAssociationsByEmail(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	Record(t, s,
		sentAt("a@one.example", "first", "Mon, 2 Mar 2026 10:00:00 +0000", "m1@example.com"),
		sentAt("b@two.example", "second", "Mon, 2 Mar 2026 11:00:00 +0000", "m2@example.com"),
		sentAt("c@three.example, a@one.example", "third", "Mon, 2 Mar 2026 12:00:00 +0000", "m3@example.com"))
	x, err := s.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range x.Emails {
		got = append(got, e.Subject+":"+strings.Join(e.Contacts, "+")+":"+strings.Join(e.Companies, "+"))
	}
	want := "first:a@one.example:one.example,second:b@two.example:two.example,third:a@one.example+c@three.example:one.example+three.example"
	if strings.Join(got, ",") != want {
		t.Errorf("emails =\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
}

func testContactView(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.ImportCompanies(ctx, []crm.Company{{Domain: "prospect.example", Name: "Prospect Inc"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportContacts(ctx, []crm.Person{{Address: "dana@prospect.example", Name: "Dana", Owner: "bob@example.com"}}); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var deals []crm.Deal
	for i := 1; i <= 3; i++ {
		deals = append(deals, crm.Deal{Name: "open " + string(rune('0'+i)), Contacts: []string{"dana@prospect.example"},
			CreatedAt: base, UpdatedAt: base.AddDate(0, 0, i)})
	}
	deals = append(deals, crm.Deal{Name: "won", Status: crm.DealWon, Contacts: []string{"dana@prospect.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 1, 0)},
		crm.Deal{Name: "someone else's", Contacts: nil, CreatedAt: base})
	if err := s.ImportDeals(ctx, deals); err != nil {
		t.Fatal(err)
	}
	// Recorded out of date order; the +0900 one is the earliest in UTC.
	Record(t, s,
		sentAt("dana@prospect.example", "middle", "Tue, 3 Mar 2026 10:00:00 +0000", "t2@example.com"),
		sentAt("dana@prospect.example", "newest", "Wed, 4 Mar 2026 09:00:00 +0000", "t3@example.com"),
		sentAt("dana@prospect.example", "oldest", "Tue, 3 Mar 2026 18:00:00 +0900", "t1@example.com"),
		sentAt("fox@prospect.example", "not dana's", "Thu, 5 Mar 2026 09:00:00 +0000", "t4@example.com"))

	v, err := s.ShowContact(ctx, " DANA@Prospect.example ")
	if err != nil {
		t.Fatal(err)
	}
	if c := v.Contact; c.Address != "dana@prospect.example" || c.Name != "Dana" || c.Source != "import" || c.Owner != "bob@example.com" || c.CreatedAt.IsZero() {
		t.Errorf("contact = %+v", c)
	}
	if v.OwnerName != "Bob Marsh" {
		t.Errorf("owner name = %q", v.OwnerName)
	}
	if v.Company == nil || v.Company.Domain != "prospect.example" || v.Company.Name != "Prospect Inc" {
		t.Errorf("company = %+v", v.Company)
	}
	var names []string
	for _, d := range v.OpenDeals {
		names = append(names, d.Name)
	}
	if got, want := strings.Join(names, ","), "open 3,open 2,open 1"; got != want {
		t.Errorf("open deals = %s, want %s (open only, most recently updated first)", got, want)
	}
	var subjects []string
	for _, e := range v.Emails {
		subjects = append(subjects, e.Subject)
		if e.Kind != "bcc" || e.AttributedUser != "alice@example.com" || e.Date.IsZero() {
			t.Errorf("timeline entry = %+v", e)
		}
	}
	if got, want := strings.Join(subjects, ","), "newest,middle,oldest"; got != want {
		t.Errorf("timeline = %s, want %s", got, want)
	}

	_, err = s.ShowContact(ctx, "nobody@prospect.example")
	if !errors.Is(err, crmstore.ErrNotFound) {
		t.Errorf("Contact(unknown) error = %v, want ErrNotFound", err)
	}
}

func testContactAddresses(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	if err := s.ImportContacts(context.Background(), []crm.Person{{Address: "Dana@Prospect.example"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ContactAddresses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, map[string]bool{"dana@prospect.example": true}) {
		t.Errorf("ContactAddresses = %v", got)
	}
}

// TestExportSnapshotDoesNotBlockWriters checks that an export reads one
// snapshot without taking the write lock from the worker.
func testExportSnapshotDoesNotBlockWriters(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	ctx := context.Background()
	if err := s.ImportCompanies(ctx, []crm.Company{{Domain: "one.example"}}); err != nil {
		t.Fatal(err)
	}
	companies := func(q crmstore.Querier) (n int, err error) {
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM companies`).Scan(&n)
		return n, err
	}
	err := s.Snapshot(ctx, func(q crmstore.Querier) error {
		before, err := companies(q)
		if err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := s.ImportCompanies(wctx, []crm.Company{{Domain: "two.example"}}); err != nil {
			return fmt.Errorf("a write during an export: %w", err)
		}
		after, err := companies(q)
		if err != nil {
			return err
		}
		if before != 1 || after != 1 {
			t.Errorf("companies in the snapshot: %d then %d, want 1 and 1", before, after)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	x, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Companies) != 2 {
		t.Errorf("companies after the snapshot = %d, want 2", len(x.Companies))
	}
}

// testExportIsStable: the corpus exports the same twice, and with bodies
// the same but for the bodies.
func testExportIsStable(t *testing.T, open Opener) {
	s := open(t, crmstore.Options{Now: CorpusNow})
	Corpus(t, s)
	ctx := context.Background()
	x, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Emails) < 20 || len(x.Contacts) < 10 || len(x.Companies) < 5 || len(x.Deals) != 6 || len(x.Intake) <= len(x.Emails) {
		t.Errorf("corpus export: %d emails, %d contacts, %d companies, %d deals, %d intake rows",
			len(x.Emails), len(x.Contacts), len(x.Companies), len(x.Deals), len(x.Intake))
	}
	again, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffExports(x, again); d != "" {
		t.Errorf("two exports of one store differ:\n%s", d)
	}
	xb, err := s.ExportWithBodies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bodies := 0
	for i := range xb.Emails {
		if xb.Emails[i].BodyText != "" || xb.Emails[i].BodyHTML != "" {
			bodies++
		}
		xb.Emails[i].BodyText, xb.Emails[i].BodyHTML = "", ""
	}
	if bodies < len(xb.Emails)/2 {
		t.Errorf("ExportWithBodies: %d of %d emails with a body", bodies, len(xb.Emails))
	}
	if d := DiffExports(x, xb); d != "" {
		t.Errorf("Export and ExportWithBodies differ but for the bodies:\n%s", d)
	}
	var linked, deals, private int
	for _, e := range x.Emails {
		if len(e.Contacts) > 0 {
			linked++
		}
		if len(e.Deals) > 0 {
			deals++
		}
		if e.Private {
			private++
		}
	}
	if linked == 0 || deals == 0 || private != 1 {
		t.Errorf("corpus: %d emails with contacts, %d with deals, %d private; want some, some, 1", linked, deals, private)
	}
}

// testSameInputSameExport: two stores given the same corpus on the same
// clock export the same, ids and times included (the adapters' tests
// compare the stores of two databases in the same way).
func testSameInputSameExport(t *testing.T, open Opener) {
	ctx := context.Background()
	a, b := open(t, crmstore.Options{Now: CorpusNow}), open(t, crmstore.Options{Now: CorpusNow})
	Corpus(t, a)
	Corpus(t, b)
	for _, export := range []func(*crmstore.Store, context.Context) (*crmstore.Export, error){
		(*crmstore.Store).Export, (*crmstore.Store).ExportWithBodies,
	} {
		x, err := export(a, ctx)
		if err != nil {
			t.Fatal(err)
		}
		y, err := export(b, ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := DiffExports(x, y); d != "" {
			t.Errorf("two stores of one corpus export differently:\n%s", d)
		}
	}
}
