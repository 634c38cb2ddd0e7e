package forward

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// stressLimit is a generous bound; the inputs take milliseconds.
const stressLimit = 2 * time.Second

func timeParse(t *testing.T, name, subject, body string) {
	t.Helper()
	start := time.Now()
	Parse(subject, body)
	StripSubjectPrefix(subject)
	if d := time.Since(start); d > stressLimit {
		t.Errorf("%s: Parse took %v, want < %v", name, d, stressLimit)
	} else {
		t.Logf("%s: %v", name, d)
	}
}

func TestNoSuperLinearInput(t *testing.T) {
	const mb1 = 1 << 20
	t.Run("1MB single line", func(t *testing.T) {
		timeParse(t, "words", "", strings.Repeat("word ", mb1/5))
		timeParse(t, "dashes", "", strings.Repeat("-", mb1))
		timeParse(t, "separator then colons", "", "---------- Forwarded message --------- "+strings.Repeat("From:To:a@b<", mb1/12))
		timeParse(t, "label-like", "", strings.Repeat("From: x@y.example <a ", mb1/21))
		timeParse(t, "quotes", "", strings.Repeat("> ", mb1/2)+"x")
		timeParse(t, "subject", strings.Repeat("Fwd: ", mb1/5), "x")
	})
	t.Run("100000 short lines", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i < 100000; i++ {
			switch i % 5 {
			case 0:
				b.WriteString("From: a@b.example\n")
			case 1:
				b.WriteString("To: c@d.example,\n")
			case 2:
				b.WriteString("---------- Forwarded message ---------\n")
			case 3:
				b.WriteString("> On 1/2/2024, x wrote:\n")
			default:
				b.WriteString("\n")
			}
		}
		timeParse(t, "mixed", "Fwd: x", b.String())
		timeParse(t, "cc lines", "", "---------- Forwarded message ---------\n"+strings.Repeat("Cc: a@b.example\n", 100000))
		timeParse(t, "blank", "", strings.Repeat("\n", 100000))
		timeParse(t, "rules", "", strings.Repeat("________________\n", 100000))
	})
	t.Run("10000 To addresses", func(t *testing.T) {
		var to strings.Builder
		for i := 0; i < 10000; i++ {
			fmt.Fprintf(&to, "\"Last%d, First\" <user%d@example.org>, ", i, i)
		}
		body := "---------- Forwarded message ---------\nFrom: A <a@example.org>\nDate: Tue, Mar 5, 2024 at 10:03 AM\nSubject: s\nTo: " + to.String() + "\n\nbody\n"
		start := time.Now()
		fw, ok := Parse("", body)
		if d := time.Since(start); d > stressLimit {
			t.Errorf("Parse took %v", d)
		}
		if !ok || len(fw.Original.To) != 10000 {
			t.Fatalf("got %v with %d To", ok, len(fw.Original.To))
		}
		// Wrapped over 10000 lines.
		wrapped := "---------- Forwarded message ---------\nFrom: A <a@example.org>\nTo: " +
			strings.Repeat("Some Name <someone@example.org>,\n", 10000) + "Subject: s\n\nbody\n"
		timeParse(t, "wrapped", "", wrapped)
		timeParse(t, "name fragments", "", "---------- Forwarded message ---------\nFrom: A <a@example.org>\nTo: "+strings.Repeat("x, ", 10000)+"\n\nbody")
	})
	t.Run("1000 nested quote levels", func(t *testing.T) {
		q := strings.Repeat("> ", 1000)
		body := q + "Begin forwarded message:\n" + q + "\n" + q + "From: A <a@example.org>\n" + q + "Date: 5 March 2024 at 10:03\n" + q + "Subject: s\n" + q + "\n" + strings.Repeat(q+"text\n", 1000)
		start := time.Now()
		fw, ok := Parse("", body)
		if d := time.Since(start); d > stressLimit {
			t.Errorf("Parse took %v", d)
		}
		if !ok || fw.Original.From.Address != "a@example.org" || !strings.HasPrefix(fw.Original.Body, "text\ntext") {
			t.Fatalf("got %v %+v", ok, fw.Original.From)
		}
		var b strings.Builder
		for i := 0; i < 1000; i++ {
			b.WriteString(strings.Repeat(">", i))
			b.WriteString(" On 1/2/2024, x wrote:\n")
		}
		timeParse(t, "deepening", "Fwd: x", b.String())
	})
}
