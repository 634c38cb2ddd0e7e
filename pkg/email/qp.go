package email

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

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
