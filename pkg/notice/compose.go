package notice

import (
	"bytes"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// wrapAt is the width body paragraphs are wrapped to.
const wrapAt = 72

// message is what Compose and ComposeDigest have in common.
type message struct {
	from, to    string // header-ready
	subject     string // cleaned and encoded
	id          string
	inReplyTo   string
	references  []string
	autoKeyword string // RFC 3834 Auto-Submitted keyword
	body        string // "\n" line ends
}

// Compose renders n as an RFC 5322 message dated now: a reply to the
// original (In-Reply-To and References), Auto-Submitted: auto-replied,
// one text/plain part in UTF-8, quoted-printable.
func Compose(n Notice, now time.Time) ([]byte, error) {
	from, to, err := addresses(n.From, n.To.Name, n.To.Address)
	if err != nil {
		return nil, err
	}
	m := message{
		from:        from,
		to:          to,
		subject:     subjectPrefix(n.Reason) + encodeText(originalSubject(n.Subject)),
		id:          n.NoticeID,
		references:  references(n.References, n.MessageID),
		autoKeyword: "auto-replied",
		body:        noticeBody(n),
	}
	if m.id == "" {
		m.id = NewMessageID(n.From)
	}
	if validID(n.MessageID) {
		m.inReplyTo = n.MessageID
	}
	return m.render(now)
}

// addresses renders the From (Config.From) and To fields.
func addresses(fromCfg, toName, toAddr string) (from, to string, err error) {
	self, err := mail.ParseAddress(fromCfg)
	if err != nil {
		return "", "", fmt.Errorf("notice from %q: %w", fromCfg, errBadAddress)
	}
	if from, err = formatAddress(self.Name, self.Address); err != nil {
		return "", "", fmt.Errorf("notice from: %w", err)
	}
	if to, err = formatAddress(toName, toAddr); err != nil {
		return "", "", fmt.Errorf("notice to: %w", err)
	}
	return from, to, nil
}

func subjectPrefix(reason string) string {
	if reason == ReasonAttachmentDropped {
		return "Logged without an attachment: "
	}
	return "Not logged: "
}

func originalSubject(s string) string {
	if s = cleanText(s, maxSubjectRunes); s == "" {
		return "(no subject)"
	}
	return s
}

// render writes the header and the quoted-printable body.
func (m message) render(now time.Time) ([]byte, error) {
	if !validID(m.id) {
		return nil, fmt.Errorf("notice message-id %q: not a valid msg-id", m.id)
	}
	var h headerWriter
	h.field("From", m.from)
	h.field("To", m.to)
	h.field("Subject", m.subject)
	h.field("Date", formatDate(now))
	h.ids("Message-ID", []string{m.id})
	if m.inReplyTo != "" {
		h.ids("In-Reply-To", []string{m.inReplyTo})
	}
	if len(m.references) > 0 {
		h.ids("References", m.references)
	}
	h.field("Auto-Submitted", m.autoKeyword)
	h.field("X-Auto-Response-Suppress", "All")
	h.field("MIME-Version", "1.0")
	h.field("Content-Type", "text/plain; charset=utf-8")
	h.field("Content-Transfer-Encoding", "quoted-printable")
	h.b.WriteString("\r\n")
	if err := writeQP(&h.b, m.body); err != nil {
		return nil, err
	}
	return h.b.Bytes(), nil
}

// writeQP writes body quoted-printable with CRLF line ends.
func writeQP(b *bytes.Buffer, body string) error {
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(strings.TrimRight(body, "\n") + "\n")); err != nil {
		return fmt.Errorf("encode notice body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("encode notice body: %w", err)
	}
	return nil
}

// noticeBody says what happened, why, how to fix it, and where to look.
func noticeBody(n Notice) string {
	var b strings.Builder
	if n.Reason == ReasonAttachmentDropped {
		b.WriteString("Your email was logged in the CRM, but without these attachments:\n")
		for _, name := range n.Dropped {
			b.WriteString("  - " + cleanText(name, 200) + "\n")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("Your email was not logged in the CRM.\n\n")
	}
	b.WriteString("  Subject: " + originalSubject(n.Subject) + "\n")
	if !n.Date.IsZero() {
		b.WriteString("  Sent:    " + n.Date.Format("Mon, 2 Jan 2006 15:04 -0700") + "\n")
	}
	b.WriteString("\n")
	paragraph(&b, "What happened: ", n.What)
	if n.Reason != ReasonAttachmentDropped {
		paragraph(&b, "Why: ", cleanText(n.Detail, 1000))
	}
	paragraph(&b, "How to fix it: ", n.Fix)
	if link := n.Link(); link != "" {
		paragraph(&b, "", "See it in poller: "+link)
	}
	b.WriteString("-- \nThis notice was sent automatically by poller.\n")
	return b.String()
}

// paragraph writes label+text wrapped, then a blank line; nothing when
// text is empty.
func paragraph(b *strings.Builder, label, text string) {
	if text = strings.TrimSpace(text); text == "" {
		return
	}
	b.WriteString(wrap(label+text, wrapAt))
	b.WriteString("\n\n")
}

// wrap breaks s at spaces into lines of at most width runes where it can.
func wrap(s string, width int) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		n := len([]rune(word))
		if i > 0 && line+1+n > width {
			b.WriteByte('\n')
			line = 0
		} else if i > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += n
	}
	return b.String()
}
