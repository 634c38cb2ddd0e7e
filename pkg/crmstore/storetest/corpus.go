package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// CorpusNow is a fixed clock for Corpus: stores given the same clock and
// the same corpus must export the same thing, times included.
func CorpusNow() time.Time { return time.Date(2026, 3, 9, 8, 30, 0, 123456000, time.UTC) }

// Corpus fills an empty store s with everything the store keeps, the same
// way each time: the standard test users, imported companies, contacts
// and deals (some on the fixtures' people, so that logged emails link to
// them), every fixture recorded (in batches), messages that thread, tag,
// dedup, drop attachments and get rejected, a reprocess run after a rules
// change, and intake actions (a log, a dismissal, an undo).
//
// It holds nothing that rolls back an insert (a message that fails, a dry
// run that would log): SQLite's next rowid reuses the ids rolled back,
// PostgreSQL's identities do not, so the ids after it would differ (and a
// failed message's intake detail quotes the database's own error).
func Corpus(t testing.TB, s *crmstore.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.SyncUsers(ctx, crmtest.Config().Users); err != nil {
		t.Fatal(err)
	}
	amount, small := 48000.0, 1200.5
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if err := s.ImportCompanies(ctx, []crm.Company{
		{Domain: "torino-meccanica.example", Name: "Torino Meccanica"},
		{Domain: "harborline.example", Name: "Harborline"},
		{Domain: "zeta.example", Name: "Zeta"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportContacts(ctx, []crm.Person{
		{Address: "Enzo.Ricci@torino-meccanica.example", Name: "Enzo Ricci", Owner: "alice@example.com"},
		{Address: "d.okafor@harborline.example", Name: "Dayo Okafor", Owner: "bob@example.com"},
		{Address: "dana@prospect.example", Name: "Dana"},
		{Address: "nobody@zeta.example"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportDeals(ctx, []crm.Deal{
		{ExternalID: "TM-1", Name: "Torino line", Stage: "proposal", Amount: &amount, Company: "torino-meccanica.example",
			Contacts: []string{"enzo.ricci@torino-meccanica.example"}, CreatedAt: base, UpdatedAt: base.Add(time.Hour)},
		{ExternalID: "HB-2", Name: "Harbor pilot", Status: crm.DealWon, Amount: &small, Company: "harborline.example",
			Contacts: []string{"d.okafor@harborline.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 3)},
		{ExternalID: "D-7", Name: "Pilot", Contacts: []string{"dana@prospect.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 1)},
		{Name: "Expansion", Company: "prospect.example", Contacts: []string{"dana@prospect.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 2)},
		{Name: "Lost one", Status: crm.DealLost, CreatedAt: base},
	}); err != nil {
		t.Fatal(err)
	}

	// The deals again, as a daily CSV import would, with one more.
	if err := s.ImportDeals(ctx, []crm.Deal{
		{ExternalID: "TM-1", Name: "Torino line", Stage: "negotiation", Amount: &amount, Company: "torino-meccanica.example",
			Contacts: []string{"enzo.ricci@torino-meccanica.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 4)},
		{ExternalID: "HB-2", Name: "Harbor pilot", Status: crm.DealWon, Amount: &small, Company: "harborline.example",
			Contacts: []string{"d.okafor@harborline.example"}, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, 3)},
		{ExternalID: "HB-3", Name: "Harbor rollout", Company: "harborline.example",
			Contacts: []string{"d.okafor@harborline.example"}, CreatedAt: base.AddDate(0, 0, 4), UpdatedAt: base.AddDate(0, 0, 4)},
	}); err != nil {
		t.Fatal(err)
	}

	// Every fixture, twice over (each copy with a Message-ID of its own:
	// forwards of one original are duplicates all the same), in batches as
	// the worker records them.
	items := FixtureItems(t, 2*len(fixtureRaws(t)))
	for i := 0; i < len(items); i += 16 {
		recordItems(t, s, items[i:min(i+16, len(items))]...)
	}
	// The first round again, from the same origins: seen, nothing new.
	recordItems(t, s, FixtureItems(t, 5)...)

	// Threads, tags, dedup, attachments, rejections.
	secret := tagged("private+deal-D-7", "Secret pricing", "", 5, "Message-ID: <secret@example.com>", "MIME-Version: 1.0",
		"Content-Type: multipart/mixed; boundary=b") +
		"--b\r\nContent-Type: text/plain\r\n\r\nthe zanzibar discount\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=terms.pdf\r\n\r\n%PDF-1.4 terms\r\n--b--\r\n"
	reply := "From: bob@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: Re: Secret pricing\r\n" +
		"Date: " + time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC).Format(time.RFC1123Z) + "\r\nIn-Reply-To: <secret@example.com>\r\n\r\nnoted\r\n"
	Record(t, s,
		tagged("acme", "Public hello", "hello dana", 2),
		secret,
		Mail("alice@example.com", "Dana <dana@prospect.example>, fox@other.example", "Pricing", "first", 3, 0, "Message-ID: <p1@example.com>", "Cc: Eve <eve@prospect.example>"),
		Mail("alice@example.com", "dana@prospect.example", "Re: Pricing", "second", 4, 0, "Message-ID: <p2@example.com>", "In-Reply-To: <p1@example.com>"),
		"Received: from relay\r\n"+Mail("alice@example.com", "dana@prospect.example", "Re: Pricing", "second", 4, 0, "Message-ID: <p2@example.com>", "In-Reply-To: <p1@example.com>"),
		"From: dana@prospect.example\r\nTo: log@crm.example.com\r\nSubject: hi\r\n\r\nhello\r\n",
		"\x00garbage",
		leoForward,
		bobToLogOnly,
	)
	recordItems(t, s, ingest.Process(testRules(t), ingest.Origin{Mailbox: "INBOX", UIDValidity: 7, UID: 3}, []byte(reply)))

	// Leo becomes a user: his forward is logged by a reprocess run.
	rep, err := s.Reprocess(ctx, rulesWithLeo(t), crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{Actor: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) == 0 {
		t.Errorf("Corpus: the reprocess run changed nothing: %+v", rep)
	}
	// Bob logs his note on Dana, then dismisses dana's rejected message
	// as an admin and undoes it.
	bob := viewer(t, s, "bob@example.com", true)
	notes := intakeOf(t, s, "Call notes")
	if res, err := s.LogIntakeOn(ctx, bob, testRules(t), notes, view.ContactChoice{Address: "dana@prospect.example"}); err != nil || !res.Changed {
		t.Fatalf("Corpus: LogIntakeOn = %+v, %v", res, err)
	}
	hi := intakeOf(t, s, "hi")
	if res, err := s.DismissIntake(ctx, bob, hi); err != nil || !res.Changed {
		t.Fatalf("Corpus: DismissIntake = %+v, %v", res, err)
	}
	st, err := s.IntakeState(ctx, bob, hi)
	if err != nil || st.Undo == nil {
		t.Fatalf("Corpus: IntakeState = %+v, %v", st, err)
	}
	if _, err := s.UndoIntake(ctx, bob, hi, st.Undo.ID); err != nil {
		t.Fatalf("Corpus: UndoIntake: %v", err)
	}
	if err := s.RecordPass(ctx, crmstore.PassRecord{Mailbox: "INBOX", StartedAt: CorpusNow(), FinishedAt: CorpusNow().Add(time.Second), Seen: 3}); err != nil {
		t.Fatal(err)
	}
}

// DiffExports describes how two exports differ ("" when they are equal):
// the counts of each list, and its first differing records (at most
// five a list), field by field, as JSON.
func DiffExports(a, b *crmstore.Export) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	var out strings.Builder
	diff := func(what string, n, m int, at func(i int) (any, any)) {
		if n != m {
			fmt.Fprintf(&out, "%s: %d against %d\n", what, n, m)
		}
		shown := 0
		for i := 0; i < min(n, m) && shown < 5; i++ {
			x, y := at(i)
			if reflect.DeepEqual(x, y) {
				continue
			}
			shown++
			fmt.Fprintf(&out, "%s[%d]:\n", what, i)
			fx, fy := fields(x), fields(y)
			for _, k := range slices.Sorted(maps.Keys(fx)) {
				if fx[k] != fy[k] {
					fmt.Fprintf(&out, "  %s: %s\n  %s  %s\n", k, fx[k], strings.Repeat(" ", len(k)), fy[k])
				}
			}
			if fx2, fy2 := fmt.Sprintf("%#v", x), fmt.Sprintf("%#v", y); maps.Equal(fx, fy) && fx2 != fy2 {
				fmt.Fprintf(&out, "  %s\n  %s\n", fx2, fy2)
			}
		}
	}
	diff("companies", len(a.Companies), len(b.Companies), func(i int) (any, any) { return a.Companies[i], b.Companies[i] })
	diff("contacts", len(a.Contacts), len(b.Contacts), func(i int) (any, any) { return a.Contacts[i], b.Contacts[i] })
	diff("deals", len(a.Deals), len(b.Deals), func(i int) (any, any) { return a.Deals[i], b.Deals[i] })
	diff("emails", len(a.Emails), len(b.Emails), func(i int) (any, any) { return a.Emails[i], b.Emails[i] })
	diff("intake", len(a.Intake), len(b.Intake), func(i int) (any, any) { return a.Intake[i], b.Intake[i] })
	if out.Len() == 0 {
		return "the exports differ in a way neither JSON nor %#v shows\n"
	}
	return out.String()
}

// fields are the JSON encodings of a record's fields, by name.
func fields(v any) map[string]string {
	data, _ := json.Marshal(v)
	var raw map[string]json.RawMessage
	json.Unmarshal(data, &raw)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = string(v)
	}
	return out
}
