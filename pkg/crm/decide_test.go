package crm

import (
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/email"
)

func testConfig() Config {
	return Config{
		LogAddresses:    []string{"log@crm.example.com"},
		InternalDomains: []string{"example.com"},
		NeverLog:        []string{"noreply@vendor.example", "bank.example"},
		Users: []User{
			{Email: "alice@example.com", Name: "Alice Rossi", Aliases: []string{"a.rossi@example.com", "alice.private@gmail.com"}},
			{Email: "bob@example.com", Name: "Bob Marsh"},
			{Email: "chiara@labs.example", Name: "Chiara Neri"},
		},
		TeamInboxes: []TeamInbox{{Email: "sales@example.com", ConnectedBy: "alice@example.com"}},
		Auth:        AuthCheck{TrustedAuthservID: "mx.example.com"},
	}
}

func testRules(t *testing.T, edit func(*Config)) *Rules {
	t.Helper()
	c := testConfig()
	if edit != nil {
		edit(&c)
	}
	r, err := NewRules(c)
	if err != nil {
		t.Fatalf("NewRules: %v", err)
	}
	return r
}

// msg builds a message from header lines and a body.
func msg(t *testing.T, headers []string, body string) *email.Message {
	t.Helper()
	raw := strings.Join(headers, "\r\n") + "\r\n\r\n" + body
	m, err := email.Parse(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

func TestDecide(t *testing.T) {
	gmailBlock := "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Dana Smith <dana@prospect.example>\nDate: Tue, Mar 3, 2026 at 10:12 AM\nSubject: Pricing question\nTo: Alice Rossi <alice@example.com>\n\nWhat would 50 seats cost?\n"
	tests := []struct {
		name       string
		edit       func(*Config)
		headers    []string
		body       string
		wantKind   Kind
		wantReason Reason
		wantUser   string
		wantLogTo  string // comma-separated
	}{
		{
			name:     "bcc to one prospect",
			headers:  []string{"From: Alice <alice@example.com>", "To: Dana <dana@prospect.example>", "Bcc: log@crm.example.com", "Subject: Hello"},
			wantKind: KindBCC, wantUser: "alice@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:     "log address only in Delivered-To, internal cc skipped, mixed case merged",
			headers:  []string{"Delivered-To: log@crm.example.com", "From: alice@example.com", "To: Dana@Prospect.example, eve@other.example", "Cc: bob@example.com, dana@prospect.example", "Subject: x"},
			wantKind: KindBCC, wantUser: "alice@example.com", wantLogTo: "dana@prospect.example,eve@other.example",
		},
		{
			name:     "log address only in X-Original-To, plus tag",
			headers:  []string{"X-Original-To: log+acme@crm.example.com", "From: bob@example.com", "To: dana@prospect.example", "Subject: x"},
			wantKind: KindBCC, wantUser: "bob@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:     "log address only in X-Delivered-To",
			headers:  []string{"X-Delivered-To: LOG@crm.example.com", "From: bob@example.com", "To: dana@prospect.example", "Subject: x"},
			wantKind: KindBCC, wantUser: "bob@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:     "log address only in Received for clause",
			headers:  []string{"Received: from mail.example.com by mx.crm.example.com with ESMTPS id 1x for <log@crm.example.com>; Tue, 3 Mar 2026 10:00:00 +0100", "From: bob@example.com", "To: dana@prospect.example", "Subject: x"},
			wantKind: KindBCC, wantUser: "bob@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:     "alias credits its user",
			headers:  []string{"From: A. Rossi <A.Rossi@example.com>", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			wantKind: KindBCC, wantUser: "alice@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:     "free-mail alias credits its user; the provider stays external",
			headers:  []string{"From: alice.private@gmail.com", "To: friend@gmail.com", "Bcc: log@crm.example.com"},
			wantKind: KindBCC, wantUser: "alice@example.com", wantLogTo: "friend@gmail.com",
		},
		{
			name:     "team inbox credits the user who connected it",
			headers:  []string{"From: Sales <sales@example.com>", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			wantKind: KindBCC, wantUser: "alice@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:     "never-log recipient skipped, the other logged",
			headers:  []string{"From: alice@example.com", "To: dana@prospect.example, statements@bank.example", "Cc: noreply@vendor.example", "Bcc: log@crm.example.com"},
			wantKind: KindBCC, wantUser: "alice@example.com", wantLogTo: "dana@prospect.example",
		},
		{
			name:       "only never-log recipients",
			headers:    []string{"From: alice@example.com", "To: statements@sub.bank.example", "Bcc: log@crm.example.com"},
			wantKind:   KindRejected,
			wantReason: ReasonNeverLog,
		},
		{
			name:       "not addressed",
			headers:    []string{"From: alice@example.com", "To: dana@prospect.example", "Delivered-To: alice@example.com"},
			wantKind:   KindRejected,
			wantReason: ReasonNotAddressed,
		},
		{
			name:       "out of office",
			headers:    []string{"From: alice@example.com", "To: log@crm.example.com", "Auto-Submitted: auto-replied", "Subject: Out of office"},
			wantKind:   KindRejected,
			wantReason: ReasonAutoGenerated,
		},
		{
			name:      "Auto-Submitted: no is a person",
			headers:   []string{"From: alice@example.com", "To: dana@prospect.example", "Bcc: log@crm.example.com", "Auto-Submitted: no"},
			wantKind:  KindBCC,
			wantUser:  "alice@example.com",
			wantLogTo: "dana@prospect.example",
		},
		{
			name:       "bulk precedence",
			headers:    []string{"From: alice@example.com", "To: list@prospect.example", "Bcc: log@crm.example.com", "Precedence: bulk"},
			wantKind:   KindRejected,
			wantReason: ReasonAutoGenerated,
		},
		{
			name:       "delivery report",
			headers:    []string{"From: MAILER-DAEMON@example.com", "To: log@crm.example.com", "Content-Type: multipart/report; report-type=delivery-status; boundary=b"},
			body:       "--b\r\nContent-Type: text/plain\r\n\r\nundeliverable\r\n--b--\r\n",
			wantKind:   KindRejected,
			wantReason: ReasonAutoGenerated,
		},
		{
			name:       "prospect writes to the log address",
			headers:    []string{"From: dana@prospect.example", "To: log@crm.example.com", "Subject: hi"},
			wantKind:   KindRejected,
			wantReason: ReasonSenderNotUser,
		},
		{
			name:       "trusted dmarc fail is spoofed",
			headers:    []string{"Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from=example.com", "From: alice@example.com", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			wantKind:   KindRejected,
			wantReason: ReasonSpoofed,
		},
		{
			name:      "untrusted authserv-id is ignored",
			headers:   []string{"Authentication-Results: evil.example; dmarc=fail", "From: alice@example.com", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			wantKind:  KindBCC,
			wantUser:  "alice@example.com",
			wantLogTo: "dana@prospect.example",
		},
		{
			name:       "require_pass without a trusted header is spoofed",
			edit:       func(c *Config) { c.Auth.RequirePass = true },
			headers:    []string{"From: alice@example.com", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			wantKind:   KindRejected,
			wantReason: ReasonSpoofed,
		},
		{
			name:      "require_pass with aligned dkim pass",
			edit:      func(c *Config) { c.Auth.RequirePass = true },
			headers:   []string{"Authentication-Results: mx.example.com (v=1); dkim=pass (good sig) header.d=mail.example.com; spf=softfail smtp.mailfrom=relay.example", "From: alice@example.com", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			wantKind:  KindBCC,
			wantUser:  "alice@example.com",
			wantLogTo: "dana@prospect.example",
		},
		{
			name:       "too large",
			edit:       func(c *Config) { c.MaxMessageSize = 100 },
			headers:    []string{"From: alice@example.com", "To: dana@prospect.example", "Bcc: log@crm.example.com"},
			body:       strings.Repeat("x", 200),
			wantKind:   KindRejected,
			wantReason: ReasonTooLarge,
		},
		{
			name:       "colleagues only",
			headers:    []string{"From: alice@example.com", "To: bob@example.com", "Bcc: log@crm.example.com", "Subject: lunch"},
			wantKind:   KindRejected,
			wantReason: ReasonNoRecipients,
		},
		{
			name:       "forward subject without a block",
			headers:    []string{"From: alice@example.com", "To: bob@example.com", "Bcc: log@crm.example.com", "Subject: Fwd: pricing"},
			body:       "Dana asked about pricing, see what she wrote.",
			wantKind:   KindRejected,
			wantReason: ReasonForwardUnparseable,
		},
		{
			name:       "log address alone in To without a block",
			headers:    []string{"From: alice@example.com", "To: log@crm.example.com", "Subject: pricing"},
			body:       "Dana asked about pricing.",
			wantKind:   KindRejected,
			wantReason: ReasonForwardUnparseable,
		},
		{
			name:      "inline gmail forward",
			headers:   []string{"From: Alice <alice@example.com>", "To: log@crm.example.com", "Subject: Fwd: Pricing question", "Date: Tue, 3 Mar 2026 11:00:00 +0100"},
			body:      gmailBlock,
			wantKind:  KindForward,
			wantUser:  "alice@example.com",
			wantLogTo: "dana@prospect.example",
		},
		{
			name:       "forward with a never-log sender",
			headers:    []string{"From: Alice <alice@example.com>", "To: log@crm.example.com", "Subject: Fwd: statement"},
			body:       "---------- Forwarded message ---------\nFrom: Bank <alerts@bank.example>\nDate: Tue, Mar 3, 2026 at 10:12 AM\nSubject: statement\nTo: alice@example.com\n\nYour statement.\n",
			wantKind:   KindRejected,
			wantReason: ReasonNeverLog,
		},
		{
			name:      "forward of a user's own sent mail is bcc",
			headers:   []string{"From: bob@example.com", "To: log@crm.example.com", "Subject: Fwd: proposal"},
			body:      "---------- Forwarded message ---------\nFrom: Bob Marsh <bob@example.com>\nDate: Tue, Mar 3, 2026 at 10:12 AM\nSubject: proposal\nTo: Dana Smith <dana@prospect.example>, Alice <alice@example.com>\nCc: eve@other.example\n\nHere is the proposal.\n",
			wantKind:  KindBCC,
			wantUser:  "bob@example.com",
			wantLogTo: "dana@prospect.example,eve@other.example",
		},
		{
			name:    "forward as attachment",
			headers: []string{"From: alice@example.com", "To: log@crm.example.com", "Subject: Fwd: quote", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b"},
			body: "--b\r\nContent-Type: text/plain\r\n\r\nplease log\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" +
				"From: Dana <dana@prospect.example>\r\nTo: alice@example.com\r\nSubject: quote\r\nMessage-ID: <q1@prospect.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 -0500\r\n\r\nSend me a quote.\r\n--b--\r\n",
			wantKind:  KindForward,
			wantUser:  "alice@example.com",
			wantLogTo: "dana@prospect.example",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testRules(t, tt.edit).Decide(msg(t, tt.headers, tt.body))
			if d.Kind != tt.wantKind || d.Reason != tt.wantReason {
				t.Fatalf("Decide = %s/%s (%s), want %s/%s", d.Kind, d.Reason, d.Detail, tt.wantKind, tt.wantReason)
			}
			if d.Rejected() {
				if d.Detail == "" {
					t.Errorf("rejection %s has no Detail", d.Reason)
				}
				return
			}
			if d.User == nil || d.User.Email != tt.wantUser {
				t.Errorf("User = %+v, want %s", d.User, tt.wantUser)
			}
			var got []string
			for _, c := range d.LogTo {
				got = append(got, c.Address)
			}
			if strings.Join(got, ",") != tt.wantLogTo {
				t.Errorf("LogTo = %v, want %s", got, tt.wantLogTo)
			}
		})
	}
}

func TestDecideForwardDetails(t *testing.T) {
	r := testRules(t, nil)
	m := msg(t, []string{"From: Alice <alice@example.com>", "To: log@crm.example.com", "Subject: Fwd: Pricing question", "Date: Tue, 3 Mar 2026 11:00:00 +0100"},
		"FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Dana Smith <dana@prospect.example>\nDate: Tue, Mar 3, 2026 at 10:12 AM\nSubject: Pricing question\nTo: Alice Rossi <alice@example.com>\n\nWhat would 50 seats cost?\n")
	d := r.Decide(m)
	if d.Kind != KindForward {
		t.Fatalf("Kind = %s (%s %s), want forward", d.Kind, d.Reason, d.Detail)
	}
	if d.Note != "FYI, see below." {
		t.Errorf("Note = %q", d.Note)
	}
	if d.Body != "What would 50 seats cost?" {
		t.Errorf("Body = %q", d.Body)
	}
	if d.LogTo[0].Name != "Dana Smith" {
		t.Errorf("contact name = %q", d.LogTo[0].Name)
	}
	// The block states no offset: the forwarding message's own (+01:00) applies.
	if got := d.Original.Date.Format("2006-01-02T15:04:05Z07:00"); got != "2026-03-03T10:12:00+01:00" {
		t.Errorf("Original.Date = %s, want 2026-03-03T10:12:00+01:00", got)
	}
}

func TestDecideNestedForwardTakesExternalSender(t *testing.T) {
	r := testRules(t, nil)
	body := "---------- Forwarded message ---------\nFrom: Bob Marsh <bob@example.com>\nDate: Tue, Mar 3, 2026 at 11:00 AM\nSubject: Fwd: Pricing\nTo: Alice <alice@example.com>\n\nAlice, can you take this?\n\n---------- Forwarded message ---------\nFrom: Dana Smith <dana@prospect.example>\nDate: Tue, Mar 3, 2026 at 10:12 AM\nSubject: Pricing\nTo: Bob <bob@example.com>\n\nWhat would 50 seats cost?\n"
	d := r.Decide(msg(t, []string{"From: alice@example.com", "To: log@crm.example.com", "Subject: Fwd: Fwd: Pricing"}, body))
	if d.Kind != KindForward || len(d.LogTo) != 1 || d.LogTo[0].Address != "dana@prospect.example" {
		t.Fatalf("Decide = %s %+v (%s), want forward on dana@prospect.example", d.Kind, d.LogTo, d.Detail)
	}
	if d.User.Email != "alice@example.com" {
		t.Errorf("User = %s, want the forwarder alice@example.com", d.User.Email)
	}
}

func TestNewRulesRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no log address", func(c *Config) { c.LogAddresses = nil }, "log_addresses"},
		{"bad log address", func(c *Config) { c.LogAddresses = []string{"Log <log@x>"} }, "log_addresses[0]"},
		{"team inbox of nobody", func(c *Config) { c.TeamInboxes[0].ConnectedBy = "zed@example.com" }, "team_inboxes[0].connected_by"},
		{"alias of two users", func(c *Config) { c.Users[1].Aliases = []string{"a.rossi@example.com"} }, "users[1].aliases[0]"},
		{"duplicate user", func(c *Config) { c.Users[1].Email = "ALICE@example.com" }, "users[1].email"},
		{"no users", func(c *Config) { c.Users = nil; c.TeamInboxes = nil }, "users"},
	}
	for _, tt := range tests {
		c := testConfig()
		tt.edit(&c)
		_, err := NewRules(c)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: NewRules error = %v, want one naming %s", tt.name, err, tt.want)
		}
	}
}

func TestIsFreeMail(t *testing.T) {
	for d, want := range map[string]bool{
		"gmail.com": true, "hotmail.co.uk": true, "yahoo.co.jp": true, "gmx.de": true,
		"GMAIL.COM": true, "prospect.example": false, "yahoo.example.org": false, "hotmail-sales.com": false,
	} {
		if got := IsFreeMail(d); got != want {
			t.Errorf("IsFreeMail(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestReceivedFor(t *testing.T) {
	tests := map[string]string{
		"from a by b with ESMTP id X for <log@crm.example.com>; Tue, 3 Mar 2026": "log@crm.example.com",
		"from a by b for log@crm.example.com; date":                              "log@crm.example.com",
		"from transform.example by b; date":                                      "",
		// Bytes that strings.ToLower would widen must not shift the clause.
		"from \xff\xff\xff\xff by İİİİ FOR <log@crm.example.com>; date": "log@crm.example.com",
		"\x80\x80\x80\x80\x80\x80\x80\x80 for x":                        "",
	}
	for in, want := range tests {
		got, _ := receivedFor(in)
		if got != want {
			t.Errorf("receivedFor(%q) = %q, want %q", in, got, want)
		}
	}
}
