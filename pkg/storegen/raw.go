package storegen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/email"
)

// file is an attachment's content, for the raw message.
type file struct {
	name, ctype string
	data        []byte
}

// rawMessage writes the RFC 5322 message m stands for, with its files as
// base64 parts and attached as a message/rfc822 part: what Parse of the
// result gives is m (the test checks it).
func rawMessage(m *email.Message, files []file, attached *email.Message) []byte {
	var b bytes.Buffer
	b.Grow(len(m.Text) + len(m.HTML) + 1024)
	header(&b, m)
	switch {
	case attached != nil:
		const bd = "fwd-boundary-1"
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", bd)
		fmt.Fprintf(&b, "--%s\r\n", bd)
		textPart(&b, "text/plain", m.Text)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n", bd)
		b.Write(rawMessage(attached, nil, nil))
		fmt.Fprintf(&b, "\r\n--%s--\r\n", bd)
	case len(files) > 0:
		const bd = "mixed-boundary-1"
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", bd)
		fmt.Fprintf(&b, "--%s\r\n", bd)
		bodyPart(&b, m)
		for _, f := range files {
			fmt.Fprintf(&b, "--%s\r\n", bd)
			fmt.Fprintf(&b, "Content-Type: %s; name=%s\r\n", f.ctype, param(f.name))
			fmt.Fprintf(&b, "Content-Disposition: attachment; filename=%s\r\n", param(f.name))
			b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
			enc := base64.StdEncoding.EncodeToString(f.data)
			for len(enc) > 76 {
				b.WriteString(enc[:76])
				b.WriteString("\r\n")
				enc = enc[76:]
			}
			b.WriteString(enc)
			b.WriteString("\r\n")
		}
		fmt.Fprintf(&b, "--%s--\r\n", bd)
	case m.HTML != "":
		bodyPart(&b, m)
	default: // a single part: the body runs to the end, no boundary takes the last line end
		textHeader(&b, "text/plain")
		b.WriteString(strings.ReplaceAll(m.Text, "\n", "\r\n"))
	}
	return b.Bytes()
}

func topType(m *email.Message, files []file, attached *email.Message) string {
	switch {
	case attached != nil || len(files) > 0:
		return "multipart/mixed"
	case m.HTML != "":
		return "multipart/alternative"
	}
	return "text/plain"
}

// param quotes a parameter value, RFC 2047-encoding it when not ASCII
// (what most mail clients write).
func param(v string) string {
	return fmt.Sprintf("%q", mime.BEncoding.Encode("utf-8", v))
}

func header(b *bytes.Buffer, m *email.Message) {
	addrs := func(key string, list []email.Address) {
		if len(list) == 0 {
			return
		}
		parts := make([]string, len(list))
		for i, a := range list {
			parts[i] = (&mail.Address{Name: a.Name, Address: a.Address}).String()
		}
		fmt.Fprintf(b, "%s: %s\r\n", key, strings.Join(parts, ",\r\n "))
	}
	ids := func(key string, list []string) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(b, "%s: <%s>\r\n", key, strings.Join(list, ">\r\n <"))
	}
	if !m.Date.IsZero() {
		fmt.Fprintf(b, "Date: %s\r\n", m.Date.Format(time.RFC1123Z))
	}
	addrs("From", m.From)
	addrs("To", m.To)
	addrs("Cc", m.Cc)
	addrs("Bcc", m.Bcc)
	fmt.Fprintf(b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	if m.MessageID != "" {
		fmt.Fprintf(b, "Message-ID: <%s>\r\n", m.MessageID)
	}
	ids("In-Reply-To", m.InReplyTo)
	ids("References", m.References)
	if strings.HasPrefix(m.Subject, "Out of office") {
		b.WriteString("Auto-Submitted: auto-replied\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\n")
}

// bodyPart writes the text, or the text and HTML as alternatives.
func bodyPart(b *bytes.Buffer, m *email.Message) {
	if m.HTML == "" {
		textPart(b, "text/plain", m.Text)
		return
	}
	const bd = "alt-boundary-1"
	fmt.Fprintf(b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", bd)
	fmt.Fprintf(b, "--%s\r\n", bd)
	textPart(b, "text/plain", m.Text)
	fmt.Fprintf(b, "--%s\r\n", bd)
	textPart(b, "text/html", m.HTML)
	fmt.Fprintf(b, "--%s--\r\n", bd)
}

// textPart writes a UTF-8 text part, 8bit, with CRLF line ends. The body
// is written so that it decodes to text exactly: a part's last line end
// belongs to the boundary that follows.
func textPart(b *bytes.Buffer, ctype, text string) {
	textHeader(b, ctype)
	b.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
	b.WriteString("\r\n")
}

func textHeader(b *bytes.Buffer, ctype string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", ctype)
}
