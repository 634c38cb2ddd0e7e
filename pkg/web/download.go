package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/poller-crm/poller/pkg/view"
)

// attachment downloads one attachment of an email.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok1 := idParam(r, "id")
	aid, ok2 := idParam(r, "aid")
	if !ok1 || !ok2 {
		s.notFound(w, r, a)
		return
	}
	// First the metadata (and whether it may be seen), then the content.
	at, err := s.store.Attachment(r.Context(), a.Viewer, id, aid, nil)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	name := at.Name
	if name == "" {
		name = fmt.Sprintf("attachment-%d", at.ID)
	}
	dw := s.download(w, r, a, downloadType(at.ContentType), name, at.Size)
	if r.Method == http.MethodHead {
		dw.start()
		return
	}
	_, err = s.store.Attachment(r.Context(), a.Viewer, id, aid, dw)
	dw.finish(err)
}

// emailRaw downloads the stored message of an email, byte for byte.
func (s *Server) emailRaw(w http.ResponseWriter, r *http.Request, a *auth) {
	s.rawDownload(w, r, a, "email-%d.eml", s.store.RawEmail)
}

// intakeRaw downloads the raw message of an intake row.
func (s *Server) intakeRaw(w http.ResponseWriter, r *http.Request, a *auth) {
	s.rawDownload(w, r, a, "intake-%d.eml", s.store.RawIntake)
}

// rawDownload sends the raw message that write copies for the id in the
// path, named by nameFormat (a %d for the id). HEAD reads it to know it
// exists and may be seen, and sends only the headers.
func (s *Server) rawDownload(w http.ResponseWriter, r *http.Request, a *auth, nameFormat string,
	write func(ctx context.Context, v view.Viewer, id int64, w io.Writer) error) {
	id, ok := idParam(r, "id")
	if !ok {
		s.notFound(w, r, a)
		return
	}
	dw := s.download(w, r, a, "message/rfc822", fmt.Sprintf(nameFormat, id), -1)
	var out io.Writer = dw
	if r.Method == http.MethodHead {
		out = io.Discard
	}
	err := write(r.Context(), a.Viewer, id, out)
	if r.Method == http.MethodHead && err == nil {
		dw.start()
	}
	dw.finish(err)
}

// downloadWriter sends a download's headers on its first write, so that
// an error before any byte (not found, not visible) can still be a 404
// page.
type downloadWriter struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	a       *auth
	ctype   string
	name    string
	size    int64
	started bool
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, a *auth, ctype, name string, size int64) *downloadWriter {
	return &downloadWriter{s: s, w: w, r: r, a: a, ctype: ctype, name: name, size: size}
}

func (d *downloadWriter) start() {
	if d.started {
		return
	}
	d.started = true
	h := d.w.Header()
	h.Set("Content-Type", d.ctype)
	h.Set("Content-Disposition", contentDisposition(d.name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", downloadCSP)
	h.Set("Cache-Control", "private, no-store")
	if d.size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(d.size, 10))
	}
	d.w.WriteHeader(http.StatusOK)
}

func (d *downloadWriter) Write(p []byte) (int, error) {
	d.start()
	return d.w.Write(p)
}

// finish answers an error: a page when nothing was sent yet, else only a
// log line (the client sees a cut download).
func (d *downloadWriter) finish(err error) {
	switch {
	case err == nil:
		d.start() // an empty file is still a file
	case !d.started:
		d.s.storeError(d.w, d.r, d.a, err)
	case !errors.Is(err, d.r.Context().Err()):
		d.s.log.Error("download cut", "path", d.r.URL.Path, "err", err)
	}
}

// passiveTypes are the content types an attachment is served as; any
// other (HTML, SVG, XML, scripts: what a browser could run) is served as
// application/octet-stream.
var passiveTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"image/bmp": true, "image/tiff": true, "image/avif": true, "image/heic": true,
	"application/pdf": true, "application/zip": true, "application/gzip": true,
	"application/x-7z-compressed": true, "application/x-tar": true, "application/rtf": true,
	"application/msword": true, "application/vnd.ms-excel": true, "application/vnd.ms-powerpoint": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/vnd.oasis.opendocument.presentation":                           true,
	"text/plain": true, "text/csv": true, "text/calendar": true, "text/vcard": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/wav": true, "audio/mp4": true,
	"video/mp4": true, "video/webm": true, "video/quicktime": true,
	"message/rfc822": true,
}

// downloadType is the Content-Type an attachment is served with.
func downloadType(ctype string) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return "application/octet-stream"
	}
	mt = strings.ToLower(mt)
	if !passiveTypes[mt] {
		return "application/octet-stream"
	}
	if strings.HasPrefix(mt, "text/") {
		cs := strings.ToLower(params["charset"])
		if cs != "" && isToken(cs) {
			return mt + "; charset=" + cs
		}
	}
	return mt
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:+", c)) {
			return false
		}
	}
	return s != ""
}

// contentDisposition is an attachment disposition for name (RFC 6266):
// an ASCII fallback in filename, the UTF-8 name in filename* (RFC 8187).
// Neither holds a path, quotes, or control characters.
func contentDisposition(name string) string {
	name = safeFileName(name)
	ascii := asciiFileName(name)
	v := `attachment; filename="` + ascii + `"`
	if ascii != name {
		v += "; filename*=UTF-8''" + rfc8187Escape(name)
	}
	return v
}

// safeFileName strips a name of paths, control and format characters,
// and what Windows forbids, keeping the rest (UTF-8).
func safeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, c := range name {
		switch {
		case c == utf8.RuneError, unicode.IsControl(c), unicode.Is(unicode.Cf, c),
			strings.ContainsRune(`"<>:|?*;`, c):
			b.WriteRune('_')
		case unicode.IsSpace(c):
			b.WriteRune(' ')
		default:
			b.WriteRune(c)
		}
	}
	name = strings.Trim(b.String(), " .")
	if len(name) > 200 {
		// Keep the extension when cutting.
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
			ext = name[i:]
		}
		cut := name[:200-len(ext)]
		for !utf8.ValidString(cut) {
			cut = cut[:len(cut)-1]
		}
		name = cut + ext
	}
	if name == "" {
		name = "download"
	}
	return name
}

// asciiFileName replaces what is not printable ASCII.
func asciiFileName(name string) string {
	var b strings.Builder
	for _, c := range name {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '%' {
			b.WriteRune('_')
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// rfc8187Escape percent-encodes all but attr-char.
func rfc8187Escape(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
