package mailhtml

import (
	"strings"
	"testing"
)

const pngURI = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

// inlineParts resolves the Content-IDs in parts.
func inlineParts(parts map[string]string) func(string) (string, bool) {
	return func(cid string) (string, bool) {
		d, ok := parts[cid]
		return d, ok
	}
}

func TestInlineImages(t *testing.T) {
	parts := map[string]string{
		"logo@example.com": pngURI,
		"a b@x":            pngURI,
		"html@x":           "data:text/html;base64,PHNjcmlwdD4=",
		"svg@x":            "data:image/svg+xml;base64,PHN2Zz4=",
	}
	tests := []struct {
		name, in string
		want     string // in the output ("" = no src at all)
	}{
		{"cid resolved", `<img src="cid:logo@example.com" alt="logo">`, `<img src="` + pngURI + `" alt="logo"/>`},
		{"upper-case scheme", `<img src="CID:logo@example.com">`, `src="` + pngURI + `"`},
		{"angle brackets", `<img src="cid:<logo@example.com>">`, `src="` + pngURI + `"`},
		{"percent-encoded", `<img src="cid:a%20b@x">`, `src="` + pngURI + `"`},
		{"missing cid dropped", `<img src="cid:nope@example.com" alt="gone">`, ""},
		{"non-image part dropped", `<img src="cid:html@x">`, ""},
		{"svg part dropped", `<img src="cid:svg@x">`, ""},
		{"cid outside img dropped", `<table background="cid:logo@example.com"><tr><td>x</td></tr></table>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sanitize(tt.in, Options{Inline: inlineParts(parts)})
			if tt.want == "" {
				if strings.Contains(res.HTML, "src=") || strings.Contains(res.HTML, "background=") {
					t.Errorf("image kept:\n%s", res.HTML)
				}
			} else if !strings.Contains(res.HTML, tt.want) {
				t.Errorf("want %s in\n%s", tt.want, res.HTML)
			}
			if res.RemoteBlocked != 0 {
				t.Errorf("RemoteBlocked = %d", res.RemoteBlocked)
			}
		})
	}
}

func TestInlineNil(t *testing.T) {
	res := sanitize(`<img src="cid:logo@example.com" alt="logo">`, Options{})
	if strings.Contains(res.HTML, "src=") {
		t.Errorf("image kept without Inline:\n%s", res.HTML)
	}
}

func TestInlineCap(t *testing.T) {
	big := "data:image/png;base64," + strings.Repeat("AAAA", (MaxInlineBytes/2)/4)
	calls := 0
	inline := func(string) (string, bool) { calls++; return big, true }
	res := sanitize(`<img src="cid:a"><img src="cid:a"><img src="cid:b" alt="over">`, Options{Inline: inline})
	if n := strings.Count(res.HTML, "data:image/png"); n != 1 {
		t.Errorf("%d inline images kept, want 1 under the %d-byte cap", n, MaxInlineBytes)
	}
	if calls != 2 {
		t.Errorf("Inline called %d times, want once per Content-ID", calls)
	}
}

func TestRemoteContent(t *testing.T) {
	in := `<body background="https://img.example/bg.png">` +
		`<img src="https://img.example/a.png" alt="a"><img src="//img.example/b.png">` +
		`<div style="color: red; background: url('https://img.example/c.png')">c</div>` +
		`<img srcset="https://img.example/d.png 2x">`
	blocked := sanitize(in, Options{})
	if blocked.RemoteBlocked != 5 {
		t.Errorf("RemoteBlocked = %d, want 5", blocked.RemoteBlocked)
	}
	if strings.Contains(blocked.HTML, "img.example") {
		t.Errorf("remote reference kept:\n%s", blocked.HTML)
	}
	allowed := sanitize(in, Options{AllowRemote: true})
	for _, want := range []string{
		`background="https://img.example/bg.png"`,
		`<img src="https://img.example/a.png" alt="a"/>`,
		`<img src="https://img.example/b.png"/>`,
		`background: url(&#39;https://img.example/c.png&#39;)`,
	} {
		if !strings.Contains(allowed.HTML, want) {
			t.Errorf("with AllowRemote, want %s in\n%s", want, allowed.HTML)
		}
	}
	if allowed.RemoteBlocked != 0 {
		t.Errorf("RemoteBlocked = %d with AllowRemote", allowed.RemoteBlocked)
	}
	for _, p := range unsafe(allowed.HTML, true) {
		t.Error(p)
	}
}

func TestLinks(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<a href="https://example.com/x?a=1&amp;b=2">x</a>`, `<a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noreferrer noopener">x</a>`},
		{`<a href="http://example.com/" target="_top" rel="opener">x</a>`, `<a href="http://example.com/" target="_blank" rel="noreferrer noopener">x</a>`},
		{`<a href="mailto:a@example.com">x</a>`, `<a href="mailto:a@example.com" target="_blank" rel="noreferrer noopener">x</a>`},
		{`<map name="m"><area href="https://example.com/" target="_top"></map>`, `<area href="https://example.com/" target="_blank" rel="noreferrer"/>`},
		{`<a href="#part2">x</a>`, `<a href="#part2" rel="noreferrer">x</a>`},
		{`<a href="/logout">x</a>`, `<div>x</div>`},
		{`<a href="javascript:alert(1)">x</a>`, `<div>x</div>`},
		{`<a href="https://user:pw@example.com/">x</a>`, `<div>x</div>`},
	}
	for _, tt := range tests {
		res := sanitize(tt.in, Options{})
		if !strings.Contains(res.HTML, tt.want) {
			t.Errorf("%s: want %s in\n%s", tt.in, tt.want, res.HTML)
		}
	}
}

func TestStylesAndLayout(t *testing.T) {
	in := `<body bgcolor="#eeeeee" style="margin: 0"><table width="600" cellpadding="4" cellspacing="0" border="0" align="center">` +
		`<tr><td bgcolor="#ffffff" style="font-family: Arial, sans-serif; font-size: 14px; color: #333; position: fixed; top: 0">` +
		`<font color="red" face="Georgia" size="2">Hi</font><center>c</center>` +
		`<p style="display: none !important; overflow: hidden">preheader</p><p style="text-align: center; line-height: 1.5; color: rgb(1, 2, 3)">body</p>` +
		`</td></tr></table></body>`
	res := sanitize(in, Options{})
	for _, want := range []string{
		`<div style="background-color: #eeeeee; margin: 0">`,
		`<table width="600" cellpadding="4" cellspacing="0" border="0" align="center">`,
		`<td style="background-color: #ffffff; font-family: Arial, sans-serif; font-size: 14px; color: #333">`,
		`<font color="red" face="Georgia" size="2">Hi</font><center>c</center>`,
		`<p style="display: none; overflow: hidden">preheader</p>`, // bluemonday drops !important
		`<p style="text-align: center; line-height: 1.5; color: rgb(1, 2, 3)">body</p>`,
	} {
		if !strings.Contains(res.HTML, want) {
			t.Errorf("want %s in\n%s", want, res.HTML)
		}
	}
	if strings.Contains(res.HTML, "position") {
		t.Errorf("position kept:\n%s", res.HTML)
	}
}

func TestOddInputs(t *testing.T) {
	for _, in := range []string{
		"", "<", "<<<>>>", "\x00\x00<b>\x00</b>", "\xff\xfe<p>\xc3(</p>", "plain text, no tags",
		"<html><frameset><frame src=x></frameset></html>", "</body></html><p>after</p>",
		"<head><style>", "<!--", "<![CDATA[", "<a href='", strings.Repeat("</div>", 1000),
		`<img src="data:image/png;base64,` + strings.Repeat("\n", 100) + `">`,
		`<div style="` + strings.Repeat(`\41`, 10000) + `">x</div>`,
		`<div style="` + strings.Repeat(`a:b;`, maxStyleLen) + `">x</div>`,
	} {
		res := sanitize(in, Options{})
		for _, p := range unsafe(res.HTML, false) {
			t.Errorf("%.40q: %s", in, p)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	for _, n := range []int{600, 100000} {
		in := strings.Repeat("<div><b><span>", n) + "deep text" + strings.Repeat("</span></b></div>", n)
		res := sanitize(in, Options{})
		if !strings.Contains(res.HTML, "deep text") {
			t.Errorf("%d levels: text lost", n)
		}
		for _, p := range unsafe(res.HTML, false) {
			t.Errorf("%d levels: %s", n, p)
		}
	}
}

func TestRecoverFromPanic(t *testing.T) {
	res := Sanitize(`<img src="cid:x">`, Options{Inline: func(string) (string, bool) { panic("boom") }})
	if !strings.Contains(res.HTML, "could not be displayed") {
		t.Errorf("no fallback after a panic:\n%s", res.HTML)
	}
}

func TestConcurrent(t *testing.T) {
	done := make(chan string)
	for i := range 8 {
		go func() {
			done <- Sanitize(`<p onclick="x">hi <img src="https://img.example/a.png"></p>`, Options{AllowRemote: i%2 == 0}).HTML
		}()
	}
	for range 8 {
		if out := <-done; !strings.Contains(out, "<p>hi ") {
			t.Errorf("unexpected output %s", out)
		}
	}
}
