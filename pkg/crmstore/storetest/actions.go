package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/view"
)

// bobToLogOnly is Bob's message to the log address alone, with nothing
// forwarded in it: rejected forward_unparseable.
const bobToLogOnly = "From: Bob Marsh <bob@example.com>\r\nTo: log@crm.example.com\r\nSubject: Call notes\r\n" +
	"Date: Wed, 4 Mar 2026 11:00:00 +0100\r\nMessage-ID: <notes-bob@example.com>\r\n\r\nDana wants a demo next week.\r\n"

// intakeOf is the id of the intake row of a message by subject.
func intakeOf(t testing.TB, s *crmstore.Store, subject string) int64 {
	t.Helper()
	var id int64
	if err := s.DB().QueryRow(`SELECT id FROM intake WHERE subject = ? ORDER BY id LIMIT 1`, subject).Scan(&id); err != nil {
		t.Fatalf("intake of %q: %v", subject, err)
	}
	return id
}

func testLogIntakeOnANewContactAndUndo(t *testing.T, open Opener) {
	ctx := context.Background()
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, leoForward) // leo is not a user: sender_not_user
	id := intakeOf(t, s, "Fwd: Pricing")
	alice := viewer(t, s, "alice@example.com", true)
	rules := testRules(t)

	res, err := s.LogIntakeOn(ctx, alice, rules, id, view.ContactChoice{Address: "Pat@Prospect.example", Name: "Pat Lee"})
	if err != nil || !res.Changed {
		t.Fatalf("LogIntakeOn = %+v, %v; want changed", res, err)
	}
	if got, want := one(t, s, `SELECT e.kind || ' ' || e.subject || ' ' || u.email FROM emails e JOIN users u ON u.id = e.user_id`),
		"forward Pricing alice@example.com"; got != want {
		t.Errorf("email = %q, want %q (the original, credited to the signed-in user)", got, want)
	}
	if got, want := one(t, s, `SELECT c.address || ' ' || c.name || ' ' || co.domain FROM email_contacts ec
		JOIN contacts c ON c.id = ec.contact_id JOIN companies co ON co.id = c.company_id`), "pat@prospect.example Pat Lee prospect.example"; got != want {
		t.Errorf("contact = %q, want %q", got, want)
	}
	if got, want := one(t, s, `SELECT outcome || ' ' || reason || ' ' || email_id FROM intake WHERE id = ?`, id), "logged  1"; got != want {
		t.Errorf("intake row = %q, want %q", got, want)
	}
	if got, want := one(t, s, `SELECT action || ' ' || actor || ' ' || old_outcome || ' ' || old_reason || ' -> ' || new_outcome || ' ' ||
		contact || ' ' || created_emails || ' ' || created_contacts FROM intake_changes WHERE intake_id = ?`, id),
		"log alice@example.com rejected sender_not_user -> logged pat@prospect.example [1] [1]"; got != want {
		t.Errorf("change = %q, want %q", got, want)
	}

	// The same form again: nothing more.
	if res, err := s.LogIntakeOn(ctx, alice, rules, id, view.ContactChoice{Address: "pat@prospect.example"}); err != nil || res.Changed {
		t.Errorf("second LogIntakeOn = %+v, %v; want unchanged", res, err)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails after a double submit = %d, want 1", n)
	}

	st, err := s.IntakeState(ctx, alice, id)
	if err != nil || st.Undo == nil || st.Undo.Action != view.ActionLog || st.Undo.Contact != "pat@prospect.example" {
		t.Fatalf("IntakeState = %+v, %v; want the log to undo", st, err)
	}
	res, err = s.UndoIntake(ctx, alice, id, st.Undo.ID)
	if err != nil || !res.Changed {
		t.Fatalf("UndoIntake = %+v, %v; want changed", res, err)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM emails`:         0,
		`SELECT count(*) FROM contacts`:       0,
		`SELECT count(*) FROM companies`:      0,
		`SELECT count(*) FROM email_contacts`: 0,
		`SELECT count(*) FROM intake WHERE outcome = 'rejected' AND reason = 'sender_not_user' AND email_id IS NULL AND detail LIKE 'From leo@%'`: 1,
		`SELECT count(*) FROM intake_changes WHERE undone_by = 'alice@example.com' AND undone_at != ''`:                                           1,
	} {
		if got := Count(t, s, q); got != want {
			t.Errorf("after undo, %s = %d, want %d", q, got, want)
		}
	}
	if res, err := s.UndoIntake(ctx, alice, id, st.Undo.ID); err != nil || res.Changed {
		t.Errorf("second UndoIntake = %+v, %v; want unchanged", res, err)
	}
	// Logged again after the undo: a new change, undoable in turn.
	if res, err := s.LogIntakeOn(ctx, alice, rules, id, view.ContactChoice{Address: "pat@prospect.example"}); err != nil || !res.Changed {
		t.Errorf("LogIntakeOn after undo = %+v, %v; want changed", res, err)
	}
	if st, _ := s.IntakeState(ctx, alice, id); st == nil || len(st.Changes) != 2 || st.Undo == nil || st.Undo.ID == st.Changes[1].ID {
		t.Errorf("IntakeState after logging again = %+v, want two changes, the newest to undo", st)
	}
}

func testLogIntakeOnAnExistingContactKeepsIt(t *testing.T, open Opener) {
	ctx := context.Background()
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, BCC("Bob Marsh <bob@example.com>", "Dana Smith <dana@prospect.example>", "Hello", "hi", "Message-ID: <hello@example.com>"),
		bobToLogOnly)
	id := intakeOf(t, s, "Call notes")
	if got := one(t, s, `SELECT outcome FROM intake WHERE id = ?`, id); got != "rejected" {
		t.Fatalf("Bob's note is %s, want rejected", got)
	}
	bob := viewer(t, s, "bob@example.com", false)
	alice := viewer(t, s, "alice@example.com", false) // not an admin here
	rules := testRules(t)

	if _, err := s.LogIntakeOn(ctx, alice, rules, id, view.ContactChoice{Address: "dana@prospect.example"}); !errors.Is(err, crmstore.ErrNotFound) {
		t.Errorf("LogIntakeOn by another user: %v, want not found", err)
	}
	if _, err := s.DismissIntake(ctx, alice, id); !errors.Is(err, crmstore.ErrNotFound) {
		t.Errorf("DismissIntake by another user: %v, want not found", err)
	}
	if _, err := s.IntakeState(ctx, alice, id); !errors.Is(err, crmstore.ErrNotFound) {
		t.Errorf("IntakeState by another user: %v, want not found", err)
	}
	for _, addr := range []string{"leo@example.com", "log@crm.example.com", "noreply@vendor.example", "mailer-daemon@prospect.example", "not an address"} {
		if _, err := s.LogIntakeOn(ctx, bob, rules, id, view.ContactChoice{Address: addr}); !errors.Is(err, view.ErrRefused) {
			t.Errorf("LogIntakeOn(%q): %v, want refused", addr, err)
		}
	}
	res, err := s.LogIntakeOn(ctx, bob, rules, id, view.ContactChoice{Address: "dana@prospect.example", Name: "ignored"})
	if err != nil || !res.Changed {
		t.Fatalf("LogIntakeOn = %+v, %v", res, err)
	}
	if got, want := one(t, s, `SELECT e.kind || ' ' || e.subject FROM emails e WHERE e.message_id = 'notes-bob@example.com'`), "bcc Call notes"; got != want {
		t.Errorf("email = %q, want %q", got, want)
	}
	if got, want := one(t, s, `SELECT name || ' ' || email_count FROM contacts WHERE address = 'dana@prospect.example'`), "Dana Smith 2"; got != want {
		t.Errorf("contact = %q, want %q (the existing one, its name kept)", got, want)
	}
	st, err := s.IntakeState(ctx, bob, id)
	if err != nil || st.Undo == nil {
		t.Fatalf("IntakeState = %+v, %v", st, err)
	}
	if _, err := s.UndoIntake(ctx, bob, id, st.Undo.ID); err != nil {
		t.Fatalf("UndoIntake: %v", err)
	}
	if got, want := one(t, s, `SELECT name || ' ' || email_count FROM contacts WHERE address = 'dana@prospect.example'`), "Dana Smith 1"; got != want {
		t.Errorf("contact after undo = %q, want %q (kept: another email uses it)", got, want)
	}
	if n := Count(t, s, `SELECT count(*) FROM companies`); n != 1 {
		t.Errorf("companies after undo = %d, want 1", n)
	}
}

func testDismissIntakeAndUndo(t *testing.T, open Opener) {
	ctx := context.Background()
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, bobToLogOnly)
	id := intakeOf(t, s, "Call notes")
	bob := viewer(t, s, "bob@example.com", false)
	unresolved := func() int {
		t.Helper()
		l, err := s.UnresolvedIntake(ctx, bob, view.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Rows) != l.Total {
			t.Fatalf("UnresolvedIntake: %d rows, total %d", len(l.Rows), l.Total)
		}
		return l.Total
	}
	if n := unresolved(); n != 1 {
		t.Fatalf("unresolved = %d, want 1", n)
	}
	if res, err := s.DismissIntake(ctx, bob, id); err != nil || !res.Changed {
		t.Fatalf("DismissIntake = %+v, %v", res, err)
	}
	if res, err := s.DismissIntake(ctx, bob, id); err != nil || res.Changed {
		t.Errorf("second DismissIntake = %+v, %v; want unchanged", res, err)
	}
	if n := unresolved(); n != 0 {
		t.Errorf("unresolved after dismissing = %d, want 0", n)
	}
	st, err := s.IntakeState(ctx, bob, id)
	if err != nil || !st.Dismissed() || st.DismissedBy != "bob@example.com" || len(st.Changes) != 1 || st.Undo == nil {
		t.Fatalf("IntakeState = %+v, %v; want dismissed by bob, one change to undo", st, err)
	}
	if got := one(t, s, `SELECT outcome || ' ' || reason FROM intake WHERE id = ?`, id); got != "rejected forward_unparseable" {
		t.Errorf("dismissed row = %q, want its outcome kept", got)
	}
	if _, err := s.LogIntakeOn(ctx, bob, testRules(t), id, view.ContactChoice{Address: "dana@prospect.example"}); !errors.Is(err, view.ErrRefused) {
		t.Errorf("LogIntakeOn a dismissed row: %v, want refused", err)
	}
	if res, err := s.UndoIntake(ctx, bob, id, st.Undo.ID); err != nil || !res.Changed {
		t.Fatalf("UndoIntake = %+v, %v", res, err)
	}
	if n := unresolved(); n != 1 {
		t.Errorf("unresolved after undoing = %d, want 1", n)
	}
	if res, err := s.UndoIntake(ctx, bob, id, st.Undo.ID); err != nil || res.Changed {
		t.Errorf("second UndoIntake = %+v, %v; want unchanged", res, err)
	}
	if st, _ := s.IntakeState(ctx, bob, id); st == nil || st.Dismissed() || st.Undo != nil || !st.Changes[0].Undone() {
		t.Errorf("IntakeState after undo = %+v, want not dismissed, the dismissal undone, nothing to undo", st)
	}
}

func testRerunIntakeAndUndo(t *testing.T, open Opener) {
	ctx := context.Background()
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, leoForward)
	id := intakeOf(t, s, "Fwd: Pricing")
	alice := viewer(t, s, "alice@example.com", true)

	res, err := s.RerunIntake(ctx, alice, testRules(t), id)
	if err != nil || res.Changed || !strings.Contains(res.Message, "No change") || !strings.Contains(res.Message, "not a user") {
		t.Errorf("RerunIntake under the same rules = %+v, %v; want no change, saying why", res, err)
	}
	st, _ := s.IntakeState(ctx, alice, id)
	if st == nil || len(st.Changes) != 1 || st.Changes[0].Action != view.ActionRerun || st.Undo != nil {
		t.Errorf("IntakeState after a re-run with no change = %+v, want one rerun entry, nothing to undo", st)
	}

	res, err = s.RerunIntake(ctx, alice, rulesWithLeo(t), id)
	if err != nil || !res.Changed || !strings.Contains(res.Message, "dana@prospect.example") {
		t.Fatalf("RerunIntake with leo a user = %+v, %v; want logged on dana", res, err)
	}
	if res, err := s.RerunIntake(ctx, alice, rulesWithLeo(t), id); err != nil || res.Changed {
		t.Errorf("second RerunIntake = %+v, %v; want unchanged", res, err)
	}
	st, err = s.IntakeState(ctx, alice, id)
	if err != nil || st.Undo == nil || st.Undo.Action != view.ActionReprocess || st.Undo.Actor != "alice@example.com" {
		t.Fatalf("IntakeState = %+v, %v; want the reprocess by alice to undo", st, err)
	}
	if _, err := s.UndoIntake(ctx, alice, id, st.Undo.ID); err != nil {
		t.Fatalf("UndoIntake: %v", err)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM emails`:    0,
		`SELECT count(*) FROM contacts`:  0,
		`SELECT count(*) FROM companies`: 0,
		`SELECT count(*) FROM intake WHERE outcome = 'rejected' AND reason = 'sender_not_user' AND email_id IS NULL`: 1,
	} {
		if got := Count(t, s, q); got != want {
			t.Errorf("after undoing the re-run, %s = %d, want %d", q, got, want)
		}
	}
}

func testUndoLogRefusedWhileAnotherItemNamesTheEmail(t *testing.T, open Opener) {
	ctx := context.Background()
	s := openStore(t, open, crmstore.Options{})
	Record(t, s, bobToLogOnly)
	id := intakeOf(t, s, "Call notes")
	bob := viewer(t, s, "bob@example.com", false)
	if _, err := s.LogIntakeOn(ctx, bob, testRules(t), id, view.ContactChoice{Address: "dana@prospect.example"}); err != nil {
		t.Fatal(err)
	}
	// The same message (same Message-ID), Bcc'd properly later: a
	// duplicate naming the email the log created.
	res := Record(t, s, BCC("Bob Marsh <bob@example.com>", "dana@prospect.example", "Call notes", "Dana wants a demo next week.",
		"Message-ID: <notes-bob@example.com>"))
	if res[0].Outcome != "duplicate" {
		t.Fatalf("the copy is %s, want duplicate", res[0].Outcome)
	}
	st, err := s.IntakeState(ctx, bob, id)
	if err != nil || st.Undo == nil {
		t.Fatalf("IntakeState = %+v, %v", st, err)
	}
	if _, err := s.UndoIntake(ctx, bob, id, st.Undo.ID); !errors.Is(err, view.ErrRefused) {
		t.Errorf("UndoIntake while another item names the email: %v, want refused", err)
	}
	if n := Count(t, s, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails after a refused undo = %d, want 1", n)
	}
	if got := one(t, s, `SELECT outcome FROM intake WHERE id = ?`, id); got != "logged" {
		t.Errorf("row after a refused undo = %s, want logged", got)
	}
}
