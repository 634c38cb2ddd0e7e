package crm

import (
	"testing"

	"github.com/poller-crm/poller/pkg/email"
)

func TestDecideOn(t *testing.T) {
	r := testRules(t, nil)
	bob := r.UserFor("bob@example.com")
	forward := msg(t, []string{"From: Leo <leo@example.com>", "To: log@crm.example.com", "Subject: Fwd: Pricing"},
		"Dana asks.\n\n---------- Forwarded message ---------\nFrom: Dana Smith <dana@prospect.example>\n"+
			"Date: Tue, Mar 3, 2026 at 10:00 AM\nSubject: Pricing\nTo: Leo <leo@example.com>\n\nWhat does it cost?\n")
	plain := msg(t, []string{"From: Bob <bob@example.com>", "To: log@crm.example.com", "Subject: Call notes"},
		"Dana wants a demo.")
	for _, tc := range []struct {
		name    string
		m       *email.Message
		kind    Kind
		subject string
	}{
		{"a forward logs its original", forward, KindForward, "Pricing"},
		{"anything else logs itself", plain, KindBCC, "Call notes"},
	} {
		d, err := r.DecideOn(tc.m, bob, Contact{Address: " Pat@Prospect.example ", Name: "Pat"})
		if err != nil {
			t.Fatalf("%s: DecideOn: %v", tc.name, err)
		}
		if d.Kind != tc.kind || d.Subject != tc.subject || d.User != bob || len(d.LogTo) != 1 ||
			d.LogTo[0] != (Contact{Address: "pat@prospect.example", Name: "Pat"}) || len(d.More) != 0 {
			t.Errorf("%s: DecideOn = %s %q for %v on %v, want %s %q for bob on pat@prospect.example", tc.name, d.Kind, d.Subject, d.User, d.LogTo, tc.kind, tc.subject)
		}
	}
	for _, addr := range []string{"", "pat", "Pat <pat@prospect.example>", "alice@example.com", "someone@example.com",
		"log@crm.example.com", "noreply@vendor.example", "x@bank.example", "mailer-daemon@prospect.example", "no-reply@prospect.example"} {
		if _, err := r.DecideOn(plain, bob, Contact{Address: addr}); err == nil {
			t.Errorf("DecideOn(contact %q) succeeded, want refused", addr)
		}
	}
	if _, err := r.DecideOn(plain, nil, Contact{Address: "pat@prospect.example"}); err == nil {
		t.Error("DecideOn without a user succeeded")
	}
}
