package notice

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/email"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

var now = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

func testNotice() Notice {
	return Notice{
		Reason:     "forward_unparseable",
		To:         email.Address{Name: "Alice Rossi", Address: "alice@example.com"},
		User:       "alice@example.com",
		From:       "Poller <poller@example.com>",
		Subject:    "Fwd: Quote for ACME",
		MessageID:  "orig-1@mail.example.com",
		References: []string{"thread-0@mail.example.com"},
		Date:       time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("", 3600)),
		Detail:     "the subject says forward but no forwarded message was found in the body",
		What:       "It was a forward, but the forwarded message in it could not be found.",
		Fix:        "Forward it again with your mail program's Forward button.",
		BaseURL:    "https://crm.example.com",
		IntakeID:   42,
		NoticeID:   "poller-notice.test1@example.com",
	}
}

// headerSection is the raw header of msg, one string per physical line.
func headerSection(t *testing.T, msg []byte) []string {
	t.Helper()
	head, _, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no blank line after the header in %q", msg)
	}
	return strings.Split(string(head), "\r\n")
}

// checkWellFormed checks CRLF line ends, line lengths and that every header
// line starts a known field or continues one.
func checkWellFormed(t *testing.T, msg []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(msg, []byte("\r\n"), nil), []byte("\n")) ||
		bytes.Contains(bytes.ReplaceAll(msg, []byte("\r\n"), nil), []byte("\r")) {
		t.Errorf("message has a bare CR or LF:\n%s", msg)
	}
	known := regexp.MustCompile(`^(From|To|Subject|Date|Message-ID|In-Reply-To|References|Auto-Submitted|X-Auto-Response-Suppress|MIME-Version|Content-Type|Content-Transfer-Encoding): `)
	for _, line := range headerSection(t, msg) {
		if len(line) > 78 && !strings.HasPrefix(line, " <") {
			t.Errorf("header line of %d bytes: %q", len(line), line)
		}
		if !known.MatchString(line) && !strings.HasPrefix(line, " ") {
			t.Errorf("unexpected header line %q", line)
		}
	}
	for _, line := range strings.Split(string(msg), "\r\n") {
		if len(line) > 76 && !strings.HasPrefix(line, "References") {
			t.Errorf("line of %d bytes: %q", len(line), line)
		}
	}
}

func TestCompose(t *testing.T) {
	msg, err := Compose(testNotice(), now)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	checkWellFormed(t, msg)
	m, err := email.Parse(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("email.Parse(Compose): %v", err)
	}
	for _, c := range []struct{ field, got, want string }{
		{"Subject", m.Subject, "Not logged: Fwd: Quote for ACME"},
		{"From", m.From[0].Address, "poller@example.com"},
		{"From name", m.From[0].Name, "Poller"},
		{"To", m.To[0].Address, "alice@example.com"},
		{"Message-ID", m.MessageID, "poller-notice.test1@example.com"},
		{"In-Reply-To", strings.Join(m.InReplyTo, " "), "orig-1@mail.example.com"},
		{"References", strings.Join(m.References, " "), "thread-0@mail.example.com orig-1@mail.example.com"},
		{"Auto-Submitted", m.Header.Get("Auto-Submitted"), "auto-replied"},
		{"X-Auto-Response-Suppress", m.Header.Get("X-Auto-Response-Suppress"), "All"},
		{"Precedence", m.Header.Get("Precedence"), ""},
		{"Content-Type", m.Header.Get("Content-Type"), "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", m.Header.Get("Content-Transfer-Encoding"), "quoted-printable"},
		{"Date", m.Date.UTC().String(), now.String()},
	} {
		if c.got != c.want {
			t.Errorf("Compose: %s = %q, want %q", c.field, c.got, c.want)
		}
	}
	for _, want := range []string{"was not logged", "What happened: It was a forward", "Why: the subject says forward",
		"How to fix it: Forward it again", "https://crm.example.com/intake/42", "Subject: Fwd: Quote for ACME"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("Compose body lacks %q:\n%s", want, m.Text)
		}
	}
	golden(t, "notice.golden.eml", msg)
}

func TestComposeHostileSubject(t *testing.T) {
	n := testNotice()
	n.Subject = "Offer\r\nBcc: victim@evil.example\r\n\r\nbody? Ünïcödé 日本語 \x00\u202e" + strings.Repeat(" long words here", 30)
	n.To.Name = "Eve\r\nBcc: x@evil.example"
	msg, err := Compose(n, now)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	checkWellFormed(t, msg)
	subjects := 0
	for _, line := range headerSection(t, msg) {
		if strings.HasPrefix(line, "Subject:") {
			subjects++
		}
		if strings.HasPrefix(strings.ToLower(line), "bcc") {
			t.Errorf("injected header line %q", line)
		}
	}
	if subjects != 1 {
		t.Errorf("Compose wrote %d Subject lines, want 1", subjects)
	}
	if !bytes.Contains(msg, []byte("=?utf-8?q?")) {
		t.Errorf("Compose did not encode the non-ASCII subject as RFC 2047:\n%s", msg)
	}
	m, err := email.Parse(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("email.Parse(Compose): %v", err)
	}
	if want := "Not logged: Offer Bcc: victim@evil.example body? Ünïcödé 日本語"; !strings.HasPrefix(m.Subject, want) {
		t.Errorf("Subject = %q, want it to start with %q", m.Subject, want)
	}
	if !strings.HasSuffix(m.Subject, "…") {
		t.Errorf("Subject = %q, want it cut short with …", m.Subject)
	}
	if len(m.Bcc) != 0 || len(m.To) != 1 || m.To[0].Address != "alice@example.com" {
		t.Errorf("parsed To %v Bcc %v, want only alice@example.com", m.To, m.Bcc)
	}
	if m.InReplyTo[0] != "orig-1@mail.example.com" {
		t.Errorf("In-Reply-To = %q, want orig-1@mail.example.com", m.InReplyTo)
	}
}

func TestComposeEncodedWordLookalike(t *testing.T) {
	n := testNotice()
	n.Subject = "=?utf-8?q?fake?="
	msg, err := Compose(n, now)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	m, _ := email.Parse(bytes.NewReader(msg))
	if want := "Not logged: =?utf-8?q?fake?="; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
}

func TestComposeReferences(t *testing.T) {
	n := testNotice()
	n.References = nil
	for i := 0; i < 30; i++ {
		n.References = append(n.References, "ref-"+string(rune('a'+i%26))+strings.Repeat("x", i)+"@example.com")
	}
	n.References = append(n.References, "bad id@example.com", "no-at-sign")
	msg, err := Compose(n, now)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	m, _ := email.Parse(bytes.NewReader(msg))
	if len(m.References) != maxReferences {
		t.Fatalf("References has %d ids, want %d: %q", len(m.References), maxReferences, m.References)
	}
	if m.References[0] != n.References[0] || m.References[maxReferences-1] != n.MessageID || m.References[maxReferences-2] != n.References[29] {
		t.Errorf("References = %q, want the first, the latest and the original's Message-ID last", m.References)
	}
}

func TestComposeWithoutOriginalID(t *testing.T) {
	n := testNotice()
	n.MessageID, n.References, n.NoticeID, n.BaseURL = "", nil, "", ""
	msg, err := Compose(n, now)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	checkWellFormed(t, msg)
	m, _ := email.Parse(bytes.NewReader(msg))
	if len(m.InReplyTo) != 0 || len(m.References) != 0 {
		t.Errorf("In-Reply-To %q References %q, want none", m.InReplyTo, m.References)
	}
	if !isNoticeID(m.MessageID) || !strings.HasSuffix(m.MessageID, "@example.com") {
		t.Errorf("Message-ID = %q, want a fresh poller-notice.…@example.com", m.MessageID)
	}
	if strings.Contains(m.Text, "https://") {
		t.Errorf("body has a link without a BaseURL:\n%s", m.Text)
	}
	if a, b := NewMessageID(n.From), NewMessageID(n.From); a == b {
		t.Errorf("NewMessageID twice = %q, want two different ids", a)
	}
}

func TestComposeAttachmentDropped(t *testing.T) {
	n := testNotice()
	n.Reason, n.Dropped, n.EmailID, n.Subject = ReasonAttachmentDropped, []string{"big.zip"}, 7, "Höhe"
	msg, err := Compose(n, now)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	m, _ := email.Parse(bytes.NewReader(msg))
	if want := "Logged without an attachment: Höhe"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	for _, want := range []string{"  - big.zip", "https://crm.example.com/emails/7"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestComposeBadAddress(t *testing.T) {
	for _, edit := range []func(*Notice){
		func(n *Notice) { n.To.Address = "alice@example.com\r\nBcc: x@y" },
		func(n *Notice) { n.To.Address = "" },
		func(n *Notice) { n.From = "not an address" },
	} {
		n := testNotice()
		edit(&n)
		if _, err := Compose(n, now); err == nil {
			t.Errorf("Compose(To %q, From %q) = nil error, want one", n.To.Address, n.From)
		}
	}
}

func TestComposeDigest(t *testing.T) {
	cfg := testConfig()
	logged := []DigestItem{{ID: 3, Subject: "Quote", Who: "carl@client.example", Date: now.Add(-time.Hour)}}
	notLogged := []DigestItem{{ID: 9, Subject: "Fwd: lost", Reason: "forward_unparseable"}}
	msg, err := cfg.ComposeDigest("alice@example.com", logged, notLogged, now)
	if err != nil {
		t.Fatalf("ComposeDigest: %v", err)
	}
	checkWellFormed(t, msg)
	m, err := email.Parse(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("email.Parse(ComposeDigest): %v", err)
	}
	if want := "Poller digest for 1 Dec 2026: 1 logged, 1 not logged"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if got := m.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q, want auto-generated", got)
	}
	for _, want := range []string{"Quote (carl@client.example)", "https://crm.example.com/emails/3",
		"Fwd: lost", "https://crm.example.com/intake/9", "forwarded message in it could not be found"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("digest lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestLimiter(t *testing.T) {
	var sent []time.Time
	for i := 0; i < 3; i++ {
		sent = append(sent, now.Add(-time.Duration(i*10)*time.Minute))
	}
	old := now.Add(-61 * time.Minute)
	tests := []struct {
		max  int
		sent []time.Time
		want bool
	}{
		{3, sent, false},
		{4, sent, true},
		{3, append(sent[:2:2], old), true},
		{0, sent, true},
	}
	for _, tt := range tests {
		if got := (Limiter{MaxPerHour: tt.max}).Allow(tt.sent, now); got != tt.want {
			t.Errorf("Limiter{%d}.Allow(%d sent) = %v, want %v", tt.max, len(tt.sent), got, tt.want)
		}
	}
	if Allowed(DefaultMaxPerHour, 0) || !Allowed(DefaultMaxPerHour-1, 0) {
		t.Errorf("Allowed with the default limit is off by one")
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Compose differs from %s (go test -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
