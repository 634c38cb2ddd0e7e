package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
)

// leoForward is a forward from leo@example.com (an internal address, not
// a user of testRules) of a message from Dana.
const leoForward = "From: Leo <leo@example.com>\r\nTo: log@crm.example.com\r\nSubject: Fwd: Pricing\r\n" +
	"Date: Wed, 4 Mar 2026 09:00:00 +0100\r\nMessage-ID: <fwd-leo@example.com>\r\n\r\n" +
	"Dana asks about pricing.\r\n\r\n" +
	"---------- Forwarded message ---------\r\nFrom: Dana Smith <dana@prospect.example>\r\nDate: Tue, Mar 3, 2026 at 10:00 AM\r\n" +
	"Subject: Pricing\r\nTo: Leo <leo@example.com>\r\n\r\nWhat does it cost?\r\n"

// rulesWithLeo are testRules with leo@example.com added as a user.
func rulesWithLeo(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t, func(c *crm.Config) { c.Users = append(c.Users, crm.User{Email: "leo@example.com", Name: "Leo"}) })
}

func reprocess(t *testing.T, s *crmstore.Store, rules *crm.Rules, f crmstore.ReprocessFilter, opts crmstore.ReprocessOptions) *crmstore.ReprocessReport {
	t.Helper()
	rep, err := s.Reprocess(context.Background(), rules, f, opts)
	if err != nil {
		t.Fatalf("Reprocess: %v", err)
	}
	return rep
}

func testReprocessLogsARejectionAfterTheRulesChange(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	other := BCC("Stranger <x@elsewhere.example>", "dana@prospect.example", "Hello", "hi")
	res := Record(t, s, leoForward, other)
	if res[0].Reason != crm.ReasonSenderNotUser || res[1].Reason != crm.ReasonSenderNotUser {
		t.Fatalf("first decisions = %v, %v; want sender_not_user twice", res[0].Reason, res[1].Reason)
	}
	rules := rulesWithLeo(t)

	dry := reprocess(t, s, rules, crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{DryRun: true, BatchSize: 1})
	if dry.Checked != 2 || len(dry.Changes) != 1 || dry.Applied {
		t.Fatalf("dry run: checked %d, changes %d, applied %v; want 2, 1, false", dry.Checked, len(dry.Changes), dry.Applied)
	}
	if c := dry.Changes[0]; c.Outcome != ingest.OutcomeLogged || c.Decision.Kind != crm.KindForward || c.OldReason != crm.ReasonSenderNotUser {
		t.Errorf("dry run change = %s %s (was %s), want logged forward (was sender_not_user)", c.Outcome, c.Decision.Kind, c.OldReason)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM emails`:                            0,
		`SELECT count(*) FROM contacts`:                          0,
		`SELECT count(*) FROM intake_changes`:                    0,
		`SELECT count(*) FROM intake WHERE outcome = 'rejected'`: 2,
	} {
		if got := Count(t, s, q); got != want {
			t.Errorf("after a dry run, %s = %d, want %d", q, got, want)
		}
	}

	rep := reprocess(t, s, rules, crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{})
	if rep.Checked != 2 || len(rep.Changes) != 1 || !rep.Applied {
		t.Fatalf("run: checked %d, changes %d, applied %v; want 2, 1, true", rep.Checked, len(rep.Changes), rep.Applied)
	}
	c := rep.Changes[0]
	if c.IntakeID != 1 || len(c.EmailIDs) != 1 || c.Decision.User == nil || c.Decision.User.Email != "leo@example.com" {
		t.Fatalf("change = %+v, want intake 1 logged for leo", c)
	}
	// The email the run logged: the first after the dry run's, which were
	// rolled back (SQLite then reuses their ids, PostgreSQL's identity
	// does not, so the id is read from the report).
	email := c.EmailIDs[0]
	if n := Count(t, s, `SELECT count(*) FROM emails WHERE id < ?`, email); n != 0 {
		t.Errorf("%d emails before the one logged (%d), want none", n, email)
	}
	if got := strings1(t, s, `SELECT outcome || ' ' || reason || ' ' || email_id FROM intake WHERE id = 1`); len(got) != 1 || got[0] != fmt.Sprintf("logged  %d", email) {
		t.Errorf("intake row 1 = %q, want it logged with email %d", got, email)
	}
	if got := strings1(t, s, `SELECT c.address || ' ' || c.source || ' ' || co.domain FROM email_contacts ec
		JOIN contacts c ON c.id = ec.contact_id JOIN companies co ON co.id = c.company_id WHERE ec.email_id = ?`, email); len(got) != 1 ||
		got[0] != "dana@prospect.example forward prospect.example" {
		t.Errorf("email %d's contacts = %q, want dana@prospect.example (forward) at prospect.example", email, got)
	}
	if got := strings1(t, s, `SELECT u.email FROM emails e JOIN users u ON u.id = e.user_id WHERE e.id = ?`, email); len(got) != 1 || got[0] != "leo@example.com" {
		t.Errorf("email %d attributed to %q, want leo@example.com", email, got)
	}
	if got := strings1(t, s, `SELECT old_outcome || ' ' || old_reason || ' -> ' || new_outcome || ' ' || new_email_id || ' ' || created_emails
		FROM intake_changes WHERE intake_id = 1`); len(got) != 1 || got[0] != fmt.Sprintf("rejected sender_not_user -> logged %d [%d]", email, email) {
		t.Errorf("intake_changes = %q, want one reprocess change", got)
	}

	again := reprocess(t, s, rules, crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{})
	if again.Checked != 1 || len(again.Changes) != 0 {
		t.Errorf("second run: checked %d, changes %d; want 1 (the other rejection), 0", again.Checked, len(again.Changes))
	}
	if n := Count(t, s, `SELECT count(*) FROM intake_changes`); n != 1 {
		t.Errorf("intake_changes after a second run = %d, want 1", n)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails after a second run = %d, want 1", n)
	}
}

func testReprocessLinksADuplicateAndChangesReasons(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	// The same forward, rejected, then logged from a copy the user sent again.
	Record(t, s, leoForward)
	rules := rulesWithLeo(t)
	items := []ingest.Item{ingest.Process(rules, ingest.Origin{Path: "copy.eml"}, []byte(leoForward))}
	if res, err := s.Record(context.Background(), items); err != nil || res[0].Outcome != ingest.OutcomeLogged {
		t.Fatalf("Record copy = %v, %v; want logged", res, err)
	}
	rep := reprocess(t, s, rules, crmstore.ReprocessFilter{IDs: []int64{1}}, crmstore.ReprocessOptions{Actor: "alice@example.com"})
	if len(rep.Changes) != 1 || rep.Changes[0].Outcome != ingest.OutcomeDuplicate || rep.Changes[0].EmailIDs[0] != 1 {
		t.Fatalf("changes = %+v, want intake 1 a duplicate of email 1", rep.Changes)
	}
	if got := strings1(t, s, `SELECT outcome || ' ' || email_id FROM intake WHERE id = 1`); len(got) != 1 || got[0] != "duplicate 1" {
		t.Errorf("intake row 1 = %q, want duplicate of email 1", got)
	}
	if got := strings1(t, s, `SELECT actor || ' ' || created_emails FROM intake_changes`); len(got) != 1 || got[0] != "alice@example.com []" {
		t.Errorf("intake_changes = %q, want alice's change creating no email", got)
	}
	// An id that is no longer a rejection is skipped; one that names no row is an error.
	rep = reprocess(t, s, rules, crmstore.ReprocessFilter{IDs: []int64{1}}, crmstore.ReprocessOptions{})
	if len(rep.Changes) != 0 || len(rep.Skipped) != 1 {
		t.Errorf("reprocess of a duplicate row: %+v, want it skipped", rep)
	}
	if _, err := s.Reprocess(context.Background(), rules, crmstore.ReprocessFilter{IDs: []int64{99}}, crmstore.ReprocessOptions{}); !errors.Is(err, crmstore.ErrNotFound) {
		t.Errorf("reprocess of intake #99 = %v, want ErrNotFound", err)
	}

	// never_log added for the sender's domain: sender_not_user becomes never_log.
	Record(t, s, BCC("Stranger <x@elsewhere.example>", "dana@prospect.example", "Hello", "hi"))
	strict := crmtest.Rules(t, func(c *crm.Config) {
		c.NeverLog = []string{"prospect.example"}
		c.Users = append(c.Users, crm.User{Email: "x@elsewhere.example"})
	})
	rep = reprocess(t, s, strict, crmstore.ReprocessFilter{Reason: crm.ReasonAutoGenerated}, crmstore.ReprocessOptions{})
	if rep.Checked != 0 {
		t.Errorf("--reason auto_generated checked %d rows, want 0", rep.Checked)
	}
	rep = reprocess(t, s, strict, crmstore.ReprocessFilter{Reason: crm.ReasonSenderNotUser}, crmstore.ReprocessOptions{})
	if len(rep.Changes) != 1 || rep.Changes[0].Outcome != ingest.OutcomeRejected || rep.Changes[0].Reason != crm.ReasonNeverLog {
		t.Fatalf("changes = %+v, want sender_not_user -> never_log", rep.Changes)
	}
	if got := strings1(t, s, `SELECT outcome || ' ' || reason FROM intake WHERE id = 3`); len(got) != 1 || got[0] != "rejected never_log" {
		t.Errorf("intake row 3 = %q, want rejected never_log", got)
	}
	if rep := reprocess(t, s, strict, crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{}); len(rep.Changes) != 0 {
		t.Errorf("second run changes = %+v, want none", rep.Changes)
	}
}

func testReprocessSkipsATooLargeMessageStoredAsItsHeader(t *testing.T, open Opener) {
	s := openStore(t, open, crmstore.Options{})
	small := crmtest.Rules(t, func(c *crm.Config) { c.MaxMessageSize = 1000 })
	header := "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: Big\r\n\r\n"
	it := ingest.ProcessSized(small, ingest.Origin{Path: "big.eml"}, []byte(header), 5000)
	if res, err := s.Record(context.Background(), []ingest.Item{it}); err != nil || res[0].Reason != crm.ReasonTooLarge {
		t.Fatalf("Record = %v, %v; want too_large", res, err)
	}
	if rep := reprocess(t, s, small, crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{}); rep.Checked != 1 || len(rep.Changes)+len(rep.Skipped) != 0 {
		t.Errorf("same limit: %+v, want checked and unchanged", rep)
	}
	rep := reprocess(t, s, testRules(t), crmstore.ReprocessFilter{}, crmstore.ReprocessOptions{})
	if len(rep.Changes) != 0 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Why, "header section") {
		t.Errorf("raised limit: %+v, want it skipped (only the header is stored)", rep)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails`); n != 0 {
		t.Errorf("emails = %d, want 0", n)
	}
}
