package bench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

// Set is a kind of generated mail.
type Set string

// The sets.
const (
	// Small is everyday sales mail, about 3.4 KB a message: plain text
	// alone or with an HTML alternative, a small attachment now and then.
	Small Set = "small"
	// Large is mail that carries a document: about 1.5 MB a message, one
	// base64 PDF-like attachment (about 1.1 MB decoded) each.
	Large Set = "large"
)

// Sets are the sets, in the order the bench runs them.
var Sets = []Set{Small, Large}

// DefaultN is how many messages of the set "poller bench" uses by default:
// 5,000 small or 200 large ones.
func (s Set) DefaultN() int {
	if s == Large {
		return 200
	}
	return 5000
}

// Valid reports whether s is one of Sets.
func (s Set) Valid() bool { return s == Small || s == Large }

// LogAddress is the log address of the standard rules; every generated
// message is delivered to it.
const LogAddress = "log@crm.example.com"

// Style is how a generated message reaches the log address.
type Style string

// The styles.
const (
	// StyleBCC is a user's own mail to one or more external prospects, with
	// the log address in Bcc: the delivered copy names it in Delivered-To
	// and Received (and, one message in four, in a Bcc header the sending
	// client left in).
	StyleBCC Style = "bcc"
	// StyleGmailForward is a prospect's email forwarded by a user to the
	// log address with Gmail's "---------- Forwarded message ---------"
	// block.
	StyleGmailForward Style = "gmail-forward"
	// StyleOutlookForward is the same with Outlook's From:/Sent:/To:/
	// Subject: block (after a line of underscores, or after
	// "-----Original Message-----" in plain-text mail).
	StyleOutlookForward Style = "outlook-forward"
)

// Message is one generated message and what the standard rules (pkg/crm/
// crmtest's, those of config.example.yaml) decide for it.
type Message struct {
	// Raw is the message as delivered to the log mailbox, CRLF line ends.
	Raw       []byte
	MessageID string // without the angle brackets
	Style     Style
	Kind      crm.Kind // crm.KindBCC or crm.KindForward: always logged
	// User is the primary address of the user the email is credited to.
	User string
	// LogTo are the contacts the email is logged on: lower-case, sorted.
	LogTo []string
	// Attachments is how many attachments the message carries.
	Attachments int
}

// Messages returns messages 0 to n-1 of set for seed (see Generate).
func Messages(set Set, seed uint64, n int) []Message {
	out := make([]Message, n)
	for i := range out {
		out[i] = Generate(set, seed, i)
	}
	return out
}

// Generate returns message i (from 0) of set for seed. The same set, seed
// and i always give the same bytes, whatever else was generated before, so
// sets can be made in parts or in parallel; different i give distinct
// messages (their own Message-ID, reference number, text and attachment
// bytes). About 70% are BCC'd mail and 30% forwards.
func Generate(set Set, seed uint64, i int) Message {
	salt := uint64(0x5b0a11)
	if set == Large {
		salt = 0x1a96e
	}
	g := &gen{
		set: set, i: i,
		r: rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(i)*0x100000001b3+salt)),
	}
	g.date = start.Add(time.Duration(i)*7*time.Minute + time.Duration(g.r.IntN(300))*time.Second).In(zones[g.r.IntN(len(zones))])
	g.from = senders[g.weighted(len(senders))]
	if g.r.IntN(100) < 30 {
		return g.forward()
	}
	return g.bcc()
}

// start is the date of message 0; each next one is about 7 minutes later.
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

var zones = []*time.Location{
	time.FixedZone("CET", 3600), time.FixedZone("GMT", 0), time.FixedZone("EST", -5*3600), time.FixedZone("CEST", 7200),
}

type gen struct {
	set  Set
	i    int
	r    *rand.Rand
	date time.Time
	from identity
}

func (g *gen) one(list []string) string { return list[g.r.IntN(len(list))] }

// weighted picks an index below n, the low ones more often.
func (g *gen) weighted(n int) int {
	u := g.r.Float64()
	return int(u * u * float64(n))
}

// prospect is an external contact.
type prospect struct {
	addr, name, first, company string
}

// prospect makes a contact at company co (-1: a free-mail address).
func (g *gen) prospect(co int) prospect {
	first, last := g.one(firstNames), g.one(lastNames)
	p := prospect{name: first + " " + last, first: first}
	local := asciiLower(first) + "." + asciiLower(last)
	if co < 0 {
		p.addr = fmt.Sprintf("%s%d@%s", local, g.r.IntN(90)+10, g.one(freeMail))
		return p
	}
	if g.r.IntN(4) == 0 {
		local = asciiLower(first)[:1] + "." + asciiLower(last)
	}
	p.addr, p.company = local+"@"+companies[co].domain, companies[co].name
	return p
}

func (g *gen) company() int {
	if g.r.IntN(100) < 12 {
		return -1
	}
	return g.weighted(len(companies))
}

func (g *gen) subject() string {
	return fmt.Sprintf(g.one(subjectForms), g.one(topics))
}

// letter is a greeting, a few paragraphs (one of them carrying the
// message's unique reference), a closing and a signature.
func (g *gen) letter(to, from, title, company string) string {
	var b strings.Builder
	if to == "" {
		to = "all"
	}
	fmt.Fprintf(&b, g.one(greetings)+"\n\n", to)
	paras := 1 + g.r.IntN(3)
	for p := range paras {
		for s := range 1 + g.r.IntN(3) {
			if s > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(g.one(sentences))
		}
		if p == 0 {
			fmt.Fprintf(&b, " Our reference is %s-%06d.", strings.ToUpper(string(g.set[:1])), g.i+1)
		}
		b.WriteString("\n\n")
	}
	b.WriteString(g.one(closings) + "\n" + from + "\n")
	if title != "" {
		b.WriteString("--\n" + from + "\n" + title + ", " + company + "\n")
		fmt.Fprintf(&b, "+%d %d %04d %04d\n", 30+g.r.IntN(20), 10+g.r.IntN(80), g.r.IntN(10000), g.r.IntN(10000))
	}
	return b.String()
}

// part is a leaf MIME part.
type part struct {
	ctype, name string // name: an attachment's file name
	data        []byte
}

// bcc is a user's own mail to prospects.
func (g *gen) bcc() Message {
	co := g.company()
	to := []prospect{g.prospect(co)}
	if co >= 0 && g.r.IntN(100) < 8 {
		to = append(to, g.prospect(co))
	}
	var cc []prospect
	if co >= 0 && g.r.IntN(100) < 15 {
		cc = append(cc, g.prospect(co))
	}
	var ccInternal []*mail.Address
	if g.r.IntN(100) < 10 {
		c := colleagues[g.r.IntN(len(colleagues))]
		if c.addr != g.from.addr {
			ccInternal = append(ccInternal, &mail.Address{Name: c.name, Address: c.addr})
		}
	}
	subject := g.subject()
	reply := g.r.IntN(100) < 35
	text := g.letter(to[0].first, g.from.name, "Account Executive", "Example")
	var refs []string
	if reply {
		subject = "Re: " + subject
		theirs := fmt.Sprintf("%x.%d@%s", g.r.Uint64(), g.i, domainOf(to[0].addr))
		refs = []string{theirs}
		quoted := g.letter(strings.Fields(g.from.name)[0], to[0].name, "", "")
		when := g.date.Add(-time.Duration(30+g.r.IntN(3000)) * time.Minute)
		text += fmt.Sprintf("\nOn %s, %s <%s> wrote:\n%s", when.Format("Mon, 2 Jan 2006 at 15:04"), to[0].name, to[0].addr,
			"> "+strings.ReplaceAll(strings.TrimRight(quoted, "\n"), "\n", "\n> ")+"\n")
	}

	h := g.header(subject, refs)
	var toAddrs, ccAddrs []*mail.Address
	logTo := []string{}
	for _, p := range to {
		toAddrs = append(toAddrs, &mail.Address{Name: p.name, Address: p.addr})
		logTo = append(logTo, p.addr)
	}
	for _, p := range cc {
		ccAddrs = append(ccAddrs, &mail.Address{Name: p.name, Address: p.addr})
		logTo = append(logTo, p.addr)
	}
	ccAddrs = append(ccAddrs, ccInternal...)
	h.addrs("To", toAddrs)
	h.addrs("Cc", ccAddrs)
	if g.r.IntN(4) == 0 {
		h.addrs("Bcc", []*mail.Address{{Address: LogAddress}})
	}
	files := g.files()
	raw := g.assemble(h, text, files)
	slices.Sort(logTo)
	logTo = slices.Compact(logTo)
	return Message{Raw: raw, MessageID: h.msgID, Style: StyleBCC, Kind: crm.KindBCC, User: g.from.user, LogTo: logTo, Attachments: len(files)}
}

// forward is a prospect's email forwarded by a user to the log address.
func (g *gen) forward() Message {
	p := g.prospect(g.company())
	title := g.one(titles)
	orig := g.subject()
	if g.r.IntN(100) < 30 {
		orig = "Re: " + orig
	}
	body := g.letter(strings.Fields(g.from.name)[0], p.name, title, p.company)
	if p.company == "" {
		body = g.letter(strings.Fields(g.from.name)[0], p.name, "", "")
	}
	sent := g.date.Add(-time.Duration(5+g.r.IntN(900)) * time.Minute)
	note := g.one(forwardNotes)
	if note != "" {
		note += "\n\n" + strings.Fields(g.from.name)[0] + "\n"
	}
	user := fmt.Sprintf("%s <%s>", g.from.name, g.from.addr)
	var text, subject string
	style := StyleGmailForward
	switch g.from.mailer {
	case gmail:
		subject = "Fwd: " + orig
		text = fmt.Sprintf("%s\n---------- Forwarded message ---------\nFrom: %s <%s>\nDate: %s\nSubject: %s\nTo: %s\n\n\n%s",
			note, p.name, p.addr, sent.Format("Mon, Jan 2, 2006 at 3:04 PM"), orig, user, body)
	case outlook:
		style, subject = StyleOutlookForward, "FW: "+orig
		text = fmt.Sprintf("%s\n________________________________\nFrom: %s <%s>\nSent: %s\nTo: %s\nSubject: %s\n\n%s",
			note, p.name, p.addr, sent.Format("Monday, January 2, 2006 3:04 PM"), user, orig, body)
	default:
		style, subject = StyleOutlookForward, "FW: "+orig
		text = fmt.Sprintf("%s\n-----Original Message-----\nFrom: %s <%s> \nSent: %s\nTo: %s\nSubject: %s\n\n%s",
			note, p.name, p.addr, sent.Format("Monday, January 2, 2006 3:04 PM"), user, orig, body)
	}
	h := g.header(subject, nil)
	h.addrs("To", []*mail.Address{{Address: LogAddress}})
	files := g.files()
	raw := g.assemble(h, text, files)
	return Message{Raw: raw, MessageID: h.msgID, Style: style, Kind: crm.KindForward, User: g.from.user,
		LogTo: []string{strings.ToLower(p.addr)}, Attachments: len(files)}
}

// files are the message's attachments: for Small, one in 25 messages
// has a small one; for Large, every message has one PDF-like document.
func (g *gen) files() []part {
	if g.set == Large {
		n := 1_100_000 + g.r.IntN(100_000) - 50_000
		return []part{{ctype: "application/pdf", name: fmt.Sprintf("Proposal %d.pdf", g.i+1), data: g.pdf(n)}}
	}
	if g.r.IntN(25) != 0 {
		return nil
	}
	k := smallFiles[g.r.IntN(len(smallFiles))]
	n := k.min + g.r.IntN(k.max-k.min)
	return []part{{ctype: k.ctype, name: fmt.Sprintf(k.name, g.i+1), data: g.bytes(n, k.magic)}}
}

// pdf is n bytes that look like a PDF with one compressed stream: a
// header, random bytes (incompressible, like deflated content), a trailer.
func (g *gen) pdf(n int) []byte {
	head := fmt.Sprintf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"+
		"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", n)
	tail := "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
	b := g.bytes(n, head)
	copy(b[len(b)-len(tail):], tail)
	return b
}

// bytes returns n pseudo-random bytes after a magic prefix.
func (g *gen) bytes(n int, magic string) []byte {
	b := make([]byte, n)
	copy(b, magic)
	for i := len(magic); i < n; i += 8 {
		v := g.r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// header is a message header being written.
type header struct {
	b     bytes.Buffer
	msgID string
}

func (h *header) field(key, value string) { fmt.Fprintf(&h.b, "%s: %s\r\n", key, value) }

func (h *header) addrs(key string, list []*mail.Address) {
	if len(list) == 0 {
		return
	}
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = a.String()
	}
	h.field(key, strings.Join(parts, ",\r\n "))
}

// header writes the delivery trace (Return-Path, Delivered-To, Received
// for the log address, Authentication-Results of the trusted server, a
// DKIM signature) and the sender's fields up to Subject and the thread.
func (g *gen) header(subject string, refs []string) *header {
	h := &header{}
	dom := domainOf(g.from.addr)
	ip := fmt.Sprintf("198.51.100.%d", 1+g.r.IntN(250))
	host := fmt.Sprintf("mail-%s.%s", strings.ToLower(g.alnum(8)), dom)
	if g.from.mailer == gmail {
		host = fmt.Sprintf("mail-%s-f%d.google.com", strings.ToLower(g.alnum(4)), g.r.IntN(200))
	}
	recvd := g.date.Add(time.Duration(1+g.r.IntN(4)) * time.Second)
	h.field("Return-Path", "<"+g.from.addr+">")
	h.field("Delivered-To", LogAddress)
	h.field("Received", fmt.Sprintf("from %s (%s [%s])\r\n\tby mx.example.com (Postfix) with ESMTPS id %s\r\n\tfor <%s>; %s",
		host, host, ip, g.alnum(14), LogAddress, recvd.Format(rfc5322)))
	h.field("Authentication-Results", fmt.Sprintf("mx.example.com;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=%s header.i=@%s header.b=%s;\r\n"+
		"\tdmarc=pass (p=quarantine dis=none) header.from=%s;\r\n\tspf=pass (mx.example.com: domain of %s designates %s as permitted sender) smtp.mailfrom=%s",
		dom, dom, g.b64(8), dom, g.from.addr, ip, g.from.addr))
	h.field("Received", fmt.Sprintf("by %s with SMTP id %s\r\n        for <%s>;\r\n        %s", host, g.alnum(24), LogAddress, g.date.Format(rfc5322)))
	h.field("DKIM-Signature", fmt.Sprintf("v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n        d=%s; s=mail; t=%d;\r\n"+
		"        h=to:subject:message-id:date:from:mime-version;\r\n        bh=%s=;\r\n        b=%s\r\n         %s\r\n         %s==",
		dom, g.date.Unix(), g.b64(43), g.b64(64), g.b64(64), g.b64(62)))
	h.addrs("From", []*mail.Address{{Name: g.from.name, Address: g.from.addr}})
	h.field("Date", g.date.Format(rfc5322))
	switch g.from.mailer {
	case gmail:
		h.msgID = fmt.Sprintf("CA%s%x@mail.gmail.com", g.alnum(30), g.i)
	case outlook:
		h.msgID = fmt.Sprintf("AM0PR07MB%04d%s%x@AM0PR07MB%04d.eurprd07.prod.outlook.com", g.r.IntN(10000), g.alnum(12), g.i, g.r.IntN(10000))
	default:
		h.msgID = fmt.Sprintf("%x.%x@%s", g.r.Uint32(), g.i, dom)
	}
	h.field("Message-ID", "<"+h.msgID+">")
	h.field("Subject", mime.QEncoding.Encode("utf-8", subject))
	if len(refs) > 0 {
		h.field("In-Reply-To", "<"+refs[len(refs)-1]+">")
		h.field("References", "<"+strings.Join(refs, "> <")+">")
	}
	switch g.from.mailer {
	case outlook:
		h.field("Thread-Index", g.b64(30)+"==")
		h.field("X-Mailer", "Microsoft Outlook 16.0")
	case plain:
		h.field("User-Agent", "Mozilla Thunderbird")
	}
	return h
}

const rfc5322 = "Mon, 2 Jan 2006 15:04:05 -0700"

// assemble ends the header with the MIME fields and writes the body: the
// text, its HTML alternative unless plain, then the attachments.
func (g *gen) assemble(h *header, text string, files []part) []byte {
	b := &h.b
	b.WriteString("MIME-Version: 1.0\r\n")
	var body bytes.Buffer
	var ctype string
	if g.from.mailer == plain {
		ctype = `text/plain; charset=utf-8`
		body.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
	} else {
		bd := g.boundary()
		ctype = fmt.Sprintf("multipart/alternative;\r\n\tboundary=%q", bd)
		fmt.Fprintf(&body, "--%s\r\n", bd)
		qpPart(&body, "text/plain", text)
		fmt.Fprintf(&body, "--%s\r\n", bd)
		qpPart(&body, "text/html", g.html(text))
		fmt.Fprintf(&body, "--%s--\r\n", bd)
	}
	if len(files) > 0 {
		bd := g.boundary()
		var mixed bytes.Buffer
		fmt.Fprintf(&mixed, "--%s\r\nContent-Type: %s\r\n", bd, ctype)
		if g.from.mailer == plain {
			mixed.WriteString("Content-Transfer-Encoding: 8bit\r\n")
		}
		mixed.WriteString("\r\n")
		mixed.Write(body.Bytes())
		if g.from.mailer == plain {
			mixed.WriteString("\r\n")
		}
		for _, f := range files {
			fmt.Fprintf(&mixed, "--%s\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n",
				bd, f.ctype, f.name, f.name)
			writeBase64(&mixed, f.data)
		}
		fmt.Fprintf(&mixed, "--%s--\r\n", bd)
		ctype = fmt.Sprintf("multipart/mixed;\r\n\tboundary=%q", bd)
		body = mixed
	} else if g.from.mailer == plain {
		h.field("Content-Type", ctype)
		h.field("Content-Transfer-Encoding", "8bit")
		b.WriteString("\r\n")
		b.Write(body.Bytes())
		return b.Bytes()
	}
	h.field("Content-Type", ctype)
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes()
}

// qpPart writes a UTF-8 quoted-printable text part, as Gmail and Outlook
// do.
func qpPart(b *bytes.Buffer, ctype, text string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", ctype)
	w := quotedprintable.NewWriter(b)
	_, _ = w.Write([]byte(text))
	_ = w.Close()
	b.WriteString("\r\n\r\n")
}

// writeBase64 writes data in base64 lines of 76 characters.
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(data)))
	base64.StdEncoding.Encode(enc, data)
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.Write(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.Write(enc)
	b.WriteString("\r\n")
}

// html is the HTML alternative of text, in the sending client's manner.
func (g *gen) html(text string) string {
	var b strings.Builder
	paras := strings.Split(strings.TrimSpace(text), "\n\n")
	if g.from.mailer == outlook {
		b.WriteString(`<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">` +
			`<style>p.MsoNormal{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif}</style></head><body lang="EN-US"><div class="WordSection1">` + "\n")
		for _, p := range paras {
			b.WriteString(`<p class="MsoNormal">` + strings.ReplaceAll(htmlEscape(p), "\n", "<br>\n") + "<o:p></o:p></p>\n<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>\n")
		}
		b.WriteString("</div></body></html>")
		return b.String()
	}
	b.WriteString(`<div dir="ltr">`)
	for _, p := range paras {
		b.WriteString("<div>" + strings.ReplaceAll(htmlEscape(p), "\n", "<br>") + "</div>\n<div><br></div>\n")
	}
	b.WriteString("</div>")
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (g *gen) boundary() string {
	return fmt.Sprintf("000000000000%012x", g.r.Uint64()&0xffffffffffff)
}

const alnumChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (g *gen) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnumChars[g.r.IntN(len(alnumChars))]
	}
	return string(b)
}

func (g *gen) b64(n int) string {
	const chars = alnumChars + "+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.r.IntN(len(chars))]
	}
	return string(b)
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

var folds = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "ae", "ã", "a", "å", "aa", "Å", "Aa",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E", "í", "i", "ì", "i", "î", "i", "ı", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "oe", "Ö", "Oe", "ø", "oe", "Ø", "Oe",
	"ú", "u", "ù", "u", "ü", "ue", "ç", "c", "č", "c", "ł", "l", "Ł", "L", "ñ", "n", "ń", "n",
	"ř", "r", "š", "s", "ś", "s", "ş", "s", "ß", "ss", "ž", "z", "ý", "y", "ě", "e", "ę", "e", "ą", "a",
)

// asciiLower is a name folded to lower-case ASCII letters.
func asciiLower(s string) string {
	s = strings.ToLower(folds.Replace(s))
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
