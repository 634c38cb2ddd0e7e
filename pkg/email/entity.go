package email

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// The MIME layer Parse walks: entities (this file), a multipart reader
// (multipart.go) and lenient transfer decoders (base64.go, qp.go). It
// replaces go-message's own so that every
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
