package notice

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on what a notice copies from the original message.
const (
	maxSubjectRunes = 200 // of the original subject, in the notice's Subject
	maxIDBytes      = 250 // of a Message-ID to reply to
	maxReferences   = 10  // msg-ids in References: the first and the latest
	foldAt          = 76  // header lines are folded before this many bytes where they can be
)

// errBadAddress reports an address that cannot go in a header.
var errBadAddress = errors.New("not a usable address")

// headerWriter writes header fields, folding long values (RFC 5322 §2.2.3).
type headerWriter struct{ b bytes.Buffer }

// field writes "name: value" with value folded at its spaces. value must
// already be safe (see cleanText) and encoded.
func (w *headerWriter) field(name, value string) {
	line := len(name) + 1
	w.b.WriteString(name)
	w.b.WriteByte(':')
	for i, word := range strings.Split(value, " ") {
		if i > 0 && line+1+len(word) > foldAt && line > len(name)+1 {
			w.b.WriteString("\r\n")
			line = 0
		}
		w.b.WriteByte(' ')
		w.b.WriteString(word)
		line += 1 + len(word)
	}
	w.b.WriteString("\r\n")
}

// ids writes a field of msg-ids, one per line after the first.
func (w *headerWriter) ids(name string, ids []string) {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = "<" + id + ">"
	}
	w.b.WriteString(name + ": " + strings.Join(quoted, "\r\n "))
	w.b.WriteString("\r\n")
}

// cleanText makes untrusted text fit for one header line: invalid UTF-8
// replaced, CR, LF and every other control character turned into a space,
// runs of spaces collapsed, and the length capped at max runes.
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) || isBidi(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

func isBidi(r rune) bool {
	return r == '\u200E' || r == '\u200F' || r == '\u061C' ||
		'\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

// encodeText encodes cleaned text as RFC 2047 encoded-words when it is
// not plain ASCII, or when it would read as encoded-words itself.
func encodeText(s string) string {
	switch {
	case !isPrintableASCII(s):
		return mime.QEncoding.Encode("utf-8", s)
	case strings.Contains(s, "=?"):
		return qEncodeASCII(s)
	}
	return s
}

// qEncodeASCII encodes printable ASCII as Q encoded-words (RFC 2047 §4.2)
// even though it needs none, which mime.QEncoding declines to do.
func qEncodeASCII(s string) string {
	const payload = 75 - len("=?utf-8?q??=")
	var words []string
	var w strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		enc := string(c)
		switch {
		case c == ' ':
			enc = "_"
		case c == '=' || c == '?' || c == '_':
			enc = fmt.Sprintf("=%02X", c)
		}
		if w.Len()+len(enc) > payload {
			words = append(words, "=?utf-8?q?"+w.String()+"?=")
			w.Reset()
		}
		w.WriteString(enc)
	}
	return strings.Join(append(words, "=?utf-8?q?"+w.String()+"?="), " ")
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// formatAddress renders an address for a header, its name encoded as
// RFC 2047 needs.
func formatAddress(name, addr string) (string, error) {
	a, err := mail.ParseAddress("<" + strings.TrimSpace(addr) + ">")
	if err != nil || strings.ContainsAny(addr, "\r\n") {
		return "", fmt.Errorf("%q: %w", addr, errBadAddress)
	}
	a.Name = cleanText(name, 100)
	return a.String(), nil
}

// validID reports whether id (without brackets) can go in a header.
func validID(id string) bool {
	if id == "" || len(id) > maxIDBytes || !strings.Contains(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// references is the References of a reply (RFC 5322 §3.6.4): the
// original's References and its Message-ID, keeping the first and the
// latest when there are too many.
func references(refs []string, id string) []string {
	var out []string
	for _, r := range append(append([]string(nil), refs...), id) {
		if validID(r) {
			out = append(out, r)
		}
	}
	if len(out) > maxReferences {
		out = append(out[:1], out[len(out)-maxReferences+1:]...)
	}
	return out
}

// NewMessageID makes a fresh Message-ID (without brackets) for a notice
// from the address from ("Name <a@b>" or "a@b"): poller-notice.RANDOM@ the
// address's domain (poller.invalid when it has none).
func NewMessageID(from string) string {
	domain := "poller.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 && validID("x@"+a.Address[at+1:]) {
			domain = strings.ToLower(a.Address[at+1:])
		}
	}
	return idPrefix + strings.ToLower(rand.Text()) + "@" + domain
}

// formatDate is an RFC 5322 §3.3 date-time.
func formatDate(t time.Time) string { return t.Format("Mon, 02 Jan 2006 15:04:05 -0700") }
