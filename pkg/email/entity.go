package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// This file holds the MIME layer Parse walks: entities, a multipart reader
// and lenient transfer decoders. It replaces go-message's own so that every
// input, however broken, is read in bounded memory and linear time, and
// yields what can be decoded plus a note of what could not:
//
//   - part headers are bounded by Limits.MaxHeaderBytes like the message's;
//   - lines of any length (preamble, bodies) are read in pieces;
//   - a multipart with no boundary parameter uses the first "--" line;
//   - base64 skips characters outside its alphabet and restarts after
//     padding in the middle of a body (concatenated encoders);
//   - quoted-printable keeps bad escapes, control bytes and long lines.

// maxBoundaryLen bounds a multipart boundary (RFC 2046 allows 70 bytes); a
// longer one is treated as no boundary.
const maxBoundaryLen = 998

// multipartBufferSize is the buffer a multipart reader scans for its
// boundary; it must hold a line of maxBoundaryLen plus its line break.
const multipartBufferSize = 4 << 10

// entity is one MIME entity: its header and its body, transfer-decoded and,
// for text, decoded to UTF-8.
type entity struct {
	Header    message.Header
	mediaType string // lower-case; "text/plain" when absent or unreadable
	params    map[string]string
	// Body is the decoded body (the raw body for multiparts).
	Body io.Reader
	// dec is the transfer decoder, asked after reading what went wrong.
	dec interface{ problem() string }
	// problems met while setting up the entity (unknown charset or
	// encoding).
	problems []string
	limits   Limits
}

// contentType parses the Content-Type field. A missing or unreadable field
// is text/plain; a readable type with unreadable parameters keeps the type.
func contentType(h message.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) || t == "" {
		return "text/plain", map[string]string{}
	}
	if params == nil {
		params = map[string]string{}
	}
	return strings.ToLower(t), params
}

// newEntity sets up the decoding of body according to h.
func newEntity(h textproto.Header, body io.Reader, limits Limits) *entity {
	e := &entity{Header: message.Header{Header: h}, limits: limits}
	e.mediaType, e.params = contentType(e.Header)
	if strings.HasPrefix(e.mediaType, "multipart/") {
		// RFC 2045 section 6.4: a multipart is never transfer-encoded;
		// a declared encoding is ignored, as everyone does.
		e.Body = body
		return e
	}
	switch enc := strings.ToLower(strings.TrimSpace(e.Header.Get("Content-Transfer-Encoding"))); enc {
	case "base64":
		d := &base64Reader{r: body}
		e.Body, e.dec = d, d
	case "quoted-printable":
		d := &qpReader{br: newBufReader(body)}
		e.Body, e.dec = d, d
	case "", "7bit", "8bit", "binary":
		e.Body = body
	default:
		e.Body = body
		e.problems = append(e.problems, fmt.Sprintf("unknown Content-Transfer-Encoding %q: body read as is", truncate(enc, 40)))
	}
	// RFC 2046 section 4.1.2: charset only applies to text/*.
	if cs := strings.TrimSpace(e.params["charset"]); cs != "" && strings.HasPrefix(e.mediaType, "text/") {
		if r, err := charset.Reader(cs, e.Body); err != nil {
			e.problems = append(e.problems, fmt.Sprintf("unknown charset %q: body read as is", truncate(cs, 40)))
		} else {
			e.Body = r
		}
	}
	return e
}

// decodeProblem says what the transfer decoder had to skip, or "".
func (e *entity) decodeProblem() string {
	if e.dec == nil {
		return ""
	}
	return e.dec.problem()
}

// multipartReader returns a reader of e's parts, or nil when e is not a
// multipart.
func (e *entity) multipartReader() *multipartReader {
	if !strings.HasPrefix(e.mediaType, "multipart/") {
		return nil
	}
	mr := &multipartReader{
		br:     bufio.NewReaderSize(e.Body, multipartBufferSize),
		limits: e.limits,
	}
	mr.setBoundary(e.params["boundary"])
	return mr
}

// multipartReader reads the parts of a multipart body (RFC 2046 section
// 5.1). It never holds more than its buffer and one part header.
type multipartReader struct {
	br       *bufio.Reader
	limits   Limits
	boundary string
	dash     []byte // "--boundary"
	nlDash   []byte // "\n--boundary"
	// sniffed is set when the boundary was taken from the body.
	sniffed bool
	cur     *partReader
	started bool
	done    bool
	// preamble keeps the start of the body before the first boundary
	// (at most MaxBodyBytes), for a multipart whose boundary never comes.
	preamble []byte
	// dropped counts preamble bytes beyond what preamble kept.
	dropped int64
}

func (mr *multipartReader) setBoundary(b string) {
	mr.boundary = b
	mr.dash = []byte("--" + b)
	mr.nlDash = []byte("\n--" + b)
}

// errNoBoundary is returned by nextPart when the body holds no boundary
// line at all.
var errNoBoundary = errors.New("multipart: no boundary line in the body")

// part is one part of a multipart: its header, and its body up to the next
// boundary line.
type part struct {
	Header   textproto.Header
	Body     io.Reader
	problems []string
}

// nextPart skips to the next boundary line and returns the part after it,
// or io.EOF after the closing boundary. A body that ends without a closing
// boundary ends the parts with io.ErrUnexpectedEOF.
func (mr *multipartReader) nextPart() (*part, error) {
	if mr.done {
		return nil, io.EOF
	}
	if mr.cur != nil {
		if _, err := io.Copy(io.Discard, mr.cur); err != nil && err != io.EOF {
			mr.done = true
			return nil, err
		}
		mr.cur = nil
	}
	if len(mr.boundary) > maxBoundaryLen {
		mr.done = true
		return nil, fmt.Errorf("multipart: boundary longer than %d bytes", maxBoundaryLen)
	}
	for {
		var keep func([]byte)
		if !mr.started {
			keep = mr.keepPreamble
		}
		line, err := readLineHead(mr.br, maxBoundaryLen+8, keep)
		if len(line) > 0 {
			if !mr.started && mr.boundary == "" {
				mr.sniff(line)
			}
			switch mr.classify(line) {
			case lineDelimiter:
				mr.started, mr.preamble = true, nil
				return mr.openPart()
			case lineClose:
				mr.started, mr.preamble = true, nil
				mr.done = true
				return nil, io.EOF
			}
		}
		if err != nil {
			mr.done = true
			if err == io.EOF {
				if !mr.started {
					return nil, errNoBoundary
				}
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// sniff takes the boundary from a first "--boundary" line, for a multipart
// that declares none.
func (mr *multipartReader) sniff(line []byte) {
	l := bytes.TrimRight(line, " \t\r\n")
	if len(l) < 3 || l[0] != '-' || l[1] != '-' || len(l) > maxBoundaryLen+2 {
		return
	}
	mr.setBoundary(string(l[2:]))
	mr.sniffed = true
}

func (mr *multipartReader) keepPreamble(line []byte) {
	room := mr.limits.MaxBodyBytes - len(mr.preamble)
	if room <= 0 {
		mr.dropped += int64(len(line))
		return
	}
	if len(line) > room {
		mr.dropped += int64(len(line) - room)
		line = line[:room]
	}
	mr.preamble = append(mr.preamble, line...)
}

type lineKind int

const (
	lineOther lineKind = iota
	lineDelimiter
	lineClose
)

// classify tells a boundary delimiter line ("--boundary", optional
// whitespace, line break) and a close delimiter ("--boundary--...") from
// any other line.
func (mr *multipartReader) classify(line []byte) lineKind {
	if mr.boundary == "" || !bytes.HasPrefix(line, mr.dash) {
		return lineOther
	}
	rest := line[len(mr.dash):]
	if bytes.HasPrefix(rest, []byte("--")) {
		return lineClose
	}
	if len(bytes.TrimLeft(rest, " \t\r\n")) == 0 {
		return lineDelimiter
	}
	return lineOther
}

func (mr *multipartReader) openPart() (*part, error) {
	h, problems, err := readPartHeader(mr.br, mr.limits.MaxHeaderBytes, mr.classify)
	if err != nil {
		mr.done = true
		return nil, err
	}
	mr.cur = &partReader{mr: mr}
	return &part{Header: h, Body: mr.cur, problems: problems}, nil
}

// readLineHead reads one line and returns at most its first max bytes (with
// its line break when the line is that short); the rest of a longer line is
// read and dropped. keep, when not nil, is given the whole line in pieces.
// The slice is valid until the next read of br.
func readLineHead(br *bufio.Reader, max int, keep func([]byte)) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if keep != nil {
		keep(line)
	}
	if err != bufio.ErrBufferFull {
		if len(line) > max {
			line = line[:max]
		}
		return line, err
	}
	head := append([]byte(nil), line[:min(len(line), max)]...)
	for err == bufio.ErrBufferFull {
		line, err = br.ReadSlice('\n')
		if keep != nil {
			keep(line)
		}
	}
	return head, err
}

// partReader reads a part's body up to the line break before the next
// boundary line, which it leaves in the buffer for nextPart.
type partReader struct {
	mr      *multipartReader
	n       int   // body bytes known to be in the buffer
	total   int64 // body bytes returned so far
	err     error // returned once the n bytes are read
	readErr error // error met filling the buffer
}

func (p *partReader) Read(d []byte) (int, error) {
	br := p.mr.br
	for p.n == 0 && p.err == nil {
		buf, _ := br.Peek(br.Buffered())
		p.n, p.err = p.scan(buf)
		if p.n == 0 && p.err == nil {
			// Need more input to decide.
			_, p.readErr = br.Peek(len(buf) + 1)
			if p.readErr == io.EOF {
				p.readErr = io.ErrUnexpectedEOF
			}
		}
	}
	if p.n == 0 {
		return 0, p.err
	}
	n, _ := br.Read(d[:min(len(d), p.n)])
	p.n -= n
	p.total += int64(n)
	return n, nil
}

// scan reports how many bytes at the start of buf are body, and io.EOF when
// the boundary follows them. A boundary line must start a line and be
// followed by whitespace, a line break, "-" or the end of input.
func (p *partReader) scan(buf []byte) (int, error) {
	dash, nlDash := p.mr.dash, p.mr.nlDash
	if p.total == 0 && bytes.HasPrefix(buf, dash) {
		// An empty body: the boundary right after the header.
		switch matchAfter(buf, len(dash), p.readErr) {
		case +1:
			return 0, io.EOF
		case 0:
			return 0, nil
		}
	} else if p.total == 0 && len(buf) < len(dash) && bytes.HasPrefix(dash, buf) {
		if p.readErr != nil {
			return len(buf), p.readErr
		}
		return 0, nil
	}
	from := 0
	for {
		i := bytes.Index(buf[from:], nlDash)
		if i < 0 {
			break
		}
		i += from
		switch matchAfter(buf[i:], len(nlDash), p.readErr) {
		case +1:
			return trimCR(buf, i), io.EOF
		case 0:
			return trimCR(buf, i), nil
		}
		from = i + 1
	}
	// Keep back a final line break that could start the boundary, and a
	// CR before it.
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 && bytes.HasPrefix(nlDash, buf[i:]) && p.readErr == nil {
		return trimCR(buf, i), nil
	}
	if p.readErr == nil && len(buf) > 0 && buf[len(buf)-1] == '\r' {
		return len(buf) - 1, nil
	}
	return len(buf), p.readErr
}

// trimCR returns i, less one when buf[i-1] is a CR (the CR of a CRLF before
// a boundary belongs to the boundary).
func trimCR(buf []byte, i int) int {
	if i > 0 && buf[i-1] == '\r' {
		return i - 1
	}
	return i
}

// matchAfter reports whether the boundary prefix of length n at the start
// of buf is a boundary (+1), is not (-1), or needs more input (0).
func matchAfter(buf []byte, n int, readErr error) int {
	if len(buf) == n {
		if readErr != nil {
			return +1
		}
		return 0
	}
	switch buf[n] {
	case ' ', '\t', '\r', '\n', '-':
		return +1
	}
	return -1
}

// readPartHeader reads a part's header section. Unlike a message's, it may
// be empty, and a line that is not a field (nor a boundary) ends it: that
// line starts the body, as for a part written without its blank line.
func readPartHeader(br *bufio.Reader, maxBytes int, classify func([]byte) lineKind) (textproto.Header, []string, error) {
	var clean bytes.Buffer
	var problems []string
	total := 0
	inField := false
	for {
		peek, _ := br.Peek(1024)
		if len(peek) == 0 {
			break // end of input: an empty body
		}
		if peek[0] == '\r' && (len(peek) > 1 && peek[1] == '\n') || peek[0] == '\n' {
			// The blank line ending the header.
			if peek[0] == '\r' {
				br.Discard(2)
			} else {
				br.Discard(1)
			}
			break
		}
		continuation := (peek[0] == ' ' || peek[0] == '\t') && inField
		if !continuation {
			nl := bytes.IndexByte(peek, '\n')
			head := peek
			if nl >= 0 {
				head = peek[:nl+1]
			}
			if classify(head) != lineOther {
				// A boundary where the header should be: an empty part.
				break
			}
			if !validFieldStart(head) {
				if len(problems) < 10 {
					problems = append(problems, fmt.Sprintf("part header ends at a line that is not a field %q", truncate(string(bytes.TrimRight(head, "\r\n")), 40)))
				}
				break
			}
		}
		inField = true
		line, err := br.ReadSlice('\n')
		for {
			total += len(line)
			if total > maxBytes {
				return textproto.Header{}, nil, fmt.Errorf("%w: part header section exceeds %d bytes", ErrMalformed, maxBytes)
			}
			clean.Write(line)
			if err != bufio.ErrBufferFull {
				break
			}
			line, err = br.ReadSlice('\n')
		}
		if err != nil {
			if err != io.EOF {
				return textproto.Header{}, nil, fmt.Errorf("read part header: %w", err)
			}
			clean.WriteString("\r\n")
			break
		}
	}
	clean.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&clean))
	if err != nil {
		problems = append(problems, "part header: "+err.Error())
	}
	return h, problems, nil
}

// base64Reader decodes base64 leniently: line breaks and whitespace around
// lines are skipped, padding in the middle of the body ends a group and
// decoding goes on (as when encoded pieces were concatenated), and "-" and
// "_" (URL-safe) are read as "+" and "/". Spaces and tabs are skipped
// anywhere (some encoders indent lines). A line with a character outside
// the alphabet (a mailing-list footer, transport damage) is dropped whole;
// within a line longer than maxBase64Line, where the line cannot be held,
// only the bad characters are.
type base64Reader struct {
	r   io.Reader
	raw [4096]byte
	out []byte
	buf []byte
	// line holds the decoded bytes of the current line until it ends.
	line []byte
	// q and nq are the pending group; lineQ and lineNQ what they were at
	// the start of the line.
	q, lineQ   [4]byte
	nq, lineNQ int
	committed  bool // the current line's start has been given out
	badLine    bool // the current line is being skipped
	badLines   int64
	invalid    int64
	err        error
}

// maxBase64Line bounds the decoded bytes of one line held back in case the
// line turns out bad.
const maxBase64Line = 64 << 10

var base64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	t['='] = 0xFE
	for _, c := range []byte(" \t\r\f\v") {
		t[c] = 0xFD
	}
	t['\n'] = 0xFC
	return t
}()

func (b *base64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.r.Read(b.raw[:])
		b.buf = b.buf[:0]
		for _, c := range b.raw[:n] {
			v := base64Values[c]
			if b.badLine {
				if v == 0xFC {
					b.badLine = false
					b.endLine()
				}
				continue
			}
			switch v {
			case 0xFC: // end of line
				b.endLine()
			case 0xFD: // whitespace
			case 0xFE: // padding: flush a partial group
				b.line = b.flush(b.line)
			case 0xFF:
				b.bad()
			default:
				b.q[b.nq] = v
				b.nq++
				if b.nq == 4 {
					b.line = append(b.line, b.q[0]<<2|b.q[1]>>4, b.q[1]<<4|b.q[2]>>2, b.q[2]<<6|b.q[3])
					b.nq = 0
				}
			}
			if len(b.line) >= maxBase64Line {
				b.buf = append(b.buf, b.line...)
				b.line = b.line[:0]
				b.committed = true
			}
		}
		if err != nil {
			b.badLine = false
			b.line = b.flush(b.line)
			b.endLine()
			b.err = err
		}
		b.out = b.buf
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// bad handles a character outside the alphabet: the line is dropped, or,
// when part of it was given out already, the character alone.
func (b *base64Reader) bad() {
	if b.committed {
		b.invalid++
		return
	}
	b.line = b.line[:0]
	b.q, b.nq = b.lineQ, b.lineNQ
	b.badLine = true
	b.badLines++
}

// endLine gives out the decoded bytes of a finished line.
func (b *base64Reader) endLine() {
	b.buf = append(b.buf, b.line...)
	b.line = b.line[:0]
	b.lineQ, b.lineNQ = b.q, b.nq
	b.committed = false
}

// flush decodes a partial group (two or three characters).
func (b *base64Reader) flush(out []byte) []byte {
	switch b.nq {
	case 1:
		b.invalid++
	case 2:
		out = append(out, b.q[0]<<2|b.q[1]>>4)
	case 3:
		out = append(out, b.q[0]<<2|b.q[1]>>4, b.q[1]<<4|b.q[2]>>2)
	}
	b.nq = 0
	return out
}

func (b *base64Reader) problem() string {
	switch {
	case b.badLines > 0 && b.invalid > 0:
		return fmt.Sprintf("invalid base64: %d line(s) and %d character(s) skipped", b.badLines, b.invalid)
	case b.badLines > 0:
		return fmt.Sprintf("invalid base64: %d line(s) skipped", b.badLines)
	case b.invalid > 0:
		return fmt.Sprintf("invalid base64: %d character(s) skipped", b.invalid)
	}
	return ""
}

// qpReader decodes quoted-printable (RFC 2045 section 6.7) leniently: an
// "=" not followed by two hex digits or a line break is kept as is and
// counted, control and 8-bit bytes pass through, trailing whitespace is
// removed, and lines of any length are read in pieces.
type qpReader struct {
	br      *bufio.Reader
	out     []byte
	buf     []byte
	work    []byte
	carry   []byte
	invalid int64
	err     error
}

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 4096) }

// maxHeldSpace bounds the whitespace held back at the end of a piece of a
// long line in case the line ends there; a longer run is kept.
const maxHeldSpace = 256

func (q *qpReader) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		q.fill()
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	return n, nil
}

func (q *qpReader) fill() {
	line, err := q.br.ReadSlice('\n')
	q.work = append(append(q.work[:0], q.carry...), line...)
	q.carry = q.carry[:0]
	out := q.buf[:0]
	w := q.work
	switch {
	case len(w) > 0 && w[len(w)-1] == '\n':
		eol := w[len(w)-1:]
		body := w[:len(w)-1]
		if len(body) > 0 && body[len(body)-1] == '\r' {
			eol = w[len(w)-2:]
			body = body[:len(body)-1]
		}
		body = bytes.TrimRight(body, " \t")
		if len(body) > 0 && body[len(body)-1] == '=' {
			out = q.decode(out, body[:len(body)-1]) // soft line break
		} else {
			out = q.decode(out, body)
			out = append(out, eol...)
		}
	case err == bufio.ErrBufferFull:
		// A piece of a long line: hold back what the line's end could
		// change (trailing whitespace, a partial escape).
		keep := len(w)
		if t := len(bytes.TrimRight(w, " \t")); len(w)-t <= maxHeldSpace {
			keep = t
		}
		if keep >= 1 && w[keep-1] == '=' {
			keep--
		} else if keep >= 2 && w[keep-2] == '=' {
			keep -= 2
		}
		out = q.decode(out, w[:keep])
		q.carry = append(q.carry, w[keep:]...)
		err = nil
	default:
		// The last line, without a line break.
		body := bytes.TrimRight(w, " \t")
		body = bytes.TrimSuffix(body, []byte("="))
		out = q.decode(out, body)
	}
	q.buf, q.out = out, out
	if err != nil {
		q.err = err
	}
}

func (q *qpReader) decode(out, s []byte) []byte {
	for len(s) > 0 {
		i := bytes.IndexByte(s, '=')
		if i < 0 {
			return append(out, s...)
		}
		out = append(out, s[:i]...)
		s = s[i:]
		if len(s) >= 3 && isHex(s[1]) && isHex(s[2]) {
			out = append(out, unhex(s[1])<<4|unhex(s[2]))
			s = s[3:]
			continue
		}
		q.invalid++
		out = append(out, '=')
		s = s[1:]
	}
	return out
}

func (q *qpReader) problem() string {
	if q.invalid == 0 {
		return ""
	}
	return fmt.Sprintf("invalid quoted-printable: %d bad escape(s) kept as is", q.invalid)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
