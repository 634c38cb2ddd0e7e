package crm

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"

	"github.com/poller-crm/poller/pkg/forward"
)

// The keys by which copies of one logical email are recognised: a Bcc copy
// and a forward of the same message, or the same message logged twice.

// ContentKey identifies a logical email by what it says rather than by its
// Message-ID, so that a forward of a message (whose inline block has no
// Message-ID) meets the Bcc copy of the same message: the sender, the
// subject without reply and forward prefixes, a hash of the body with
// whitespace and quote markers removed, and the contacts it is logged on.
func ContentKey(from, subject, body string, logTo []string) string {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(from)))
	h.Write([]byte{0})
	h.Write([]byte(forward.NormaliseSubject(subject)))
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

// DedupKey is the key under which a logical email is logged once: its
// Message-ID when known ("msgid:<id>", lower-case), else its content key
// and the minute of its date ("content:<key>|<minute>"). messageID is the
// Message-ID of the email logged: the message's own, or for a forward the
// original's (often unknown).
func DedupKey(messageID, contentKey string, date time.Time) string {
	if messageID != "" {
		return "msgid:" + strings.ToLower(messageID)
	}
	minute := ""
	if !date.IsZero() {
		minute = date.UTC().Format("2006-01-02T15:04")
	}
	return "content:" + contentKey + "|" + minute
}

// ByContent reports whether a dedup key is a content key, whose email is
// also found by content within a day (SameDate).
func ByContent(dedupKey string) bool { return strings.HasPrefix(dedupKey, "content:") }

// SameDate reports whether two dates can be the same message's: within the
// spread of time zones, as a forwarded header often states no offset.
func SameDate(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	d := a.Sub(b)
	if d < 0 {
		d = -d
	}
	return d <= 26*time.Hour
}
