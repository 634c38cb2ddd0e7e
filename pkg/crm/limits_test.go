package crm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/email"
)

// decideRaw parses and decides raw, failing the test when even the fastest
// of three runs takes longer than a second: these inputs must stay linear
// (they take milliseconds), and a busy machine must not fail the test.
func decideRaw(t *testing.T, raw string) Decision {
	t.Helper()
	rules := testRules(t, nil)
	var d Decision
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		m, err := email.Parse(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		d = rules.Decide(m)
		best = min(best, time.Since(start))
		if best < time.Second {
			break
		}
	}
	if best > time.Second {
		t.Errorf("parse and decide took %v, want well under a second", best)
	}
	return d
}

func TestHugeSingleLineBody(t *testing.T) {
	raw := "From: alice@example.com\r\nTo: log@crm.example.com\r\nSubject: Fwd: big\r\n\r\n" + strings.Repeat("From: x ", 1<<20/8)
	d := decideRaw(t, raw)
	if d.Kind != KindRejected {
		t.Errorf("Kind = %s, want a rejection for a body with no forwarded block", d.Kind)
	}
}

func TestTenThousandRecipients(t *testing.T) {
	var to strings.Builder
	for i := range 10000 {
		if i > 0 {
			to.WriteString(",\r\n ")
		}
		fmt.Fprintf(&to, "Person %d <p%d@prospect%d.example>", i, i, i%97)
	}
	raw := "From: alice@example.com\r\nBcc: log@crm.example.com\r\nTo: " + to.String() + "\r\nSubject: launch\r\n\r\nhello\r\n"
	d := decideRaw(t, raw)
	if d.Kind != KindBCC || len(d.LogTo) != 10000 {
		t.Errorf("Decide = %s with %d contacts, want bcc on 10000", d.Kind, len(d.LogTo))
	}
}

func TestFiveHundredNestedMultiparts(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < 500; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	b.WriteString("--b499\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n")
	for i := 499; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	d := decideRaw(t, b.String())
	if d.Kind != KindBCC {
		t.Errorf("Kind = %s (%s), want bcc: nesting is a soft problem", d.Kind, d.Detail)
	}
}
