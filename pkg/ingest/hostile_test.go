package ingest_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/crm/crmtest"
	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
)

// The hostile corpus: broken and malicious mail, one behaviour per case.
// Small cases are files in testdata/hostile (named for what they do); big
// ones are generated here. Every case goes through ingest.Process and must
// come out as a decision (logged or rejected with a reason), never as a
// Failure, in time linear in its size.

// hostileRules are the rules of config.example.yaml.
func hostileRules(t testing.TB) *crm.Rules {
	t.Helper()
	return crmtest.Rules(t)
}

type hostileCase struct {
	name string
	file string        // in testdata/hostile
	gen  func() []byte // or generated
	kind crm.Kind      // expected kind
	why  crm.Reason    // expected reason, for rejections
	text string        // a substring of the logged body ("" for none)
	// problem is a substring of one of Message.Problems ("" for none
	// expected; "*" for any).
	problem string
	check   func(t *testing.T, it ingest.Item)
}

const bccHead = "From: Alice Rossi <alice@example.com>\r\nTo: Paul Client <paul@prospect.example>\r\nBcc: log@crm.example.com\r\nMessage-ID: <gen@example.com>\r\nMIME-Version: 1.0\r\n"

func nested(levels int) []byte {
	var b bytes.Buffer
	b.WriteString(bccHead + "Subject: 1,000 nested multiparts\r\nContent-Type: multipart/mixed; boundary=top\r\n\r\n--top\r\nContent-Type: text/plain\r\n\r\nHi Paul, the outer text.\r\n--top\r\n")
	for i := range levels {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeepest text\r\n")
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	b.WriteString("--top--\r\n")
	return b.Bytes()
}

func nestedMessages(levels int) []byte {
	var b bytes.Buffer
	b.WriteString(bccHead + "Subject: 1,000 nested messages\r\nContent-Type: multipart/mixed; boundary=top\r\n\r\n--top\r\nContent-Type: text/plain\r\n\r\nHi Paul, the outer text.\r\n--top\r\n")
	for range levels {
		b.WriteString("Content-Type: message/rfc822\r\n\r\nFrom: x@nest.example\r\n")
	}
	b.WriteString("\r\ndeepest\r\n--top--\r\n")
	return b.Bytes()
}

func longHeaderLine(n int) []byte {
	return []byte(bccHead + "Subject: a 100 KB header line\r\nX-Long: " + strings.Repeat("y", n) + "\r\nThread-Topic: " + strings.Repeat("word ", n/5) + "\r\n\r\nHi Paul, long headers.\r\n")
}

func manyRecipients(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Alice Rossi <alice@example.com>\r\nBcc: log@crm.example.com\r\nSubject: 50,000 recipients\r\nMessage-ID: <many@example.com>\r\nTo: ")
	for i := range n {
		if i > 0 {
			b.WriteString(",\r\n ")
		}
		fmt.Fprintf(&b, "p%d@q.example", i)
	}
	b.WriteString("\r\n\r\nHi all.\r\n")
	return b.Bytes()
}

func hostileCases() []hostileCase {
	problemFree := func(t *testing.T, it ingest.Item) {}
	_ = problemFree
	return []hostileCase{
		{name: "truncated mid-part", file: "truncated-mid-part.eml", kind: crm.KindBCC, text: "the quote is attached", problem: "ends in the middle of this part",
			check: func(t *testing.T, it ingest.Item) {
				if a := it.Message.Attachments; len(a) != 1 || a[0].Filename != "quote.pdf" || a[0].Size == 0 {
					t.Errorf("attachments = %+v, want the decoded start of quote.pdf", a)
				}
			}},
		{name: "truncated in the header", file: "truncated-in-header.eml", kind: crm.KindBCC, text: ""},
		{name: "missing boundary parameter", file: "missing-boundary-parameter.eml", kind: crm.KindBCC, text: "see you Thursday", problem: "without a boundary parameter"},
		{name: "boundary never appears", file: "boundary-never-appears.eml", kind: crm.KindBCC, text: "no MIME parts at all", problem: "never appears"},
		{name: "missing final boundary", file: "missing-final-boundary.eml", kind: crm.KindBCC, text: "the quote is attached", problem: "without its closing boundary"},
		{name: "boundary loop", file: "boundary-loop.eml", kind: crm.KindBCC, text: "the loop did not get me", problem: "reuses the boundary"},
		{name: "invalid base64", file: "invalid-base64.eml", kind: crm.KindBCC, text: "first half", problem: "invalid base64",
			check: func(t *testing.T, it ingest.Item) {
				if !strings.Contains(it.Message.Text, "Second half survives.") {
					t.Errorf("Text = %q, want the base64 after the garbage decoded too", it.Message.Text)
				}
			}},
		{name: "invalid quoted-printable", file: "invalid-quoted-printable.eml", kind: crm.KindBCC, text: "café at 10? =ZZ", problem: "invalid quoted-printable",
			check: func(t *testing.T, it ingest.Item) {
				for _, want := range []string{"end of the long line.", "Last line."} {
					if !strings.Contains(it.Message.Text, want) {
						t.Errorf("Text lacks %q: a long line or a control byte cut the body", want)
					}
				}
			}},
		{name: "unknown charset", file: "unknown-charset.eml", kind: crm.KindBCC, text: "qapla'", problem: "unknown charset"},
		{name: "utf-8 that is latin-1", file: "lying-charset-utf8.eml", kind: crm.KindBCC, text: "caf\uFFFD cr\uFFFDme is on me", problem: "replaced by U+FFFD"},
		{name: "iso-2022-jp that is garbage", file: "lying-charset-iso-2022-jp.eml", kind: crm.KindBCC, text: "plain tail", problem: "replaced by U+FFFD"},
		{name: "NUL bytes", file: "nul-bytes.eml", kind: crm.KindBCC, text: "NULs in the body", problem: "NUL bytes removed"},
		{name: "hostile attachment names", file: "attachment-names-hostile.eml", kind: crm.KindBCC, text: "files attached", problem: "sanitised",
			check: func(t *testing.T, it ingest.Item) {
				want := []string{"passwd", "evil.dll", "nulbytebell[31m.txt", "invoicefdp.exe", "attachment", "encodedword.sh", strings.Repeat("long", 62) + "lon.pdf"}
				var got []string
				for _, a := range it.Message.Attachments {
					got = append(got, a.Filename)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("names = %q, want %q", got, want)
				}
			}},
		{name: "no header fields", file: "no-header-fields.eml", kind: crm.KindRejected, why: crm.ReasonMalformed},
		{name: "no From", file: "no-from.eml", kind: crm.KindRejected, why: crm.ReasonMalformed},
		{name: "empty", file: "empty.eml", kind: crm.KindRejected, why: crm.ReasonMalformed},
		{name: "unknown transfer encoding", file: "unknown-transfer-encoding.eml", kind: crm.KindBCC, text: "readable anyway", problem: "unknown Content-Transfer-Encoding"},
		{name: "header lines that are not fields", file: "header-without-colon-lines.eml", kind: crm.KindBCC, text: "Hi Paul", problem: "dropped header line"},
		{name: "part header without blank line", file: "part-header-without-blank-line.eml", kind: crm.KindBCC, text: "forgot its header", problem: "not a field"},
		{name: "forwarded message with broken MIME", file: "forward-attached-broken.eml", kind: crm.KindForward, text: "quote for 40 units? € budget =XY", problem: "*"},
		{name: "inline forward, QP with a 7 KB line", file: "forward-inline-qp-long-line.eml", kind: crm.KindForward, text: "end.", problem: "replaced by U+FFFD"},

		{name: "1,000 nested multiparts", gen: func() []byte { return nested(1000) }, kind: crm.KindBCC, text: "the outer text", problem: "nesting deeper than 32"},
		{name: "1,000 nested messages", gen: func() []byte { return nestedMessages(1000) }, kind: crm.KindBCC, text: "the outer text", problem: "nested deeper than 32"},
		{name: "100 KB header line", gen: func() []byte { return longHeaderLine(100 << 10) }, kind: crm.KindBCC, text: "long headers"},
		{name: "header section over 1 MB", gen: func() []byte { return longHeaderLine(1100 << 10) }, kind: crm.KindRejected, why: crm.ReasonMalformed},
		{name: "50,000 recipients", gen: func() []byte { return manyRecipients(50000) }, kind: crm.KindBCC, text: "Hi all.",
			check: func(t *testing.T, it ingest.Item) {
				if n := len(it.Decision.LogTo); n != 50000 {
					t.Errorf("logged on %d contacts, want 50,000", n)
				}
			}},
	}
}

func TestHostileCorpus(t *testing.T) {
	rules := hostileRules(t)
	used := map[string]bool{}
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			var raw []byte
			if tc.file != "" {
				used[tc.file] = true
				var err error
				if raw, err = os.ReadFile(filepath.Join("testdata", "hostile", tc.file)); err != nil {
					t.Fatal(err)
				}
			} else {
				raw = tc.gen()
			}
			var it ingest.Item
			best := time.Duration(1 << 62)
			for range 3 {
				start := time.Now()
				it = ingest.Process(rules, ingest.Origin{Path: tc.name}, raw)
				best = min(best, time.Since(start))
			}
			if best > 2*time.Second {
				t.Errorf("best of 3 took %v, want under 2s", best)
			}
			if it.Failure != nil {
				t.Fatalf("Failure: %v", it.Failure)
			}
			d := it.Decision
			if d.Kind != tc.kind || d.Reason != tc.why {
				t.Fatalf("decision = %s %s (%s), want %s %s", d.Kind, d.Reason, d.Detail, tc.kind, tc.why)
			}
			if d.Rejected() && strings.TrimSpace(d.Detail) == "" {
				t.Errorf("rejection without a detail")
			}
			if !strings.Contains(d.Body, tc.text) {
				t.Errorf("logged body = %.200q, want it to contain %q", d.Body, tc.text)
			}
			if m := it.Message; m != nil {
				checkProblems(t, m, tc.problem)
				checkClean(t, m)
			}
			if tc.check != nil {
				tc.check(t, it)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.eml"))
	for _, f := range files {
		if !used[filepath.Base(f)] {
			t.Errorf("%s is in the corpus but not in the table", f)
		}
		if st, err := os.Stat(f); err == nil && st.Size() > 50<<10 {
			t.Errorf("%s is %d bytes: generate big cases in the test", f, st.Size())
		}
	}
}

// checkProblems checks that a soft problem was noted when one is expected,
// in the message or in a message it attaches.
func checkProblems(t *testing.T, m *email.Message, want string) {
	t.Helper()
	var all []string
	var walk func(m *email.Message)
	walk = func(m *email.Message) {
		all = append(all, m.Problems...)
		for _, a := range m.Attached {
			walk(a)
		}
	}
	walk(m)
	switch want {
	case "":
		if len(all) > 0 {
			t.Errorf("Problems = %q, want none", all)
		}
		return
	case "*":
		if len(all) == 0 {
			t.Errorf("no Problems, want some")
		}
		return
	}
	for _, p := range all {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Errorf("Problems = %q, want one containing %q", all, want)
}

// checkClean checks what must hold of every parsed message: attachment
// names that are safe file names, and text without NUL or invalid UTF-8.
func checkClean(t *testing.T, m *email.Message) {
	t.Helper()
	for _, a := range m.Attachments {
		name := a.Filename
		bad := name == "" || name == "." || name == ".." || len(name) > 255 || strings.ContainsAny(name, `/\`) ||
			strings.IndexFunc(name, unicode.IsControl) >= 0
		if bad {
			t.Errorf("attachment name %q is not sanitised", name)
		}
	}
	for _, s := range []string{m.Text, m.HTML} {
		if strings.IndexByte(s, 0) >= 0 || !utf8Valid(s) {
			t.Errorf("body %.60q has NUL or invalid UTF-8", s)
		}
	}
	for _, a := range m.Attached {
		checkClean(t, a)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// repeatReader yields block n times, without holding more than block.
type repeatReader struct {
	block []byte
	n     int
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.block[r.off:])
	r.off += k
	if r.off == len(r.block) {
		r.off = 0
		r.n--
	}
	return k, nil
}

// bigMessage returns a reader of a Bcc'd message of about size bytes whose
// bulk is a base64 attachment (or, with text, a quoted-printable text
// body), with the message's exact size and the decoded size of the bulk.
func bigMessage(size int64, text bool) (io.Reader, int64, int64) {
	raw := make([]byte, 57*1024)
	for i := range raw {
		raw[i] = byte(i*7 + i>>8)
	}
	var block bytes.Buffer
	var decoded int
	if text {
		for range 1024 {
			block.WriteString("Lorem ipsum dolor sit amet, caf=C3=A9 cr=C3=A8me, consectetur adipi=\r\nscing elit.\r\n")
		}
		decoded = 1024 * len("Lorem ipsum dolor sit amet, café crème, consectetur adipiscing elit.\r\n")
	} else {
		enc := base64.StdEncoding.EncodeToString(raw)
		for len(enc) > 0 {
			block.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		decoded = len(raw)
	}
	n := int(size / int64(block.Len()))
	head := bccHead + "Subject: a 200 MB message\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\n"
	if text {
		head += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	} else {
		head += "Content-Type: text/plain; charset=utf-8\r\n\r\nHi Paul, the big file.\r\n--big\r\n"
		head += "Content-Type: application/octet-stream; name=\"big.bin\"\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	}
	tail := "\r\n--big--\r\n"
	total := int64(len(head)+len(tail)) + int64(n)*int64(block.Len())
	return io.MultiReader(strings.NewReader(head), &repeatReader{block: block.Bytes(), n: n}, strings.NewReader(tail)), total, int64(n) * int64(decoded)
}

// peakHeap runs fn while sampling the bytes of heap objects every 2 ms and
// returns the most they grew above what they were before fn.
func peakHeap(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	peak := base
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				v := read()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	}()
	fn()
	close(stop)
	<-done
	peak = max(peak, read())
	return peak - base
}

// TestHostile200MBMessageStreams parses a 200 MB message from a reader: the
// heap must stay bounded while the attachment streams through SHA-256, and
// the rules must still reject the message as too_large.
func TestHostile200MBMessageStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB parse skipped in -short mode")
	}
	rules := hostileRules(t)
	for _, tc := range []struct {
		name  string
		text  bool
		bound uint64
	}{
		{"base64 attachment", false, 64 << 20},
		{"quoted-printable text body", true, 96 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, size, decoded := bigMessage(200<<20, tc.text)
			var m *email.Message
			var err error
			allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
			metrics.Read(allocs)
			before := allocs[0].Value.Uint64()
			start := time.Now()
			grew := peakHeap(func() { m, err = email.Parse(r) })
			metrics.Read(allocs)
			t.Logf("%d-byte message parsed in %v; heap objects peaked %.1f MB above baseline; %.1f MB allocated in all",
				size, time.Since(start).Round(time.Millisecond), float64(grew)/(1<<20), float64(allocs[0].Value.Uint64()-before)/(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			if grew > tc.bound {
				t.Errorf("heap grew by %d MB, want under %d MB", grew>>20, tc.bound>>20)
			}
			if m.Size != size {
				t.Errorf("Size = %d, want %d", m.Size, size)
			}
			if tc.text {
				if int64(len(m.Text)) < 15<<20 || !strings.HasPrefix(m.Text, "Lorem ipsum dolor sit amet, café crème") {
					t.Errorf("Text is %d bytes, want the first text body", len(m.Text))
				}
			} else if len(m.Attachments) != 1 || m.Attachments[0].Size != decoded || m.Attachments[0].Filename != "big.bin" {
				t.Errorf("attachments = %+v, want big.bin of %d bytes", m.Attachments, decoded)
			}
			d := rules.Decide(m)
			if d.Reason != crm.ReasonTooLarge {
				t.Errorf("decision = %s %s (%s), want too_large", d.Kind, d.Reason, d.Detail)
			}
		})
	}
}
