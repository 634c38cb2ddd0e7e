package email

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
)

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
	midLine    bool // characters of the current line have been read
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
		for i := 0; i < n; i++ {
			if !b.midLine && b.nq == 0 && !b.badLine {
				if k := b.wholeLines(b.raw[i:n]); k > 0 {
					i += k - 1
					continue
				}
			}
			c := b.raw[i]
			b.midLine = c != '\n'
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

// wholeLines decodes, with encoding/base64, the complete lines at the
// start of raw that are plain base64 (the standard alphabet, whole groups,
// padding only at the end, CRLF or LF), as the loop of Read would, and
// returns how many bytes of raw they took: 0 when the first line is not
// such a line or does not end in raw. Nearly every encoder writes only
// such lines, and this path decodes them several times faster.
func (b *base64Reader) wholeLines(raw []byte) int {
	used := 0
	for {
		end := bytes.IndexByte(raw[used:], '\n')
		if end < 0 {
			return used
		}
		line := raw[used : used+end]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 || len(line)%4 != 0 || bytes.IndexByte(line, '\r') >= 0 {
			return used
		}
		at := len(b.buf)
		b.buf = slices.Grow(b.buf, len(line)/4*3)[:at+len(line)/4*3]
		n, err := base64.StdEncoding.Decode(b.buf[at:], line)
		if err != nil {
			b.buf = b.buf[:at] // the loop of Read takes it character by character
			return used
		}
		b.buf = b.buf[:at+n]
		used += end + 1
	}
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
