package email

import (
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// Header gives access to the raw header fields of a message.
type Header struct {
	h textproto.Header
}

// Get returns the first value of the field named key, unfolded, or "".
func (h Header) Get(key string) string { return unfold(h.h.Get(key)) }

// Values returns every value of the field named key, in message order,
// unfolded.
func (h Header) Values(key string) []string {
	vs := h.h.Values(key)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = unfold(v)
	}
	return out
}

// Has reports whether the header has a field named key.
func (h Header) Has(key string) bool { return h.h.Has(key) }

// Len returns the number of fields.
func (h Header) Len() int { return h.h.Len() }

// unfold joins folded header lines (RFC 5322 section 2.2.3).
func unfold(v string) string {
	if strings.IndexByte(v, '\n') < 0 {
		return v
	}
	v = strings.ReplaceAll(v, "\r\n", "\n")
	return strings.ReplaceAll(v, "\n", "")
}

// wordDecoder decodes RFC 2047 encoded words in any charset go-message's
// charset package knows.
func newWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charset.Reader}
}

// decodeText decodes encoded words in an unstructured header value. Raw
// 8-bit bytes that are not UTF-8 are read as windows-1252, the most common
// undeclared charset.
func decodeText(dec *mime.WordDecoder, v string) string {
	v = toUTF8(v)
	if !strings.Contains(v, "=?") {
		return v
	}
	out, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return toUTF8(out)
}

// toUTF8 returns s unchanged when it is valid UTF-8 and otherwise decodes it
// as windows-1252.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}
