package mailhtml

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// walker is the first pass: it rewrites the parsed tree and counts what it
// holds back.
type walker struct {
	opts    Options
	blocked int               // remote references removed
	inlined int               // bytes of data: URIs kept
	cids    map[string]string // Inline answers, "" for a refused cid
}

func newWalker(opts Options) *walker {
	return &walker{opts: opts, cids: map[string]string{}}
}

// rewrite parses body, rewrites it and renders the content of its body
// element (as a div) for the second pass; ok=false if it could not.
func (w *walker) rewrite(body string) (string, bool) {
	doc, ok := parse(body)
	if !ok {
		return "", false
	}
	w.countHead(doc)
	b := findBody(doc)
	if b == nil {
		return "", true
	}
	w.element(b)
	b.Data, b.DataAtom = "div", atom.Div
	var out strings.Builder
	if err := html.Render(&out, b); err != nil {
		return "", false
	}
	return out.String(), true
}

// countHead counts the remote stylesheets, and remote url()s in style
// elements, of the document head, which is not shown.
func (w *walker) countHead(doc *html.Node) {
	head := child(child(doc, atom.Html), atom.Head)
	if head == nil {
		return
	}
	for e := head.FirstChild; e != nil; {
		next := e.NextSibling
		if e.Type == html.ElementNode && (e.DataAtom == atom.Style || e.DataAtom == atom.Link) {
			w.element(e) // counts, then removes it
		}
		e = next
	}
}

// child returns the first child element of n (which may be nil) with atom a.
func child(n *html.Node, a atom.Atom) *html.Node {
	if n == nil {
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == a {
			return c
		}
	}
	return nil
}

// findBody returns the body element of a parsed document, or nil (a
// frameset document has none).
func findBody(doc *html.Node) *html.Node {
	return child(child(doc, atom.Html), atom.Body)
}

// children visits the children of n; a visit may remove or unwrap the child.
func (w *walker) children(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.ElementNode:
			w.element(c)
		case html.TextNode:
		default: // comments (and CDATA, which HTML parses as comments), doctypes
			n.RemoveChild(c)
		}
		c = next
	}
}

// element rewrites an element's attributes, then keeps, unwraps or removes it.
func (w *walker) element(n *html.Node) {
	if n.Namespace != "" { // svg, math: foreign content is never shown
		n.Parent.RemoveChild(n)
		return
	}
	w.attrs(n)
	switch treatment(n) {
	case drop:
		if n.DataAtom == atom.Style {
			w.countCSS(text(n))
		}
		n.Parent.RemoveChild(n)
	case unwrap:
		w.children(n)
		for c := n.FirstChild; c != nil; c = n.FirstChild {
			n.RemoveChild(c)
			n.Parent.InsertBefore(c, n)
		}
		n.Parent.RemoveChild(n)
	default:
		w.children(n)
	}
}

// action is what the first pass does with an element.
type action int

const (
	keep   action = iota // keep it (bluemonday decides about the tag itself)
	drop                 // remove it with all its content
	unwrap               // remove the tag, keep its content
)

// treatment says what happens to an HTML element.
func treatment(n *html.Node) action {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head,
		atom.Title, atom.Base, atom.Meta, atom.Link,
		atom.Iframe, atom.Frame, atom.Frameset, atom.Noframes,
		atom.Object, atom.Embed, atom.Applet, atom.Param, atom.Noembed,
		atom.Xmp, atom.Plaintext, atom.Canvas, atom.Audio, atom.Video,
		atom.Source, atom.Track, atom.Input, atom.Button, atom.Select,
		atom.Option, atom.Optgroup, atom.Datalist, atom.Textarea,
		atom.Keygen, atom.Output, atom.Slot, atom.Dialog, atom.Svg, atom.Math:
		return drop
	case atom.Form, atom.Label, atom.Fieldset, atom.Legend:
		return unwrap
	case 0:
		switch n.Data {
		case "portal", "fencedframe", "isindex":
			return drop
		}
	}
	return keep
}

// text returns the text inside n.
func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// countCSS counts the remote references in CSS text that is removed.
func (w *walker) countCSS(css string) {
	for _, u := range cssURLs(css) {
		w.countRemote(cleanURL(u))
	}
}

// countRemote counts a removed URL if it is remote and remote content is off.
func (w *walker) countRemote(u string) {
	if !w.opts.AllowRemote && classify(u) == urlRemote {
		w.blocked++
	}
}
