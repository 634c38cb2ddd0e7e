package forward

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The peer corpus (crisp-oss/email-forward-parser fixtures in a neutral
// layout) lives outside the module, in ../shared/corpus/peer next to the
// module root. Its README defines the matching rules implemented here.

// minPeerPass is the number of the 206 peer cases that must pass.
const minPeerPass = 200

type peerCase struct {
	id       string
	subject  string
	body     string
	expected peerExpected
}

type peerExpected struct {
	Forwarded bool            `json:"forwarded"`
	Message   json.RawMessage `json:"message"` // absent, null or a string
	Email     *peerEmail      `json:"email"`
}

type peerEmail struct {
	Subject *string         `json:"subject"`
	Body    *string         `json:"body"`
	Date    *peerDate       `json:"date"`
	From    *peerMailbox    `json:"from"`
	To      *peerMailboxSet `json:"to"`
	Cc      *peerMailboxSet `json:"cc"`
}

type peerDate struct {
	Match     string `json:"match"`
	MinLength int    `json:"min_length"`
}

// peerMailbox keeps the raw keys: an absent key is not asserted, null means
// "none".
type peerMailbox map[string]*string

type peerMailboxSet struct {
	Items       []peerMailbox `json:"items"`
	ExactLength bool          `json:"exact_length"`
}

// peerCorpusDir finds ../shared/corpus/peer/email-forward-parser relative to
// the directory holding go.mod, walking up from the working directory.
func peerCorpusDir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "corpus", "peer", "email-forward-parser")
			if st, err := os.Stat(filepath.Join(p, "cases")); err == nil && st.IsDir() {
				return p, true
			}
			return p, false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func loadPeerCorpus(tb testing.TB) []peerCase {
	tb.Helper()
	dir, ok := peerCorpusDir()
	if !ok {
		tb.Skipf("peer corpus is not there (looked for %s); skipping", dir)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "cases"))
	if err != nil {
		tb.Fatalf("read corpus: %v", err)
	}
	var cases []peerCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cdir := filepath.Join(dir, "cases", e.Name())
		body, err := os.ReadFile(filepath.Join(cdir, "body.txt"))
		if err != nil {
			tb.Fatalf("%s: %v", e.Name(), err)
		}
		var subject string
		if b, err := os.ReadFile(filepath.Join(cdir, "subject.txt")); err == nil {
			subject = string(b)
		}
		raw, err := os.ReadFile(filepath.Join(cdir, "expected.json"))
		if err != nil {
			tb.Fatalf("%s: %v", e.Name(), err)
		}
		var doc struct {
			Expected peerExpected `json:"expected"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			tb.Fatalf("%s: expected.json: %v", e.Name(), err)
		}
		cases = append(cases, peerCase{id: e.Name(), subject: subject, body: string(body), expected: doc.Expected})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].id < cases[j].id })
	return cases
}

// scorePeerCase applies the README's matching rules and returns the
// reasons the case fails (none when it passes).
func scorePeerCase(c peerCase) []string {
	fw, ok := Parse(c.subject, c.body)
	var why []string
	if ok != c.expected.Forwarded {
		return []string{fmt.Sprintf("forwarded: got %v, want %v", ok, c.expected.Forwarded)}
	}
	if !c.expected.Forwarded {
		return nil
	}
	// message: absent = not asserted; null = none ("").
	if len(c.expected.Message) > 0 {
		want := ""
		if string(c.expected.Message) != "null" {
			if err := json.Unmarshal(c.expected.Message, &want); err != nil {
				return []string{"bad expected message: " + err.Error()}
			}
		}
		if trim(fw.Note) != trim(want) {
			why = append(why, fmt.Sprintf("message:\n  got  %q\n  want %q", fw.Note, want))
		}
	}
	e := c.expected.Email
	if e == nil {
		return why
	}
	o := fw.Original
	if e.Subject != nil && trim(o.Subject) != trim(*e.Subject) {
		why = append(why, fmt.Sprintf("subject:\n  got  %q\n  want %q", o.Subject, *e.Subject))
	}
	if e.Body != nil && trim(o.Body) != trim(*e.Body) {
		why = append(why, "body:\n"+diffText(trim(o.Body), trim(*e.Body)))
	}
	if e.Date != nil {
		min := e.Date.MinLength
		if min < 1 {
			min = 1
		}
		if len([]rune(o.DateText)) < min {
			why = append(why, fmt.Sprintf("date: got %q, want a string of at least %d characters", o.DateText, min))
		}
	}
	if e.From != nil {
		if r := matchMailbox(o.From, *e.From); r != "" {
			why = append(why, "from: "+r)
		}
	}
	for _, l := range []struct {
		name string
		set  *peerMailboxSet
		got  []Mailbox
	}{{"to", e.To, o.To}, {"cc", e.Cc, o.Cc}} {
		if l.set == nil {
			continue
		}
		if l.set.ExactLength && len(l.got) != len(l.set.Items) {
			why = append(why, fmt.Sprintf("%s: got %d mailboxes %v, want exactly %d", l.name, len(l.got), l.got, len(l.set.Items)))
			continue
		}
		for i, want := range l.set.Items {
			if i >= len(l.got) {
				why = append(why, fmt.Sprintf("%s[%d]: missing (got %v)", l.name, i, l.got))
				break
			}
			if r := matchMailbox(l.got[i], want); r != "" {
				why = append(why, fmt.Sprintf("%s[%d]: %s", l.name, i, r))
			}
		}
	}
	return why
}

// matchMailbox compares the present keys: null name = no display name,
// null address = name only.
func matchMailbox(got Mailbox, want peerMailbox) string {
	var why []string
	for key, w := range want {
		var g string
		switch key {
		case "name":
			g = got.Name
		case "address":
			g = got.Address
		default:
			continue
		}
		ws := ""
		if w != nil {
			ws = *w
		}
		if g != ws {
			why = append(why, fmt.Sprintf("%s got %q want %q", key, g, ws))
		}
	}
	sort.Strings(why)
	return strings.Join(why, "; ")
}

// diffText shows the first differing line of two texts.
func diffText(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("  line %d (got %d lines, want %d):\n  - want %q\n  + got  %q", i+1, len(g), len(w), wl, gl)
		}
	}
	return "  (differs in white space only)"
}

func TestPeerCorpus(t *testing.T) {
	cases := loadPeerCorpus(t)
	passed, failed := 0, 0
	for _, c := range cases {
		if why := scorePeerCase(c); len(why) > 0 {
			failed++
			t.Logf("FAIL %s:\n  %s", c.id, strings.Join(why, "\n  "))
		} else {
			passed++
		}
	}
	summary := fmt.Sprintf("peer corpus: %d passed, %d failed", passed, failed)
	t.Log(summary)
	fmt.Println(summary)
	if passed < minPeerPass {
		t.Fatalf("%d of %d peer cases pass, want at least %d", passed, len(cases), minPeerPass)
	}
}

func BenchmarkParsePeerCorpus(b *testing.B) {
	cases := loadPeerCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, c := range cases {
			Parse(c.subject, c.body)
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "cases/s")
}
