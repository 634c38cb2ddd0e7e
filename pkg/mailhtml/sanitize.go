package mailhtml

import (
	"html"
	"strings"
)

// FrameCSP is the Content-Security-Policy for the response that serves
// Result.HTML when remote content is blocked: a sandbox without scripts,
// same-origin or forms, only data: images and inline styles.
const FrameCSP = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"

// FrameCSPRemote is FrameCSP for a body sanitised with Options.AllowRemote:
// it also lets images load over https and http.
const FrameCSPRemote = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'; frame-ancestors 'self'"

// MaxInlineBytes caps the total size of the data: URIs (from cid: images and
// from data: images in the body) that one Sanitize call puts in its output.
// Images beyond the cap are left out.
const MaxInlineBytes = 10 << 20

// Options for Sanitize.
type Options struct {
	// AllowRemote lets remote images and other remote content through (the
	// user clicked "show remote content").
	AllowRemote bool
	// Inline resolves a cid: reference (Content-ID without angle brackets)
	// to a data: URI; ok=false leaves the image out. nil = no inline images.
	Inline func(cid string) (dataURI string, ok bool)
}

// Result is sanitised HTML and what was held back.
type Result struct {
	HTML          string // a complete, safe HTML document (doctype, head with charset, body)
	RemoteBlocked int    // how many remote references were removed (0 when AllowRemote)
}

// docHead opens the document Sanitize returns; docTail closes it.
const (
	docHead = `<!DOCTYPE html><html><head><meta charset="utf-8">` +
		`<meta name="referrer" content="no-referrer">` +
		`<style>body{margin:0;padding:8px;overflow-wrap:break-word}</style>` +
		`</head><body>`
	docTail = `</body></html>`
)

// Sanitize turns an email's untrusted HTML body into a safe HTML document for
// a sandboxed iframe. It never fails: input it cannot parse is shown as text.
func Sanitize(body string, opts Options) (res Result) {
	defer func() {
		if recover() != nil {
			res = Result{HTML: wrap(`<p>This message could not be displayed.</p>`)}
		}
	}()
	return sanitize(body, opts)
}

// sanitize is Sanitize without the safety net, so tests see any panic.
func sanitize(body string, opts Options) Result {
	w := newWalker(opts)
	pre, ok := w.rewrite(body)
	if !ok {
		return Result{HTML: wrap(textOnly(body))}
	}
	out := policyFor(opts.AllowRemote).Sanitize(pre)
	return Result{HTML: wrap(out), RemoteBlocked: w.blocked}
}

// wrap puts sanitised body content into the document Sanitize returns.
func wrap(content string) string {
	var b strings.Builder
	b.Grow(len(docHead) + len(content) + len(docTail))
	b.WriteString(docHead)
	b.WriteString(content)
	b.WriteString(docTail)
	return b.String()
}

// textOnly is the last resort for input the parser rejects: its text,
// escaped, with no markup at all.
func textOnly(body string) string {
	return "<div>" + html.EscapeString(plainText(body)) + "</div>"
}
