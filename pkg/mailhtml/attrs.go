package mailhtml

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// attrs rewrites the attributes of an HTML element: event handlers and
// namespaced attributes go, URLs are checked, styles cleaned, bgcolor
// becomes a background-color.
func (w *walker) attrs(n *html.Node) {
	kept := n.Attr[:0]
	bg := ""
	for _, a := range n.Attr {
		if a.Namespace != "" || strings.HasPrefix(a.Key, "on") {
			continue
		}
		if a.Key == "bgcolor" {
			bg = colorValue(a.Val)
			continue
		}
		v, ok := w.attr(n, a.Key, a.Val)
		if ok {
			a.Val = v
			kept = append(kept, a)
		}
	}
	n.Attr = kept
	if bg != "" {
		prependStyle(n, "background-color: "+bg)
	}
	if (n.DataAtom == atom.A || n.DataAtom == atom.Area) && opensWindow(n) {
		n.Attr = append(n.Attr, html.Attribute{Key: "target", Val: "_blank"})
	}
}

// attr returns the rewritten value of one attribute, or false to drop it.
func (w *walker) attr(n *html.Node, key, val string) (string, bool) {
	switch key {
	case "style":
		return w.style(val)
	case "href":
		return w.href(n, val)
	case "src":
		if n.DataAtom == atom.Img {
			return w.imgSrc(val)
		}
		return w.fetched(n, val)
	case "background":
		return w.background(val)
	case "srcset", "poster", "lowsrc", "dynsrc", "data", "codebase":
		return w.fetched(n, val)
	case "id", "name":
		return val, idRe.MatchString(val)
	case "target", "action", "formaction", "ping", "xmlns", "is":
		return "", false
	}
	return val, true
}

// href keeps safe link targets on a and area; on link it only counts a
// remote stylesheet or icon (the element is removed).
func (w *walker) href(n *html.Node, val string) (string, bool) {
	switch n.DataAtom {
	case atom.A, atom.Area:
		return linkURL(val)
	case atom.Link:
		w.countRemote(cleanURL(val))
	}
	return "", false
}

// fetched drops an attribute whose URL the browser would load (other than
// img src), counting a remote one; srcset may hold several.
func (w *walker) fetched(n *html.Node, val string) (string, bool) {
	switch n.DataAtom {
	case atom.Script, atom.Iframe, atom.Frame, atom.Object, atom.Embed, atom.Applet:
		return "", false // never shown, whatever the user allows
	}
	if n.Data == "portal" || n.Data == "fencedframe" {
		return "", false
	}
	urls := []string{val}
	if strings.Contains(val, ",") && !strings.HasPrefix(strings.TrimSpace(val), "data:") {
		urls = srcsetURLs(val)
	}
	for _, u := range urls {
		if classify(cleanURL(u)) == urlRemote {
			w.countRemote(cleanURL(u))
			break
		}
	}
	return "", false
}

// background keeps a remote background image URL when remote content is
// allowed, and drops (and counts) it otherwise.
func (w *walker) background(val string) (string, bool) {
	u := cleanURL(val)
	if w.opts.AllowRemote {
		return remoteURL(u)
	}
	w.countRemote(u)
	return "", false
}

// imgSrc rewrites an image source: cid: to its data: URI, data: images kept
// under the cap, remote ones only when allowed, anything else dropped.
func (w *walker) imgSrc(val string) (string, bool) {
	u := cleanURL(val)
	switch classify(u) {
	case urlCID:
		return w.inline(cidOf(u))
	case urlData:
		if d, ok := imageData(u); ok {
			return w.charge(d)
		}
	case urlRemote:
		if w.opts.AllowRemote {
			return remoteURL(u)
		}
		w.blocked++
	}
	return "", false
}

// inline resolves a Content-ID through Options.Inline, once per Sanitize.
func (w *walker) inline(cid string) (string, bool) {
	if w.opts.Inline == nil {
		return "", false
	}
	d, seen := w.cids[cid]
	if !seen {
		if uri, ok := w.opts.Inline(cid); ok {
			d, _ = imageData(cleanURL(uri))
		}
		w.cids[cid] = d
	}
	if d == "" {
		return "", false
	}
	return w.charge(d)
}

// charge counts a data: URI against MaxInlineBytes; false once it is spent.
func (w *walker) charge(d string) (string, bool) {
	if w.inlined+len(d) > MaxInlineBytes {
		return "", false
	}
	w.inlined += len(d)
	return d, true
}

// style cleans a style attribute: declarations with escapes or url() are
// removed (a remote url() counted) unless remote content is allowed and the
// declaration sets a background to plain http(s) URLs. The second pass then
// applies the property allowlist.
func (w *walker) style(val string) (string, bool) {
	if len(val) > maxStyleLen {
		return "", false
	}
	var kept []string
	for _, d := range splitDeclarations(val) {
		if w.declOK(d) {
			kept = append(kept, strings.TrimSpace(d))
		}
	}
	if len(kept) == 0 {
		return "", false
	}
	return strings.Join(kept, "; "), true
}

// declOK reports whether a style declaration survives the first pass.
func (w *walker) declOK(d string) bool {
	if strings.TrimSpace(d) == "" || strings.ContainsRune(d, '\\') {
		return false
	}
	urls := cssURLs(d)
	if len(urls) == 0 {
		return true
	}
	if w.opts.AllowRemote && isBackground(property(d)) {
		return true // bluemonday's value check accepts only plain http(s) URLs
	}
	for _, u := range urls {
		w.countRemote(cleanURL(u))
	}
	return false
}

func isBackground(prop string) bool {
	return prop == "background" || prop == "background-image"
}

// prependStyle puts a declaration first in n's style attribute.
func prependStyle(n *html.Node, decl string) {
	for i, a := range n.Attr {
		if a.Key == "style" {
			n.Attr[i].Val = decl + "; " + a.Val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: "style", Val: decl})
}

// opensWindow reports whether an a or area element links out of the message
// (to an http, https or mailto URL), so it must open a new window: the
// sandbox lets the frame open popups but not navigate the page around it.
func opensWindow(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "href" {
			return classify(a.Val) == urlRemote || scheme(a.Val) == "mailto"
		}
	}
	return false
}

// idRe matches the id and name values kept (for in-page links).
var idRe = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,100}$`)

// colorRe matches a colour given as #hex or a name.
var colorRe = regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30})$`)

// colorValue returns a trimmed colour attribute value, or "".
func colorValue(v string) string {
	v = strings.TrimSpace(v)
	if colorRe.MatchString(v) {
		return v
	}
	return ""
}
