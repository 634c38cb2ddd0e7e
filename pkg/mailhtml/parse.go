package mailhtml

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// fallbackDepths are the nesting limits tried, in turn, when the parser
// rejects a body for nesting deeper than it allows (512 open elements).
var fallbackDepths = []int{128, 32}

// parse parses body as an HTML document the way a browser with scripting
// disabled would (as in the sandboxed iframe). A body nested too deeply is
// flattened and parsed again; ok=false means no parse succeeded.
func parse(body string) (doc *html.Node, ok bool) {
	doc, err := parseDoc(body)
	for _, depth := range fallbackDepths {
		if err == nil {
			break
		}
		doc, err = parseDoc(limitDepth(body, depth))
	}
	return doc, err == nil
}

func parseDoc(s string) (*html.Node, error) {
	return html.ParseWithOptions(strings.NewReader(s), html.ParseOptionEnableScripting(false))
}

// limitDepth drops start tags that would open more than max elements, as
// counted by a simple stack of tag names: an end tag closes up to the
// nearest open element of its name. The result is still untrusted HTML, to be
// parsed and sanitised like any other; only its nesting is bounded.
func limitDepth(body string, max int) string {
	var b strings.Builder
	b.Grow(len(body))
	z := html.NewTokenizer(strings.NewReader(body))
	var open []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		raw := z.Raw()
		switch tt {
		case html.StartTagToken:
			name, _ := z.TagName()
			if isVoid(name) {
				break
			}
			if len(open) >= max {
				continue
			}
			open = append(open, string(name))
		case html.EndTagToken:
			name, _ := z.TagName()
			open = closeTo(open, string(name))
		}
		b.Write(raw)
	}
}

// closeTo pops open up to and including the nearest element named name.
func closeTo(open []string, name string) []string {
	for i := len(open) - 1; i >= 0; i-- {
		if open[i] == name {
			return open[:i]
		}
	}
	return open
}

// isVoid reports whether an HTML element has no end tag.
func isVoid(name []byte) bool {
	switch atom.Lookup(name) {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr,
		atom.Img, atom.Input, atom.Keygen, atom.Link, atom.Meta, atom.Param,
		atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// plainText returns the text of body outside script and style elements.
func plainText(body string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(body))
	skip := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			skip = a == atom.Script || a == atom.Style
		case html.EndTagToken:
			skip = false
		case html.TextToken:
			if !skip {
				b.Write(z.Text())
			}
		}
	}
}
