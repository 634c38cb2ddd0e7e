package email

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic or loop, and that what
// it returns is usable. Its seeds (inline ones and the project's fixtures)
// run in every go test.
func FuzzParse(f *testing.F) {
	f.Add([]byte("From: a@x.example\r\nTo: b@y.example\r\nSubject: =?utf-8?q?hi?=\r\n\r\nbody\r\n"))
	f.Add([]byte("From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@z.example\r\n\r\ninner\r\n--b--\r\n"))
	f.Add([]byte("From: a@x.example\r\nContent-Type: text/html; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n"))
	f.Add([]byte("From: a@x.example\r\nContent-Type: multipart/alternative; boundary=\"\"\r\n\r\n--\r\n"))
	files, _ := filepath.Glob("../../fixtures/*.eml")
	hostile, _ := filepath.Glob("../ingest/testdata/hostile/*.eml")
	for _, file := range append(files, hostile...) {
		if data, err := os.ReadFile(file); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		if m.Size != int64(len(data)) {
			t.Errorf("Size = %d, want %d", m.Size, len(data))
		}
		_ = m.TextBody()
	})
}

// FuzzHTMLToText checks that no HTML makes HTMLToText panic.
func FuzzHTMLToText(f *testing.F) {
	f.Add("<div>a<br>b</div>")
	f.Add("<script>x</scr")
	f.Add("<!-- unterminated")
	f.Add("<pre>a\n<b>c</b></pre>&amp;&#x41;&bogus;")
	f.Fuzz(func(t *testing.T, s string) {
		_ = HTMLToText(s)
	})
}
