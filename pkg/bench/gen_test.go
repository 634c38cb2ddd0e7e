package bench

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/email"
)

func TestGenerateIsDeterministic(t *testing.T) {
	for _, set := range Sets {
		for _, i := range []int{0, 1, 17, 4999} {
			a, b := Generate(set, 1, i), Generate(set, 1, i)
			if !bytes.Equal(a.Raw, b.Raw) || a.MessageID != b.MessageID {
				t.Errorf("%s %d: two calls gave different messages", set, i)
			}
		}
		// Made alone or in a run, message 3 is the same.
		if run := Messages(set, 1, 4); !bytes.Equal(run[3].Raw, Generate(set, 1, 3).Raw) {
			t.Errorf("%s: message 3 depends on what was generated before it", set)
		}
		if bytes.Equal(Generate(set, 1, 5).Raw, Generate(set, 2, 5).Raw) {
			t.Errorf("%s: seeds 1 and 2 gave the same message 5", set)
		}
	}
}

func TestGenerateIsDistinct(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 1000
	}
	for _, set := range Sets {
		m := n
		if set == Large {
			m = 200
		}
		ids, sums := map[string]int{}, map[[32]byte]int{}
		for i := range m {
			msg := Generate(set, 1, i)
			if j, dup := ids[msg.MessageID]; dup {
				t.Fatalf("%s: messages %d and %d share Message-ID %s", set, j, i, msg.MessageID)
			}
			ids[msg.MessageID] = i
			sum := sha256.Sum256(msg.Raw)
			if j, dup := sums[sum]; dup {
				t.Fatalf("%s: messages %d and %d are identical", set, j, i)
			}
			sums[sum] = i
		}
	}
}

// TestGeneratedMailIsLoggedAsDescribed parses every message with the
// repo's parser and decides it with the standard rules: each is logged, as
// the kind, on the contacts and credited to the user that Message says.
func TestGeneratedMailIsLoggedAsDescribed(t *testing.T) {
	rules := crmtest.Rules(t)
	n := map[Set]int{Small: 5000, Large: 60}
	if testing.Short() {
		n = map[Set]int{Small: 600, Large: 10}
	}
	for _, set := range Sets {
		styles := map[Style]int{}
		var total, attached, html int
		for i := range n[set] {
			msg := Generate(set, 1, i)
			m, err := email.Parse(bytes.NewReader(msg.Raw))
			if err != nil {
				t.Fatalf("%s %d: parse: %v\n%s", set, i, err, head(msg.Raw))
			}
			d := rules.Decide(m)
			if d.Rejected() {
				t.Fatalf("%s %d (%s): rejected %s: %s\n%s", set, i, msg.Style, d.Reason, d.Detail, head(msg.Raw))
			}
			var logTo []string
			for _, c := range d.LogTo {
				logTo = append(logTo, c.Address)
			}
			if d.Kind != msg.Kind || d.User == nil || d.User.Email != msg.User || !slices.Equal(logTo, msg.LogTo) || len(d.More) > 0 {
				t.Fatalf("%s %d (%s): decided %s by %v on %v, want %s by %s on %v\n%s",
					set, i, msg.Style, d.Kind, d.User, logTo, msg.Kind, msg.User, msg.LogTo, head(msg.Raw))
			}
			if len(m.Attachments) != msg.Attachments {
				t.Fatalf("%s %d: %d attachments parsed, want %d", set, i, len(m.Attachments), msg.Attachments)
			}
			if !strings.Contains(d.Body, "Our reference is") {
				t.Fatalf("%s %d: the logged body lost the letter: %q", set, i, d.Body)
			}
			styles[msg.Style]++
			total += len(msg.Raw)
			if msg.Attachments > 0 {
				attached++
			}
			if m.HTML != "" {
				html++
			}
		}
		avg := float64(total) / float64(n[set])
		t.Logf("%s: %d messages, average %.0f bytes, %v, %d with attachments, %d with HTML", set, n[set], avg, styles, attached, html)
		if styles[StyleBCC] == 0 || styles[StyleGmailForward] == 0 || styles[StyleOutlookForward] == 0 {
			t.Errorf("%s: not every style is there: %v", set, styles)
		}
		switch {
		case set == Small && (avg < 3000 || avg > 3800):
			t.Errorf("small messages average %.0f bytes, want about 3,400", avg)
		case set == Large && (avg < 1.4e6 || avg > 1.6e6):
			t.Errorf("large messages average %.0f bytes, want about 1.5 MB", avg)
		}
		if set == Small && (attached == 0 || html == 0 || html == n[set]) {
			t.Errorf("small: %d with attachments, %d with HTML of %d: want some of each, and some plain only", attached, html, n[set])
		}
		if set == Large && attached != n[set] {
			t.Errorf("large: %d of %d messages carry the PDF", attached, n[set])
		}
	}
}

func TestGenerateKinds(t *testing.T) {
	kinds := map[crm.Kind]int{}
	for i := range 1000 {
		kinds[Generate(Small, 1, i).Kind]++
	}
	if kinds[crm.KindBCC] < 600 || kinds[crm.KindForward] < 200 {
		t.Errorf("kinds %v, want about 70%% bcc and 30%% forwards", kinds)
	}
}

func head(raw []byte) string {
	if len(raw) > 3000 {
		raw = raw[:3000]
	}
	return string(raw)
}
