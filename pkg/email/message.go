package email

import (
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Address is one mailbox: a display name (decoded, may be empty) and an
// address as written. Use Key to compare addresses.
type Address struct {
	Name    string
	Address string
}

// Key is the address lower-cased, the form addresses are compared in.
func (a Address) Key() string { return strings.ToLower(a.Address) }

// Domain is the lower-cased part of the address after its last "@", or ""
// when there is none.
func (a Address) Domain() string {
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(a.Address[at+1:])
}

// Attachment describes one attached file. Its content is not kept: Size and
// SHA256 are computed while the part streams by.
type Attachment struct {
	// Filename is the name to show and store: RawFilename made safe by
	// SanitizeFilename, never empty, never a path.
	Filename string
	// RawFilename is the name as the message gives it (decoded, possibly
	// empty, possibly hostile: "../" elements, control characters). It is
	// for diagnostics only; never use it as a path or show it unescaped.
	RawFilename string
	ContentType string
	Size        int64
	SHA256      string
	Inline      bool
	// ContentID is the part's Content-ID without its angle brackets (what
	// a "cid:" URL names); "" when it has none.
	ContentID string
}

// Message is a parsed email.
type Message struct {
	Header Header

	MessageID  string // without angle brackets
	Subject    string
	Date       time.Time // zero when absent or unparseable
	From       []Address
	Sender     []Address
	ReplyTo    []Address
	To         []Address
	Cc         []Address
	Bcc        []Address
	InReplyTo  []string
	References []string

	// ContentType is the media type of the top-level entity, lower-case.
	ContentType string
	// Text is the first text/plain body, decoded to UTF-8.
	Text string
	// HTML is the first text/html body, decoded to UTF-8.
	HTML string
	// Attachments lists attached files, message/rfc822 parts excluded.
	Attachments []Attachment
	// Attached holds message/rfc822 parts, each parsed in turn.
	Attached []*Message

	// Size is the number of bytes the message occupies.
	Size int64
	// Problems lists soft problems met while decoding (unknown charset,
	// bad encoding, truncated parts, limits reached).
	Problems []string
}

// TextBody returns the text body, or the HTML body turned into text when the
// message has no text/plain part.
func (m *Message) TextBody() string {
	if strings.TrimSpace(m.Text) != "" || m.HTML == "" {
		return m.Text
	}
	return HTMLToText(m.HTML)
}

// FirstFrom returns the first From address, and false when there is none.
func (m *Message) FirstFrom() (Address, bool) {
	if len(m.From) == 0 {
		return Address{}, false
	}
	return m.From[0], true
}

// maxFilenameBytes bounds a sanitised attachment name, the limit of most
// file systems.
const maxFilenameBytes = 255

// SanitizeFilename makes an attachment name safe to show and to use as a
// file name: it keeps the last element of a path written with "/" or "\\",
// removes control characters (NUL included) and bidirectional overrides,
// turns invalid UTF-8 into U+FFFD, trims spaces, and caps the length at 255
// bytes on a rune boundary, keeping a short extension. A name that ends up
// empty, "." or ".." becomes "attachment".
func SanitizeFilename(name string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "\uFFFD") {
		switch {
		case unicode.IsControl(r), isBidiControl(r):
		case r == '\\':
			b.WriteByte('/')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimRight(b.String(), "/ ")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "." || s == ".." {
		return "attachment"
	}
	if len(s) > maxFilenameBytes {
		ext := path.Ext(s)
		if len(ext) > 16 || len(ext) == len(s) {
			ext = ""
		}
		n := maxFilenameBytes - len(ext)
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + ext
	}
	return s
}

// isBidiControl reports the invisible characters that reorder text, used
// to disguise a name's extension ("invoice\u202Efdp.exe").
func isBidiControl(r rune) bool {
	return r == '\u200E' || r == '\u200F' || r == '\u061C' ||
		'\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}
