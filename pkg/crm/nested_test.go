package crm

import "testing"

func TestNestedForwardKeepsTheMiddleForwardersText(t *testing.T) {
	body := "Logging this one.\n\n---------- Forwarded message ---------\nFrom: Alice Rossi <alice@example.com>\nDate: Wed, Mar 4, 2026 at 9:02 AM\nSubject: Fwd: Visit\nTo: Bob Marsh <bob@example.com>\n\n" +
		"Bob, this one is yours.\n\n---------- Forwarded message ---------\nFrom: Carlos <carlos@portolog.example>\nDate: Tue, Mar 3, 2026 at 6:47 PM\nSubject: Visit\nTo: Alice Rossi <alice@example.com>\n\nWelcome to Porto.\n"
	d := testRules(t, nil).Decide(msg(t, []string{"From: bob@example.com", "To: log@crm.example.com", "Subject: Fwd: Fwd: Visit"}, body))
	if d.Kind != KindForward || d.LogTo[0].Address != "carlos@portolog.example" {
		t.Fatalf("Decide = %s %+v, want a forward on carlos@portolog.example", d.Kind, d.LogTo)
	}
	want := "Logging this one.\n\nalice@example.com wrote:\nBob, this one is yours."
	if d.Note != want {
		t.Errorf("Note = %q, want %q", d.Note, want)
	}
	if d.Body != "Welcome to Porto." {
		t.Errorf("Body = %q", d.Body)
	}
}
