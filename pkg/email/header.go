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
	out, err := dec.DecodeHeader(repairEncodedWords(v))
	if err != nil {
		return v
	}
	return toUTF8(out)
}

// repairEncodedWords fixes the base64 of "B" encoded words (RFC 2047
// section 4.1) as mail clients read them: padding missing, misplaced or in
// excess, and a stray last character, are forgiven. Go's decoder leaves such
// a word encoded.
func repairEncodedWords(v string) string {
	var b strings.Builder
	for {
		start := strings.Index(v, "=?")
		if start < 0 {
			break
		}
		cs, rest, ok := strings.Cut(v[start+2:], "?")
		if !ok || len(rest) < 2 || rest[1] != '?' || (rest[0] != 'B' && rest[0] != 'b') {
			b.WriteString(v[:start+2])
			v = v[start+2:]
			continue
		}
		text, after, ok := strings.Cut(rest[2:], "?=")
		if !ok {
			break
		}
		b.WriteString(v[:start])
		b.WriteString("=?" + cs + "?B?" + fixBase64(text) + "?=")
		v = after
	}
	b.WriteString(v)
	return b.String()
}

// fixBase64 drops padding and other stray characters from s and pads it
// again to a whole number of quads.
func fixBase64(s string) string {
	clean := make([]byte, 0, len(s)+3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 { // a lone sextet carries no whole byte
		clean = clean[:len(clean)-1]
	}
	for len(clean)%4 != 0 {
		clean = append(clean, '=')
	}
	return string(clean)
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
