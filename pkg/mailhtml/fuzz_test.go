package mailhtml

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzSanitize checks that no input makes Sanitize panic or emit a script
// vector, an event handler, a script URL, or (with remote content blocked)
// anything the browser would fetch from another host.
func FuzzSanitize(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.html"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b), false)
		}
	}
	for _, s := range []string{
		`<img src="cid:logo" alt="x"><a href="https://example.com/">x</a>`,
		`<div style="background: url(https://x.example/a.png); color: red">x</div>`,
		`<svg><p><style><img src=x onerror=alert(1)>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
	} {
		f.Add(s, true)
	}
	inline := inlineParts(map[string]string{"logo": pngURI, "bad": "javascript:alert(1)"})
	f.Fuzz(func(t *testing.T, body string, allowRemote bool) {
		res := sanitize(body, Options{AllowRemote: allowRemote, Inline: inline})
		for _, p := range unsafe(res.HTML, allowRemote) {
			t.Errorf("%s\ninput: %q\noutput: %s", p, body, res.HTML)
		}
		if allowRemote && res.RemoteBlocked != 0 {
			t.Errorf("RemoteBlocked = %d with AllowRemote", res.RemoteBlocked)
		}
	})
}
