package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-message/textproto"
)

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
