package web

import (
	"bytes"
	"encoding/base64"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/poller-crm/poller/pkg/mailhtml"
	"github.com/poller-crm/poller/pkg/view"
)

// maxInlineImage bounds one cid: image put in the page as a data: URI
// (mailhtml caps their total).
const maxInlineImage = 5 << 20

// inlineImageTypes are the image types a cid: reference may resolve to.
var inlineImageTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
}

// emailHTML serves the sanitised HTML body of an email, for the sandboxed
// iframe of its page: its own CSP sandboxes it (no script, an opaque
// origin) and lets only the app frame it. Remote content stays blocked
// unless ?remote=1.
func (s *Server) emailHTML(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := idParam(r, "id")
	if !ok {
		s.notFound(w, r, a)
		return
	}
	e, err := s.store.Email(r.Context(), a.Viewer, id)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	if e.BodyHTML == "" {
		s.notFound(w, r, a)
		return
	}
	remote := r.URL.Query().Get("remote") == "1"
	res := mailhtml.Sanitize(e.BodyHTML, mailhtml.Options{
		AllowRemote: remote,
		Inline:      s.inlineImages(r, a, e),
	})
	h := w.Header()
	if remote {
		h.Set("Content-Security-Policy", mailhtml.FrameCSPRemote)
	} else {
		h.Set("Content-Security-Policy", mailhtml.FrameCSP)
	}
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(res.HTML)))
	if r.Method != http.MethodHead {
		w.Write([]byte(res.HTML))
	}
}

// inlineImages resolves cid: references to the email's attachments with
// that Content-ID, as data: URIs.
func (s *Server) inlineImages(r *http.Request, a *auth, e *view.Email) func(string) (string, bool) {
	byCID := map[string]view.Attachment{}
	for _, at := range e.AttachmentList {
		if at.ContentID == "" {
			continue
		}
		cid := strings.ToLower(strings.Trim(at.ContentID, "<> "))
		if prev, ok := byCID[cid]; ok && prev.Inline && !at.Inline {
			continue
		}
		byCID[cid] = at
	}
	if len(byCID) == 0 {
		return nil
	}
	return func(cid string) (string, bool) {
		at, ok := byCID[strings.ToLower(strings.Trim(cid, "<> "))]
		if !ok || at.Size > maxInlineImage {
			return "", false
		}
		ctype, _, err := mime.ParseMediaType(at.ContentType)
		if err != nil || !inlineImageTypes[strings.ToLower(ctype)] {
			return "", false
		}
		var buf bytes.Buffer
		if _, err := s.store.Attachment(r.Context(), a.Viewer, e.ID, at.ID, &buf); err != nil {
			s.log.Warn("inline image", "email", e.ID, "attachment", at.ID, "err", err)
			return "", false
		}
		return "data:" + strings.ToLower(ctype) + ";base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), true
	}
}
