package mailhtml

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hugeBody builds an email-like body of about size bytes: newsletter tables
// with styles, links, remote and inline images.
func hugeBody(size int) string {
	var b strings.Builder
	b.WriteString(`<html><head><style>td{color:red;background:url(https://img.example/x.png)}</style></head><body bgcolor="#fff"><table width="600">`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<tr><td style="font-family: Arial; padding: 8px; background: url(https://img.example/%d.png)">`+
			`<a href="https://example.com/item/%d" onclick="alert(1)">Item <b>%d</b></a> &amp; more text here, `+
			`<img src="https://img.example/p%d.gif" width="1" height="1"><img src="cid:logo" alt="logo">`+
			`<script>alert(%d)</script></td></tr>`+"\n", i, i, i, i, i)
	}
	b.WriteString(`</table></body></html>`)
	return b.String()
}

func TestHugeBody(t *testing.T) {
	in := hugeBody(5 << 20)
	start := time.Now()
	res := sanitize(in, Options{Inline: inlineParts(map[string]string{"logo": pngURI})})
	took := time.Since(start)
	t.Logf("%d bytes in %v, %d out, %d remote blocked", len(in), took, len(res.HTML), res.RemoteBlocked)
	if took > 60*time.Second {
		t.Errorf("5 MB took %v", took)
	}
	if res.RemoteBlocked < 1000 || !strings.Contains(res.HTML, "Item <b>1000</b>") {
		t.Errorf("content lost: %d blocked", res.RemoteBlocked)
	}
	if !strings.Contains(res.HTML, pngURI) {
		t.Error("inline image lost")
	}
	for _, p := range unsafe(res.HTML, false) {
		t.Fatal(p)
	}
}

// pathological inputs that could make a parser or sanitiser superlinear,
// each built from a repeated unit.
var pathological = []struct{ name, prefix, unit, suffix string }{
	{"unclosed a", "", "<a>", ""},
	{"formatting soup", "", "<i><b><u><s><p>x", ""},
	{"deep divs", "", "<div>", ""},
	{"nested tables", "", "<table><tr><td>", ""},
	{"style declarations", `<p style="`, "color:red;", `">x</p>`},
	{"style escapes", `<p style="`, `\41`, `">x</p>`},
	{"url in style element", "<style>", "a{b:url(https://x.example/y)}", "</style>"},
	{"import then urls", "<style>", "url(", "@import 'https://x.example/'</style>"},
	{"many attributes", "<b ", `a="x" `, ">x</b>"},
	{"many srcset candidates", `<img srcset="`, "https://x.example/a.png 1x,", `">`},
	{"unclosed comment", "<!--", "<b>x</b>", ""},
	{"entities", "<p>", "&amp;&lt;&#x41;", "</p>"},
	{"long data uri", `<img src="data:image/png;base64,`, "AAAA", `">`},
	{"empty links", "", `<a href="https://example.com/">`, ""},
}

func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	for _, p := range pathological {
		t.Run(p.name, func(t *testing.T) {
			small := timeSanitize(p.prefix + strings.Repeat(p.unit, (256<<10)/len(p.unit)) + p.suffix)
			large := timeSanitize(p.prefix + strings.Repeat(p.unit, (1<<20)/len(p.unit)) + p.suffix)
			t.Logf("256 KB %v, 1 MB %v (CPU)", small, large)
			// Linear work grows 4 times; allow for noise, not for quadratic (16).
			if large > 10*small+100*time.Millisecond {
				t.Errorf("1 MB took %v, 256 KB %v: not linear", large, small)
			}
		})
	}
}

// timeSanitize returns the CPU time of the faster of two runs of sanitize
// on in.
func timeSanitize(in string) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 2 {
		runtime.GC()
		start := cpuTime()
		sanitize(in, Options{})
		best = min(best, cpuTime()-start)
	}
	return best
}
