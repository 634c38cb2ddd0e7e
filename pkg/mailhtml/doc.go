// Package mailhtml turns the untrusted HTML body of an email into HTML that is
// safe to show inside a sandboxed iframe.
//
// Sanitize works in two passes. The first parses the body with
// golang.org/x/net/html as a browser would and rewrites the tree: cid:
// images become data: URIs (capped in total), remote images and other remote
// references are removed and counted unless Options.AllowRemote is set,
// comments and dangerous elements (script, style, svg, math, iframe, object,
// forms, base, meta, link, ...) are removed with their content, event
// handlers are dropped and only http, https, mailto and in-page links are
// kept. The second pass runs bluemonday with a policy built from UGCPolicy:
// tables, a small set of inline style properties without url() or
// expression(), data: images of PNG, JPEG, GIF or WebP only, and links that
// open in a new window with rel="noopener noreferrer".
//
// The output is a complete HTML document. Serve it from its own URL with
// FrameCSP (or FrameCSPRemote when remote content was allowed) as the
// Content-Security-Policy header, so that even a sanitiser bug cannot run
// script: the sandbox directive gives the document an opaque origin with
// scripts disabled. Embed it with <iframe sandbox="allow-popups
// allow-popups-to-escape-sandbox">; never add allow-scripts or
// allow-same-origin.
package mailhtml
