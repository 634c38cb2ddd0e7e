package mailhtml

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// hostile lists every fixture in testdata/hostile and whether it holds
// remote content that must be counted when blocked.
var hostile = []struct {
	file   string
	remote bool
}{
	{"background-attr.html", true},
	{"base.html", false},
	{"comments-cdata.html", false},
	{"css-url-expression.html", true},
	{"data-uris.html", false},
	{"entity-tricks.html", true},
	{"event-handlers.html", false},
	{"forms.html", true},
	{"html-in-attrs.html", false},
	{"iframe.html", false},
	{"javascript-links.html", false},
	{"link-stylesheet.html", true},
	{"link-targets.html", false},
	{"meta-refresh.html", false},
	{"mixed-case-tags.html", false},
	{"mxss-namespace.html", false},
	{"object-embed.html", false},
	{"remote-img.html", true},
	{"script.html", false},
	{"srcset.html", true},
	{"style-import.html", true},
	{"svg.html", false},
	{"unclosed.html", true},
	{"video-poster.html", true},
}

// benign is what every fixture's first lines hold and must survive.
var benign = []string{
	"Benign text: the quarterly numbers are attached.",
	"<b>bold text</b>",
	"<td>cell-ok</td>",
	`href="https://example.com/ok"`,
}

func TestHostileCorpusListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, h := range hostile {
		listed = append(listed, filepath.Join("testdata", "hostile", h.file))
	}
	sort.Strings(files)
	if strings.Join(files, "\n") != strings.Join(listed, "\n") {
		t.Errorf("fixtures on disk:\n%s\nlisted in the test:\n%s", strings.Join(files, "\n"), strings.Join(listed, "\n"))
	}
}

func TestHostileCorpus(t *testing.T) {
	for _, h := range hostile {
		in, err := os.ReadFile(filepath.Join("testdata", "hostile", h.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, allow := range []bool{false, true} {
			name := h.file
			if allow {
				name += "/remote-allowed"
			}
			t.Run(name, func(t *testing.T) {
				res := sanitize(string(in), Options{AllowRemote: allow})
				checkHostile(t, res, allow, h.remote)
			})
		}
	}
}

// checkHostile asserts the invariants for one sanitised fixture.
func checkHostile(t *testing.T, res Result, allowRemote, hasRemote bool) {
	t.Helper()
	for _, p := range unsafe(res.HTML, allowRemote) {
		t.Error(p)
	}
	lower := strings.ToLower(res.HTML)
	for _, s := range []string{"javascript:", "vbscript:", "livescript:", "expression(", "@import", "data:text", "svg+xml", "<script", "<style><", "onerror", "onload"} {
		if strings.Contains(lower, s) {
			t.Errorf("output contains %q", s)
		}
	}
	if !allowRemote {
		if strings.Contains(lower, "tracker.example") || strings.Contains(lower, "url(") {
			t.Error("remote reference left in output")
		}
		if hasRemote && res.RemoteBlocked == 0 {
			t.Error("RemoteBlocked = 0 for a body with remote content")
		}
	}
	if !hasRemote || allowRemote {
		if res.RemoteBlocked != 0 {
			t.Errorf("RemoteBlocked = %d, want 0", res.RemoteBlocked)
		}
	}
	for _, s := range benign {
		if !strings.Contains(res.HTML, s) {
			t.Errorf("benign content %q lost", s)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", res.HTML)
	}
}
