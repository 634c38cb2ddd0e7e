package mailhtml

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// forbidden are elements that must never reach the output.
var forbidden = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true,
	"object": true, "embed": true, "applet": true, "param": true, "base": true,
	"meta": true, "link": true, "form": true, "input": true, "button": true,
	"select": true, "textarea": true, "option": true, "svg": true, "math": true,
	"template": true, "noscript": true, "video": true, "audio": true, "source": true,
	"track": true, "canvas": true, "portal": true, "xmp": true, "plaintext": true,
	"noembed": true, "noframes": true, "title": true, "keygen": true, "isindex": true,
}

// unsafe returns every way the output of Sanitize breaks the invariants: a
// script vector, a URL the browser could load (remote ones only when
// allowRemote), or links that could reach back into the frame.
func unsafe(out string, allowRemote bool) []string {
	var bad []string
	if !strings.HasPrefix(out, docHead) || !strings.HasSuffix(out, docTail) {
		return []string{"output is not wrapped in the document shell"}
	}
	if strings.Contains(strings.ToLower(out), "<script") {
		bad = append(bad, "contains <script")
	}
	content := out[len(docHead) : len(out)-len(docTail)]
	// The output holds no raw-text or foreign elements (that is checked
	// here too), so a browser tokenizes it exactly as html.Tokenizer does.
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return bad
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			n := &html.Node{Type: html.ElementNode, Data: tok.Data, Attr: tok.Attr}
			bad = append(bad, unsafeElement(n, allowRemote)...)
		case html.CommentToken, html.DoctypeToken:
			bad = append(bad, "comment or doctype in the body")
		}
	}
}

// unsafeElement checks one element of the output and its attributes.
func unsafeElement(n *html.Node, allowRemote bool) []string {
	var bad []string
	if n.Namespace != "" || forbidden[n.Data] {
		bad = append(bad, fmt.Sprintf("element <%s:%s>", n.Namespace, n.Data))
	}
	for _, a := range n.Attr {
		if p := unsafeAttr(n, a, allowRemote); p != "" {
			bad = append(bad, fmt.Sprintf("<%s %s=%q>: %s", n.Data, a.Key, a.Val, p))
		}
	}
	if n.Data == "a" && attrVal(n, "target") != "" {
		rel := attrVal(n, "rel")
		if !strings.Contains(rel, "noopener") || !strings.Contains(rel, "noreferrer") {
			bad = append(bad, fmt.Sprintf("<a target> with rel=%q", rel))
		}
	}
	return bad
}

// unsafeAttr says what is wrong with one attribute, or "".
func unsafeAttr(n *html.Node, a html.Attribute, allowRemote bool) string {
	if a.Namespace != "" || strings.HasPrefix(a.Key, "on") {
		return "namespaced or event handler attribute"
	}
	v := strings.ToLower(cleanURL(a.Val))
	for _, s := range []string{"javascript:", "vbscript:", "livescript:"} {
		if strings.HasPrefix(v, s) {
			return "script URL"
		}
	}
	remote := classify(v) == urlRemote
	switch a.Key {
	case "href":
		if n.Data != "a" && n.Data != "area" {
			return "href on a non-link"
		}
		if !remote && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "#") {
			return "link target other than http(s), mailto or #fragment"
		}
	case "src":
		if _, ok := imageData(a.Val); !ok && !(allowRemote && remote) {
			return "src that is neither a data: image nor allowed remote"
		}
	case "background":
		if !(allowRemote && remote) {
			return "background URL"
		}
	case "srcset", "poster", "lowsrc", "dynsrc", "action", "formaction", "ping", "data", "srcdoc", "xmlns":
		return "attribute that loads or submits"
	case "style":
		return unsafeStyle(strings.ToLower(a.Val), allowRemote)
	case "target":
		if a.Val != "_blank" {
			return "target other than _blank"
		}
	}
	return ""
}

// unsafeStyle says what is wrong with a (lower-cased) style attribute, or "".
func unsafeStyle(s string, allowRemote bool) string {
	for _, bad := range []string{"expression", "javascript", "vbscript", "@import", "behavior", "binding", "\\", "/*"} {
		if strings.Contains(s, bad) {
			return "style contains " + bad
		}
	}
	for _, u := range cssURLs(s) {
		if !allowRemote {
			return "style url() with remote content blocked"
		}
		if _, ok := remoteURL(u); !ok {
			return "style url() that is not http(s)"
		}
	}
	return ""
}

func attrVal(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestCheckerCatches makes sure the invariant checker itself sees the
// vectors the hostile corpus and the fuzz target rely on it to find.
func TestCheckerCatches(t *testing.T) {
	for _, body := range []string{
		`<script>alert(1)</script>`,
		`<img src="x" onerror="alert(1)">`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href="/relative">x</a>`,
		`<img src="https://tracker.example/p.gif">`,
		`<img src="data:image/svg+xml;base64,PHN2Zz4=">`,
		`<div style="background: url(https://tracker.example/x.png)">x</div>`,
		`<div style="width: expression(alert(1))">x</div>`,
		`<svg><circle/></svg>`,
		`<iframe></iframe>`,
		`<a href="https://example.com/" target="_top">x</a>`,
		`<a href="https://example.com/" target="_blank">x</a>`,
		`<td background="https://tracker.example/x.png">`,
		`<!-- comment -->`,
	} {
		if len(unsafe(docHead+body+docTail, false)) == 0 {
			t.Errorf("checker misses %s", body)
		}
	}
	if p := unsafe(docHead+`<p><b>fine</b> <a href="https://example.com/" target="_blank" rel="noreferrer noopener">x</a></p>`+docTail, false); len(p) != 0 {
		t.Errorf("checker rejects safe output: %v", p)
	}
}
