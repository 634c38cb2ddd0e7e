package email

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// ErrMalformed reports a message whose header section cannot be read at all.
var ErrMalformed = errors.New("malformed message")

// Limits bound the work Parse does on one message. Zero fields take the
// defaults: 1 MB per header section, 32 levels of nesting, 2,000 parts,
// 16 MB per kept body.
type Limits struct {
	// MaxHeaderBytes bounds a header section (the message's or a part's).
	MaxHeaderBytes int
	// MaxDepth bounds multipart and message/rfc822 nesting; deeper parts
	// are skipped and noted in Problems.
	MaxDepth int
	// MaxParts bounds the number of MIME parts read.
	MaxParts int
	// MaxBodyBytes bounds each kept text or HTML body; the rest is dropped
	// and noted in Problems.
	MaxBodyBytes int
}

// The defaults of Limits.
const (
	defaultMaxHeaderBytes = 1 << 20
	defaultMaxDepth       = 32
	defaultMaxParts       = 2000
	defaultMaxBodyBytes   = 16 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = defaultMaxParts
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = defaultMaxBodyBytes
	}
	return l
}

// Parse reads one message from r with the default limits.
func Parse(r io.Reader) (*Message, error) {
	return ParseWithLimits(r, Limits{})
}

// ParseWithLimits reads one message from r. It returns an error wrapping
// ErrMalformed when the header section cannot be read, and a read error from
// r as is; every other problem is soft and listed in Message.Problems.
func ParseWithLimits(r io.Reader, limits Limits) (*Message, error) {
	p := &parser{limits: limits.withDefaults(), dec: newWordDecoder()}
	cr := &countingReader{r: r}
	m, err := p.parseMessage(cr, 0)
	if err != nil {
		return nil, err
	}
	// Drain what the MIME walk did not need (epilogues, skipped parts) so
	// Size is the whole message.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	m.Size = cr.n
	return m, nil
}

type parser struct {
	limits Limits
	dec    *mime.WordDecoder
	parts  int
	// root is the top-level message; onAttachment, when set, is given the
	// content of each of root's attachments as it streams by.
	root         *Message
	onAttachment func(index int, a Attachment, content io.Reader) error
	attachErr    error
	// boundaries are those of the multiparts being read, outermost first.
	boundaries []string
}

type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func (p *parser) parseMessage(r io.Reader, depth int) (*Message, error) {
	br := bufio.NewReaderSize(r, 8<<10)
	hdr, problems, err := readHeader(br, p.limits.MaxHeaderBytes)
	if err != nil {
		return nil, err
	}
	m := &Message{Header: Header{hdr}}
	for _, pr := range problems {
		m.problem(pr)
	}
	if p.root == nil {
		p.root = m
	}
	p.fillHeaders(m)
	e := newEntity(hdr, br, p.limits)
	m.ContentType = e.mediaType
	p.walk(m, e, depth)
	return m, nil
}

// maxProblems bounds Message.Problems; further problems are counted in a
// last entry.
const maxProblems = 100

// problem notes a soft problem on m, once.
func (m *Message) problem(s string) {
	for _, have := range m.Problems {
		if have == s {
			return
		}
	}
	switch n := len(m.Problems); {
	case n < maxProblems:
		m.Problems = append(m.Problems, s)
	case n == maxProblems:
		m.Problems = append(m.Problems, "more problems not listed")
	}
}

// readHeader reads a header section, dropping (and noting) lines that are not
// fields, such as an mbox "From " line. A section without a single field is
// malformed.
func readHeader(br *bufio.Reader, maxBytes int) (textproto.Header, []string, error) {
	var clean bytes.Buffer
	var problems []string
	fields, total := 0, 0
	var cur []byte // the field being assembled, with its continuation lines
	flush := func() {
		if len(cur) == 0 {
			return
		}
		if validFieldStart(cur) {
			clean.Write(cur)
			fields++
		} else if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf("dropped header line %q", truncate(string(bytes.TrimRight(cur, "\r\n")), 60)))
		}
		cur = cur[:0]
	}
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A very long line: keep reading it in pieces.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
				if len(buf) > maxBytes {
					break
				}
			}
			line = buf
		}
		total += len(line)
		if total > maxBytes {
			return textproto.Header{}, nil, fmt.Errorf("%w: header section exceeds %d bytes", ErrMalformed, maxBytes)
		}
		if err != nil && err != io.EOF {
			return textproto.Header{}, nil, fmt.Errorf("read header: %w", err)
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			flush()
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(cur) > 0 {
				cur = append(cur, line...)
			}
		} else {
			flush()
			cur = append(cur, line...)
		}
		if err == io.EOF {
			if len(cur) > 0 && cur[len(cur)-1] != '\n' {
				cur = append(cur, '\r', '\n')
			}
			flush()
			break
		}
	}
	if fields == 0 {
		return textproto.Header{}, nil, fmt.Errorf("%w: no header fields", ErrMalformed)
	}
	clean.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&clean))
	if err != nil {
		return textproto.Header{}, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return h, problems, nil
}

// validFieldStart reports whether line starts with "name:" where name is a
// run of printable ASCII other than ":" (RFC 5322 section 2.2).
func validFieldStart(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(line[:colon], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

func (p *parser) fillHeaders(m *Message) {
	h := m.Header
	m.Subject = decodeText(p.dec, h.Get("Subject"))
	m.MessageID = parseMsgID(h.Get("Message-Id"))
	m.InReplyTo = parseMsgIDs(h.Get("In-Reply-To"))
	m.References = parseMsgIDs(h.Get("References"))
	if d := h.Get("Date"); d != "" {
		if t, err := mail.ParseDate(d); err == nil {
			m.Date = t
		} else {
			m.problem(fmt.Sprintf("unparseable Date %q", truncate(d, 60)))
		}
	}
	m.From = ParseAddressList(p.dec, h.Get("From"))
	m.Sender = ParseAddressList(p.dec, h.Get("Sender"))
	m.ReplyTo = ParseAddressList(p.dec, h.Get("Reply-To"))
	m.To = p.addresses(h, "To")
	m.Cc = p.addresses(h, "Cc")
	m.Bcc = p.addresses(h, "Bcc")
}

// addresses reads every field named key (some clients repeat To or Cc).
func (p *parser) addresses(h Header, key string) []Address {
	var out []Address
	for _, v := range h.Values(key) {
		out = append(out, ParseAddressList(p.dec, v)...)
	}
	return out
}

// walk visits e and its descendants, filling m's bodies and attachments.
func (p *parser) walk(m *Message, e *entity, depth int) {
	for _, pr := range e.problems {
		m.problem(pr)
	}
	p.parts++
	if p.parts > p.limits.MaxParts {
		if p.parts == p.limits.MaxParts+1 {
			m.problem(fmt.Sprintf("more than %d MIME parts: the rest is skipped", p.limits.MaxParts))
		}
		return
	}
	t := e.mediaType
	if strings.HasPrefix(t, "multipart/") {
		if depth >= p.limits.MaxDepth {
			p.deep(m, fmt.Sprintf("MIME nesting deeper than %d: inner parts skipped", p.limits.MaxDepth))
			return
		}
		b := e.params["boundary"]
		for _, outer := range p.boundaries {
			if b == outer && b != "" {
				// Its parts, if any, are read as the enclosing one's.
				m.problem(fmt.Sprintf("%s reuses the boundary %q of an enclosing multipart: read as part of it", t, truncate(b, 40)))
				return
			}
		}
		p.boundaries = append(p.boundaries, b)
		p.walkMultipart(m, e, e.multipartReader(), depth)
		p.boundaries = p.boundaries[:len(p.boundaries)-1]
		return
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	raw := p.filename(dparams, e.params)
	filename := SanitizeFilename(raw)
	attached := strings.EqualFold(disp, "attachment")

	switch {
	case t == "message/rfc822" || t == "message/global":
		if depth >= p.limits.MaxDepth {
			p.deep(m, fmt.Sprintf("attached messages nested deeper than %d: skipped", p.limits.MaxDepth))
			return
		}
		inner, err := p.parseMessage(e.Body, depth+1)
		if err != nil {
			m.problem("attached message: " + err.Error())
			return
		}
		if pr := e.decodeProblem(); pr != "" {
			inner.problem(pr)
		}
		m.Attached = append(m.Attached, inner)
		return
	case (t == "text/plain" || t == "text/html") && !attached && raw == "":
		target := &m.Text
		if t == "text/html" {
			target = &m.HTML
		}
		if *target != "" {
			// Only the first body of each type is kept: do not hold this one.
			p.drainBody(m, e)
			return
		}
		*target = p.readBody(m, e)
		return
	}
	if raw != "" && raw != filename {
		m.problem(fmt.Sprintf("attachment name %q sanitised to %q", truncate(raw, 60), filename))
	}
	a := p.attachment(m, e, t, filename, !attached)
	a.RawFilename = raw
	m.Attachments = append(m.Attachments, a)
}

// deep notes content skipped for nesting on m and on the top-level
// message, where it is seen.
func (p *parser) deep(m *Message, s string) {
	m.problem(s)
	if p.root != nil && p.root != m {
		p.root.problem(s)
	}
}

// walkMultipart visits the parts of a multipart entity.
func (p *parser) walkMultipart(m *Message, e *entity, mr *multipartReader, depth int) {
	for {
		part, err := mr.nextPart()
		if mr.sniffed {
			m.problem(fmt.Sprintf("%s without a boundary parameter: boundary %q taken from the body", e.mediaType, truncate(mr.boundary, 40)))
			mr.sniffed = false
		}
		switch {
		case err == io.EOF:
			return
		case errors.Is(err, errNoBoundary):
			// Read the body as text: better than nothing.
			m.problem(fmt.Sprintf("%s: boundary %q never appears: body read as text", e.mediaType, truncate(mr.boundary, 40)))
			if m.Text == "" {
				m.Text = p.finishText(m, mr.preamble, true)
			}
			if mr.dropped > 0 {
				m.problem(fmt.Sprintf("body longer than %d bytes: truncated", p.limits.MaxBodyBytes))
			}
			return
		case errors.Is(err, io.ErrUnexpectedEOF):
			m.problem(fmt.Sprintf("%s: the body ends without its closing boundary (truncated message?)", e.mediaType))
			return
		case err != nil:
			m.problem(e.mediaType + ": " + err.Error())
			return
		}
		for _, pr := range part.problems {
			m.problem(pr)
		}
		p.walk(m, newEntity(part.Header, part.Body, p.limits), depth+1)
	}
}

func (p *parser) filename(dparams, tparams map[string]string) string {
	name := dparams["filename"]
	if name == "" {
		name = tparams["name"]
	}
	return decodeText(p.dec, name)
}

// readBody reads a text part, bounded by MaxBodyBytes, with LF line ends.
// Undeclared 8-bit text that is not UTF-8 is read as windows-1252.
func (p *parser) readBody(m *Message, e *entity) string {
	limit := int64(p.limits.MaxBodyBytes)
	b, err := io.ReadAll(io.LimitReader(e.Body, limit+1))
	if err != nil {
		m.problem("body: " + readError(err))
	}
	if int64(len(b)) > limit {
		b = b[:limit]
		m.problem(fmt.Sprintf("body longer than %d bytes: truncated", limit))
		p.drainBody(m, e)
	} else if pr := e.decodeProblem(); pr != "" {
		m.problem("body: " + pr)
	}
	cs := e.params["charset"]
	text := p.finishText(m, b, cs == "")
	if cs != "" && strings.ContainsRune(text, utf8.RuneError) {
		m.problem(fmt.Sprintf("body: bytes that are not %s replaced by U+FFFD", truncate(cs, 40)))
	}
	return text
}

// drainBody reads the rest of a text part that is not kept.
func (p *parser) drainBody(m *Message, e *entity) {
	if _, err := io.Copy(io.Discard, e.Body); err != nil {
		m.problem("body: " + readError(err))
	}
	if pr := e.decodeProblem(); pr != "" {
		m.problem("body: " + pr)
	}
}

// finishText turns decoded body bytes into the text kept: undeclared 8-bit
// text that is not UTF-8 is read as windows-1252, other invalid UTF-8
// becomes U+FFFD, NUL bytes are removed and line ends are LF. It works in
// place on b where it can, so a large body is not copied more than once.
func (p *parser) finishText(m *Message, b []byte, undeclared bool) string {
	if undeclared && !utf8.Valid(b) {
		if out, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
			b = out
		}
	}
	// Drop NULs and the CR of each CRLF, in place.
	j, nul := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == 0 {
			nul = true
			continue
		}
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			continue
		}
		b[j] = c
		j++
	}
	if nul {
		m.problem("body: NUL bytes removed")
	}
	return strings.ToValidUTF8(string(b[:j]), "\uFFFD")
}

// readError words a read error of a part body.
func readError(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "the message ends in the middle of this part"
	}
	return err.Error()
}

func (p *parser) attachment(m *Message, e *entity, t, filename string, inline bool) Attachment {
	a := Attachment{Filename: filename, ContentType: t, Inline: inline, ContentID: contentID(e.Header.Get("Content-ID"))}
	h := sha256.New()
	body := io.TeeReader(e.Body, h)
	var n int64
	var err error
	if m == p.root && p.onAttachment != nil && p.attachErr == nil {
		cr := &countingReader{r: body}
		if herr := p.onAttachment(len(m.Attachments), a, cr); herr != nil {
			p.attachErr = herr
		}
		// Whatever fn left unread still counts and is hashed.
		_, err = io.Copy(io.Discard, cr)
		n = cr.n
	} else {
		n, err = io.Copy(io.Discard, body)
	}
	if err != nil {
		m.problem(fmt.Sprintf("attachment %q: %v", filename, readError(err)))
	}
	if pr := e.decodeProblem(); pr != "" {
		m.problem(fmt.Sprintf("attachment %q: %s", filename, pr))
	}
	a.Size = n
	a.SHA256 = hex.EncodeToString(h.Sum(nil))
	return a
}

// contentID is a Content-ID field's msg-id without angle brackets and
// surrounding space (RFC 2045 section 7, RFC 2392).
func contentID(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "<")
	v = strings.TrimSuffix(v, ">")
	return strings.TrimSpace(v)
}

// WalkAttachments parses the message in r again and calls fn with the
// content of each of its own attachments (not those of attached messages),
// in the order Message.Attachments lists them. The Attachment given to fn
// has its name and type; Size and SHA256 are those Parse reports. An error
// from fn stops the calls and is returned.
func WalkAttachments(r io.Reader, limits Limits, fn func(index int, a Attachment, content io.Reader) error) error {
	p := &parser{limits: limits.withDefaults(), dec: newWordDecoder(), onAttachment: fn}
	if _, err := p.parseMessage(r, 0); err != nil {
		return err
	}
	return p.attachErr
}

// parseMsgID returns the first message id in v without its angle brackets.
func parseMsgID(v string) string {
	ids := parseMsgIDs(v)
	if len(ids) == 0 {
		return strings.Trim(strings.TrimSpace(v), "<>")
	}
	return ids[0]
}

// parseMsgIDs returns every "<id>" in v, brackets removed.
func parseMsgIDs(v string) []string {
	var ids []string
	for {
		lt := strings.IndexByte(v, '<')
		if lt < 0 {
			return ids
		}
		gt := strings.IndexByte(v[lt:], '>')
		if gt < 0 {
			return ids
		}
		if id := strings.TrimSpace(v[lt+1 : lt+gt]); id != "" {
			ids = append(ids, id)
		}
		v = v[lt+gt+1:]
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
