package email

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
	"mime/quotedprintable"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf" // 404 bytes
	tests := []struct{ in, want string }{
		{"devis été.pdf", "devis été.pdf"},
		{"../../etc/passwd", "passwd"},
		{`..\..\Windows\evil.exe`, "evil.exe"},
		{"/abs/path/x.txt", "x.txt"},
		{"dir/", "dir"},
		{"a\x00b\x01c\x7f\u0085.txt", "abc.txt"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"..", "attachment"},
		{".", "attachment"},
		{"", "attachment"},
		{"  ", "attachment"},
		{"x/..", "attachment"},
		{"\x00\x00", "attachment"},
		{"bad\xffutf8.txt", "bad\uFFFDutf8.txt"},
		{"...", "..."},
		{".profile", ".profile"},
	}
	for _, tt := range tests {
		if got := SanitizeFilename(tt.in); got != tt.want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	got := SanitizeFilename(long)
	if len(got) > 255 || !utf8.ValidString(got) || !strings.HasSuffix(got, ".pdf") {
		t.Errorf("SanitizeFilename(long) = %d bytes %q, want <= 255 valid bytes ending .pdf", len(got), got)
	}
	got = SanitizeFilename(strings.Repeat("€", 300))
	if len(got) > 255 || !utf8.ValidString(got) {
		t.Errorf("SanitizeFilename(300 euros) = %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

func TestParseSanitisesAttachmentNames(t *testing.T) {
	m := mustParse(t, "From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: application/pdf; name=\"../../etc/passwd\"\r\n\r\nx\r\n"+
		"--b\r\nContent-Disposition: attachment; filename*=UTF-8''..%2F..%2Fevil%00.exe\r\n\r\nx\r\n"+
		"--b\r\nContent-Type: image/png\r\n\r\nx\r\n--b--\r\n")
	want := []struct{ name, raw string }{{"passwd", "../../etc/passwd"}, {"evil.exe", "../../evil\x00.exe"}, {"attachment", ""}}
	if len(m.Attachments) != len(want) {
		t.Fatalf("Attachments = %+v", m.Attachments)
	}
	for i, w := range want {
		if a := m.Attachments[i]; a.Filename != w.name || a.RawFilename != w.raw {
			t.Errorf("attachment %d = %q (raw %q), want %q (raw %q)", i, a.Filename, a.RawFilename, w.name, w.raw)
		}
	}
	if len(m.Problems) != 2 {
		t.Errorf("Problems = %q, want a note for each renamed attachment", m.Problems)
	}
}

func readAllOneByte(r func(io.Reader) io.Reader, in string) (string, string) {
	whole, _ := io.ReadAll(r(strings.NewReader(in)))
	bytewise, _ := io.ReadAll(iotest.OneByteReader(r(iotest.OneByteReader(strings.NewReader(in)))))
	return string(whole), string(bytewise)
}

func TestBase64ReaderIsLenient(t *testing.T) {
	tests := []struct {
		in, want string
		invalid  int64
	}{
		{"aGVsbG8gd29ybGQ=\r\n", "hello world", 0},
		{"aGVs\r\n bG8=\r\n", "hello", 0},
		{"aGVsbG8=\r\nd29ybGQ=\r\n", "helloworld", 0},      // concatenated pieces
		{"aGVsbG8g\r\n!!*!\r\nd29ybGQ=", "hello world", 1}, // garbage line skipped
		{"aGVsbG8g\r\nfooter: see http://x\r\nd29ybGQ=", "hello world", 1},
		{"aGVs bG8=\r\n", "hello", 0}, // spaces skipped
		{"aGVsbG8", "hello", 0},       // missing padding
		{"aGVsb", "hel", 1},           // a lone sixth of a byte
		{"", "", 0},
	}
	for _, tt := range tests {
		var b *base64Reader
		whole, bytewise := readAllOneByte(func(r io.Reader) io.Reader { b = &base64Reader{r: r}; return b }, tt.in)
		if whole != tt.want || bytewise != tt.want || b.invalid+b.badLines != tt.invalid {
			t.Errorf("base64 %q = %q / one byte at a time %q, invalid %d+%d; want %q, %d", tt.in, whole, bytewise, b.invalid, b.badLines, tt.want, tt.invalid)
		}
	}
	// Agrees with the standard decoder on valid input.
	data := make([]byte, 100000)
	rand.New(rand.NewSource(1)).Read(data)
	enc := base64.StdEncoding.EncodeToString(data)
	var lines strings.Builder
	for len(enc) > 76 {
		lines.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	lines.WriteString(enc)
	got, _ := io.ReadAll(&base64Reader{r: strings.NewReader(lines.String())})
	if !bytes.Equal(got, data) {
		t.Error("base64Reader disagrees with encoding/base64 on valid input")
	}
	// A single line too long to hold back: a bad character costs itself.
	big := bytes.Repeat(data, 3)
	one := base64.StdEncoding.EncodeToString(big)
	one = one[:len(one)/2] + "*" + one[len(one)/2:]
	b := &base64Reader{r: strings.NewReader(one)}
	got, _ = io.ReadAll(b)
	if !bytes.Equal(got, big) || b.problem() != "invalid base64: 1 character(s) skipped" {
		t.Errorf("one long line with a bad character: equal %v, problem %q", bytes.Equal(got, big), b.problem())
	}
}

// Decoding whole lines at once (encoding/base64) gives what decoding
// character by character gives, on lines of every kind mixed.
func TestBase64ReaderLinesAtOnceAgreeWithCharacters(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	kinds := []func() string{
		func() string { return base64.StdEncoding.EncodeToString(randBytes(r, 57)) },           // a plain line
		func() string { return base64.StdEncoding.EncodeToString(randBytes(r, 1+r.Intn(56))) }, // padded
		func() string { return base64.URLEncoding.EncodeToString(randBytes(r, 57)) },           // URL-safe
		func() string { return base64.RawStdEncoding.EncodeToString(randBytes(r, 10)) },        // unpadded piece
		func() string { return "-- footer: see http://x.example --" },
		func() string { return "  " + base64.StdEncoding.EncodeToString(randBytes(r, 12)) + "\t" },
		func() string { return "QQ==QUJD" }, // padding inside a line
		func() string { return "" },
	}
	for i := range 300 {
		var in strings.Builder
		for range r.Intn(40) {
			in.WriteString(kinds[r.Intn(len(kinds))]())
			in.WriteString([]string{"\r\n", "\n", "\r\n"}[r.Intn(3)])
		}
		if r.Intn(2) == 0 {
			in.WriteString(kinds[r.Intn(len(kinds))]()) // no final line break
		}
		var whole, each *base64Reader
		gotWhole, gotEach := readAllOneByte(func(rd io.Reader) io.Reader {
			b := &base64Reader{r: rd}
			if whole == nil {
				whole = b
			} else {
				each = b
			}
			return b
		}, in.String())
		if gotWhole != gotEach || whole.invalid != each.invalid || whole.badLines != each.badLines {
			t.Fatalf("case %d: %q: at once %q (%d, %d), by character %q (%d, %d)", i, in.String(),
				gotWhole, whole.invalid, whole.badLines, gotEach, each.invalid, each.badLines)
		}
	}
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func TestQPReaderIsLenient(t *testing.T) {
	long := strings.Repeat("abcd=C3=A9 ", 2000) // 22 KB on one line
	tests := []struct {
		in, want string
		invalid  int64
	}{
		{"caf=C3=A9 =\r\nsoft\r\nnext\r\n", "café soft\r\nnext\r\n", 0},
		{"trailing   \r\nspace\t\n", "trailing\r\nspace\n", 0},
		{"a =ZZ b =4\r\n", "a =ZZ b =4\r\n", 2},
		{"nul\x00 and \x01 kept\r\n", "nul\x00 and \x01 kept\r\n", 0},
		{"soft at end=", "soft at end", 0},
		{"lower =c3=a9", "lower é", 0},
		{"= \r\njoined", "joined", 0},
		{long + "\r\nend", strings.TrimSuffix(strings.Repeat("abcdé ", 2000), " ") + "\r\nend", 0},
		{strings.Repeat("x", 5000) + "=\r\n" + "y", strings.Repeat("x", 5000) + "y", 0},
		{strings.Repeat("x", 4095) + "=C3=A9\r\n", strings.Repeat("x", 4095) + "é\r\n", 0},
		{strings.Repeat("x", 4094) + "    \r\n", strings.Repeat("x", 4094) + "\r\n", 0},
	}
	for _, tt := range tests {
		var q *qpReader
		whole, bytewise := readAllOneByte(func(r io.Reader) io.Reader { q = &qpReader{br: newBufReader(r)}; return q }, tt.in)
		if whole != tt.want || bytewise != tt.want || q.invalid != tt.invalid {
			t.Errorf("qp %.40q = %.60q / one byte at a time %.60q, invalid %d; want %.60q, %d", tt.in, whole, bytewise, q.invalid, tt.want, tt.invalid)
		}
	}
	// Agrees with mime/quotedprintable on what it writes.
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	for i := range 2000 {
		fmt.Fprintf(w, "line %d: café = crème\t \r\n", i)
	}
	w.Close()
	want, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(buf.Bytes())))
	got, _ := io.ReadAll(&qpReader{br: newBufReader(bytes.NewReader(buf.Bytes()))})
	if !bytes.Equal(got, want) {
		t.Error("qpReader disagrees with mime/quotedprintable on valid input")
	}
}

func TestMultipartHostile(t *testing.T) {
	const h = "From: a@x.example\r\n"
	tests := []struct {
		name, raw   string
		text        string
		attachments int
		problem     string // a substring of one problem; "" for none
	}{
		{"plain", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\nhello\r\n--b--\r\nepilogue\r\n", "hello", 0, ""},
		{"lf only", h + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b--\n", "hello", 0, ""},
		{"longer boundary is not ours", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello\r\n--bb\r\nstill\r\n--b--\r\n", "hello\n--bb\nstill", 0, ""},
		{"empty part", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n--b\r\n\r\nsecond\r\n--b--\r\n", "second", 0, ""},
		{"long preamble line", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("p", 100000) + "\r\n--b\r\n\r\nhello\r\n--b--\r\n", "hello", 0, ""},
		{"long part header line", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Long: " + strings.Repeat("x", 100000) + "\r\n\r\nhello\r\n--b--\r\n", "hello", 0, ""},
		{"part header over the limit", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Long: " + strings.Repeat("x", 2<<20) + "\r\n\r\nhello\r\n--b--\r\n", "", 0, "part header section exceeds"},
		{"part without blank line", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nhello there\r\n--b\r\nContent-Type: application/pdf\r\n\r\nx\r\n--b--\r\n", "hello there", 1, "not a field"},
		{"no boundary parameter", h + "Content-Type: multipart/mixed\r\n\r\n--xyz\r\n\r\nhello\r\n--xyz--\r\n", "hello", 0, "taken from the body"},
		{"boundary never appears", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\njust text\r\n", "just text\n", 0, "never appears"},
		{"boundary too long", h + "Content-Type: multipart/mixed; boundary=" + strings.Repeat("b", 2000) + "\r\n\r\n--b\r\n", "", 0, "boundary longer than"},
		{"no closing boundary", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello\r\n", "hello\n", 0, "without its closing boundary"},
		{"truncated in a part", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y", "hello wor", 0, "ends in the middle of this part"},
		{"boundary loop", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ninner\r\n--b--\r\n--b--\r\n", "inner", 0, "reuses the boundary"},
		{"cr before boundary kept out", h + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\nab\r\r\n--b--\r\n", "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				var r io.Reader = strings.NewReader(tt.raw)
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				m, err := Parse(r)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if m.Text != tt.text || len(m.Attachments) != tt.attachments {
					t.Errorf("one byte %v: Text = %.80q, %d attachments; want %.80q, %d", oneByte, m.Text, len(m.Attachments), tt.text, tt.attachments)
				}
				found := tt.problem == "" && len(m.Problems) == 0
				for _, p := range m.Problems {
					found = found || tt.problem != "" && strings.Contains(p, tt.problem)
				}
				if !found {
					t.Errorf("one byte %v: Problems = %q, want one containing %q", oneByte, m.Problems, tt.problem)
				}
				if m.Size != int64(len(tt.raw)) {
					t.Errorf("Size = %d, want %d", m.Size, len(tt.raw))
				}
			}
		})
	}
}

func TestAttachmentBytesAcrossBoundaries(t *testing.T) {
	// Binary content with CRs, LFs and boundary look-alikes survives intact.
	content := "a\r\n--bx\r\n\r\n--b_not\n--\r" + strings.Repeat("z", 20000) + "\n\r"
	raw := "From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--b--\r\n"
	for _, oneByte := range []bool{false, true} {
		var r io.Reader = strings.NewReader(raw)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		m, err := Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Size != int64(len(content)) {
			t.Errorf("one byte %v: attachments %+v, want one of %d bytes", oneByte, m.Attachments, len(content))
		}
	}
}

func TestLyingCharsetsAndNUL(t *testing.T) {
	m := mustParse(t, "From: a@x.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCaf\xe9 \x00ok\r\n")
	if m.Text != "Caf\uFFFD ok\n" || len(m.Problems) != 2 {
		t.Errorf("Text = %q, Problems = %q", m.Text, m.Problems)
	}
	m = mustParse(t, "From: a@x.example\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla'\r\n")
	if m.Text != "qapla'\n" || len(m.Problems) != 1 {
		t.Errorf("Text = %q, Problems = %q", m.Text, m.Problems)
	}
}

func TestProblemsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "--b\r\nContent-Type: application/pdf; name=\"../%d\"\r\n\r\nx\r\n", i)
	}
	b.WriteString("--b--\r\n")
	m := mustParse(t, b.String())
	if len(m.Problems) != maxProblems+1 || len(m.Attachments) != 1000 {
		t.Errorf("%d problems, %d attachments", len(m.Problems), len(m.Attachments))
	}
}

// BenchmarkBase64Reader decodes a 1.5 MB attachment as mail carries it:
// base64 in lines of 76 characters.
func BenchmarkBase64Reader(b *testing.B) {
	data := randBytes(rand.New(rand.NewSource(3)), 1500000)
	enc := base64.StdEncoding.EncodeToString(data)
	var lines strings.Builder
	for len(enc) > 76 {
		lines.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	lines.WriteString(enc + "\r\n")
	in := lines.String()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if n, _ := io.Copy(io.Discard, &base64Reader{r: strings.NewReader(in)}); n != int64(len(data)) {
			b.Fatalf("decoded %d bytes, want %d", n, len(data))
		}
	}
}
