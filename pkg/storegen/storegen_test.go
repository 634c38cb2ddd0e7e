package storegen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// TestRawMatchesMessage parses every generated raw message and checks that
// it gives the Message the generator built: the store extracts attachment
// content from Raw by Message.Attachments' order and hash, and the raw
// download must show what the pages show.
func TestRawMatchesMessage(t *testing.T) {
	g := newGen(Small)
	for i := range 600 {
		date := Start.Add(time.Duration(i) * time.Hour)
		it, _ := g.email(i, date)
		check(t, it)
		if i%10 == 0 {
			check(t, g.rejection(date))
		}
	}
}

func check(t *testing.T, it ingest.Item) {
	t.Helper()
	got, err := email.Parse(bytes.NewReader(it.Raw))
	if err != nil {
		t.Fatalf("%s: %v", it.Origin, err)
	}
	want := it.Message
	fail := func(what string, g, w any) {
		t.Helper()
		t.Fatalf("%s: %s = %q, want %q\n%s", it.Origin, what, g, w, it.Raw)
	}
	if got.Subject != want.Subject {
		fail("Subject", got.Subject, want.Subject)
	}
	if got.MessageID != want.MessageID {
		fail("MessageID", got.MessageID, want.MessageID)
	}
	if !got.Date.Equal(want.Date) {
		fail("Date", got.Date, want.Date)
	}
	for _, f := range []struct {
		name string
		g, w []email.Address
	}{{"From", got.From, want.From}, {"To", got.To, want.To}, {"Cc", got.Cc, want.Cc}, {"Bcc", got.Bcc, want.Bcc}} {
		if !slices.Equal(f.g, f.w) {
			fail(f.name, f.g, f.w)
		}
	}
	if !slices.Equal(got.InReplyTo, want.InReplyTo) || !slices.Equal(got.References, want.References) {
		fail("refs", append(got.InReplyTo, got.References...), append(want.InReplyTo, want.References...))
	}
	if got.Text != want.Text {
		fail("Text", got.Text, want.Text)
	}
	if got.HTML != want.HTML {
		fail("HTML", got.HTML, want.HTML)
	}
	if got.ContentType != want.ContentType {
		fail("ContentType", got.ContentType, want.ContentType)
	}
	if len(got.Attachments) != len(want.Attachments) {
		fail("Attachments", got.Attachments, want.Attachments)
	}
	for i, a := range got.Attachments {
		w := want.Attachments[i]
		if a.Filename != w.Filename || a.ContentType != w.ContentType || a.Size != w.Size || a.SHA256 != w.SHA256 {
			fail("attachment", a, w)
		}
	}
	if len(got.Attached) != len(want.Attached) {
		fail("Attached", len(got.Attached), len(want.Attached))
	}
	if len(got.Attached) == 1 {
		if o := it.Decision.Original; got.Attached[0].MessageID != o.MessageID || got.Attached[0].Text != o.Body {
			fail("attached", got.Attached[0].Text, o.Body)
		}
	}
	if len(got.Problems) > 0 {
		fail("Problems", got.Problems, nil)
	}
	if want.Size < int64(len(it.Raw)) {
		fail("Size", want.Size, len(it.Raw))
	}
}

// TestDeterministic checks that the same sizes make the same messages.
func TestDeterministic(t *testing.T) {
	a, b := newGen(Small), newGen(Small)
	for i := range 200 {
		x, _ := a.email(i, Start)
		y, _ := b.email(i, Start)
		if !bytes.Equal(x.Raw, y.Raw) {
			t.Fatalf("message %d differs", i)
		}
	}
}

// TestBuild builds a small store through the real write path and checks
// its counts.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gen.db")
	sizes := Sizes{Emails: 1500, Contacts: 300, Companies: 30, Deals: 60, Users: 5}
	sum, err := Build(ctx, path, sizes)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Logged != sizes.Emails || sum.Other != 0 || sum.Rejected < sizes.Emails/40 {
		t.Fatalf("summary = %+v", sum)
	}
	st, err := sqlite.Open(ctx, path, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := st.DB().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM emails`:    sizes.Emails,
		`SELECT count(*) FROM contacts`:  sizes.Contacts,
		`SELECT count(*) FROM deals`:     sizes.Deals,
		`SELECT count(*) FROM users`:     sizes.Users,
		`SELECT count(*) FROM companies`: sizes.Companies, // no company is made from a contact's domain
	} {
		if got := count(q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	if n := count(`SELECT count(*) FROM emails WHERE thread_id IS NOT NULL`); n < sizes.Emails/10 {
		t.Errorf("%d emails in threads, want many", n)
	}
	if n := count(`SELECT count(*) FROM attachments`); n < sizes.Emails/50 {
		t.Errorf("%d attachments, want more", n)
	}
	if n := count(`SELECT count(*) FROM email_deals`); n == 0 {
		t.Error("no email is on a deal")
	}
	if n := count(`SELECT count(*) FROM email_contacts ec JOIN contacts c ON c.id = ec.contact_id WHERE c.address = '` + sum.BusiestContact + `'`); n != sum.BusiestContactEmails {
		t.Errorf("busiest contact has %d emails, summary says %d", n, sum.BusiestContactEmails)
	}
	if n := count(`SELECT count(*) FROM intake WHERE outcome = 'rejected'`); n != sum.Rejected {
		t.Errorf("%d rejections, summary says %d", n, sum.Rejected)
	}
	if got := count(`SELECT count(*) FROM users WHERE email = 'alice@example.com'`); got != 1 {
		t.Error("no alice")
	}
}

// TestFull builds (or finds) the cached Full store when STOREGEN_FULL is
// set: `STOREGEN_FULL=1 go test ./pkg/storegen -run TestFull -v` says how
// long 100,000 emails take.
func TestFull(t *testing.T) {
	if os.Getenv("STOREGEN_FULL") == "" {
		t.Skip("set STOREGEN_FULL=1 to build the full-size store")
	}
	path, sum, err := Cached(context.Background(), Full)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	t.Logf("%s (%d MB): %d logged, %d rejected in %v; busiest contact %s (%d emails), company %s, deal %s",
		path, st.Size()>>20, sum.Logged, sum.Rejected, sum.Elapsed.Round(time.Millisecond),
		sum.BusiestContact, sum.BusiestContactEmails, sum.BusiestCompany, sum.BusiestDeal)
}
