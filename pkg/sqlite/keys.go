package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/poller-crm/poller/pkg/forward"
)

// contentKey identifies a logical email by what it says rather than by its
// Message-ID, so that a forward of a message (whose inline block has no
// Message-ID) meets the Bcc copy of the same message: the sender, the
// subject without reply and forward prefixes, a hash of the body with
// whitespace and quote markers removed, and the contacts it is logged on.
func contentKey(from, subject, body string, logTo []string) string {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(from)))
	h.Write([]byte{0})
	h.Write([]byte(normaliseSubject(subject)))
	h.Write([]byte{0})
	var folded strings.Builder
	for _, r := range strings.ToLower(body) {
		if !unicode.IsSpace(r) && r != '>' {
			folded.WriteRune(r)
		}
	}
	h.Write([]byte(folded.String()))
	for _, a := range logTo {
		h.Write([]byte{0})
		h.Write([]byte(a))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// normaliseSubject lower-cases s, removes reply and forward prefixes of any
// locale and folds whitespace.
func normaliseSubject(s string) string {
	for {
		s = strings.TrimSpace(s)
		if rest, ok := forward.StripSubjectPrefix(s); ok {
			s = rest
			continue
		}
		if rest, ok := stripReplyPrefix(s); ok {
			s = rest
			continue
		}
		break
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// replyPrefixes are reply markers of common locales, lower-case.
var replyPrefixes = []string{"re", "aw", "sv", "antw", "vs", "odp", "ynt", "res", "ref", "rif", "r", "otv", "отв", "回复", "答复", "返信", "답장"}

func stripReplyPrefix(s string) (string, bool) {
	colon := strings.IndexAny(s, ":：")
	if colon <= 0 || colon > 12 {
		return s, false
	}
	p := strings.ToLower(strings.TrimSpace(s[:colon]))
	if i := strings.IndexAny(p, "[("); i > 0 { // "Re[2]", "RE (3)"
		p = strings.TrimSpace(p[:i])
	}
	for _, r := range replyPrefixes {
		if p == r {
			_, size := utf8.DecodeRuneInString(s[colon:])
			return s[colon+size:], true
		}
	}
	return s, false
}

// sameDate reports whether two dates can be the same message's: within the
// spread of time zones, as a forwarded header often states no offset.
func sameDate(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	d := a.Sub(b)
	if d < 0 {
		d = -d
	}
	return d <= 26*time.Hour
}
