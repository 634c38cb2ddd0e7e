package notice

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DigestItem is one message in a daily digest.
type DigestItem struct {
	// ID is the email's id (logged) or the intake row's (not logged).
	ID      int64
	Subject string
	// Who names the contacts a logged email is on, or the sender of one
	// that was not logged.
	Who  string
	Date time.Time
	// Reason is the rejection reason of an item that was not logged.
	Reason string
}

// ComposeDigest renders the day's digest for user (an address): what was
// logged for them and what was not, each with its link when BaseURL is
// set. It is marked Auto-Submitted: auto-generated (RFC 3834 §5); callers
// skip a user with nothing in either list.
func (c Config) ComposeDigest(user string, logged, notLogged []DigestItem, now time.Time) ([]byte, error) {
	from, to, err := addresses(c.From, "", user)
	if err != nil {
		return nil, err
	}
	m := message{
		from:        from,
		to:          to,
		subject:     fmt.Sprintf("Poller digest for %s: %d logged, %d not logged", now.Format("2 Jan 2006"), len(logged), len(notLogged)),
		id:          NewMessageID(c.From),
		autoKeyword: "auto-generated",
		body:        c.digestBody(logged, notLogged),
	}
	return m.render(now)
}

func (c Config) digestBody(logged, notLogged []DigestItem) string {
	var b strings.Builder
	base := strings.TrimRight(c.BaseURL, "/")
	fmt.Fprintf(&b, "Not logged (%d):\n", len(notLogged))
	for _, it := range notLogged {
		what, _ := c.advice(it.Reason)
		c.digestLine(&b, it, base, "/intake/", what)
	}
	fmt.Fprintf(&b, "\nLogged for you (%d):\n", len(logged))
	for _, it := range logged {
		c.digestLine(&b, it, base, "/emails/", "")
	}
	b.WriteString("\n-- \nThis digest was sent automatically by poller.\n")
	return b.String()
}

// digestLine writes one item: date, subject, who, a note and the link.
func (c Config) digestLine(b *strings.Builder, it DigestItem, base, path, note string) {
	line := "- "
	if !it.Date.IsZero() {
		line += it.Date.Format("2 Jan 15:04") + " "
	}
	line += originalSubject(it.Subject)
	if who := cleanText(it.Who, 200); who != "" {
		line += " (" + who + ")"
	}
	b.WriteString(wrap(line, wrapAt) + "\n")
	if note != "" {
		b.WriteString(indent(wrap(note, wrapAt-2)) + "\n")
	}
	if base != "" && it.ID > 0 {
		b.WriteString("  " + base + path + strconv.FormatInt(it.ID, 10) + "\n")
	}
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
