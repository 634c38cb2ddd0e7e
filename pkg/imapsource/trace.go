package imapsource

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// A trace shows a connection's IMAP protocol exchange, one line per
// protocol line, "C:" for the client's and "S:" for the server's, with
//   - the arguments of LOGIN, and of AUTHENTICATE after the mechanism,
//     replaced by [redacted], as are the client's SASL responses and the
//     server's challenges;
//   - the contents of every literal (RFC 9051 section 4.3: the message
//     data of FETCH BODY[], and any string sent as {N}) replaced by
//     their size;
//   - any line that is no IMAP command or response (a client's SASL
//     response, or what a miscounted literal would leave) replaced by
//     [redacted].
//
// It is taken on the plaintext side of the connection, each direction on
// its own (go-imap's DebugWriter mixes both in one stream, which cannot
// be told apart reliably), and what the client sends is traced before it
// is sent, so a command always precedes its response.
type tracer struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	// authTag is the tag of a running AUTHENTICATE exchange: the server's
	// continuation lines are challenges until its completion.
	authTag string
}

// newTracer traces a connection of account name to w.
func newTracer(w io.Writer, name string) *tracer {
	return &tracer{w: w, prefix: "imap " + name + " "}
}

// conn returns c with its reads (the server's lines) and writes (the
// client's) traced.
func (t *tracer) conn(c net.Conn) net.Conn {
	return &tracedConn{Conn: c, client: &traceStream{t: t, dir: "C: "}, server: &traceStream{t: t, dir: "S: ", server: true}}
}

type tracedConn struct {
	net.Conn
	client, server *traceStream
}

func (c *tracedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.server.write(p[:n])
	return n, err
}

func (c *tracedConn) Write(p []byte) (int, error) {
	c.client.write(p)
	return c.Conn.Write(p)
}

// traceStream parses one direction of a connection into trace lines.
type traceStream struct {
	t      *tracer
	dir    string
	server bool
	buf    []byte
	// literal is how many bytes of a literal are still to come.
	literal int64
	// afterLiteral: the next line is the rest of the line the literal
	// was part of.
	afterLiteral bool
	// secret: the rest of a LOGIN command (its literals, the rest of its
	// line) is being sent.
	secret bool
}

var (
	literalRE = regexp.MustCompile(`\{(\d+)\+?\}$`)
	tagRE     = regexp.MustCompile(`^[A-Za-z0-9.]+ `)
	// fetchTailRE is what may follow a literal inside a FETCH response:
	// the closing parenthesis, or the next message data item.
	fetchTailRE = regexp.MustCompile(`^(\)|\s+[A-Z][A-Z0-9.]*[\[ (<])`)
)

func (s *traceStream) write(p []byte) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	var out bytes.Buffer
	for len(p) > 0 {
		if s.literal > 0 {
			n := min(int64(len(p)), s.literal)
			s.literal -= n
			p = p[n:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.buf = append(s.buf, p...)
			if len(s.buf) > 64<<10 { // no protocol line is that long
				s.emit(&out, "[redacted]")
				s.buf = s.buf[:0]
			}
			break
		}
		s.buf = append(s.buf, p[:i+1]...)
		p = p[i+1:]
		line := strings.TrimRight(string(s.buf), "\r\n")
		s.buf = s.buf[:0]
		s.line(&out, line)
	}
	// A failing trace must not fail the connection it traces.
	s.t.w.Write(out.Bytes())
}

func (s *traceStream) emit(out *bytes.Buffer, text string) {
	out.WriteString(s.t.prefix + s.dir + text + "\n")
}

// line traces one protocol line and sets up the literal it announces.
func (s *traceStream) line(out *bytes.Buffer, line string) {
	size, hasLiteral := literalSize(line)
	after := s.afterLiteral
	s.afterLiteral = false
	tag, rest, _ := strings.Cut(line, " ")
	switch {
	case s.secret:
		s.emit(out, "[redacted]")
		s.secret = hasLiteral
	case after:
		switch {
		case line == "":
		case s.server && !fetchTailRE.MatchString(line):
			s.emit(out, "[redacted]")
			hasLiteral = false
		default:
			s.emit(out, "   "+line)
		}
	case s.server && (tag == "*" || tag == "+"):
		if tag == "+" && s.t.authTag != "" {
			s.emit(out, "+ [redacted]")
			return
		}
		s.emit(out, line)
	case s.server && tagRE.MatchString(line) && isStatus(rest):
		if tag == s.t.authTag {
			s.t.authTag = ""
		}
		s.emit(out, line)
	case !s.server && tagRE.MatchString(line) && !isStatus(rest):
		name, args, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(name) {
		case "LOGIN":
			s.emit(out, tag+" LOGIN [redacted]")
			s.secret = hasLiteral
		case "AUTHENTICATE":
			mech, _, _ := strings.Cut(args, " ")
			s.emit(out, tag+" AUTHENTICATE "+mech+" [redacted]")
			s.t.authTag = tag
			return
		default:
			s.emit(out, line)
		}
	case !s.server && line == "DONE": // the end of IDLE
		s.emit(out, line)
	default:
		s.emit(out, "[redacted]")
		return
	}
	if hasLiteral {
		s.emit(out, fmt.Sprintf("   [literal: %d bytes redacted]", size))
		s.literal = size
		s.afterLiteral = true
	}
}

// literalSize reports the literal a line ends with ({N} or {N+}).
func literalSize(line string) (int64, bool) {
	m := literalRE.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil
}

// isStatus reports whether what follows a tag is a status response.
func isStatus(rest string) bool {
	word, _, _ := strings.Cut(rest, " ")
	switch strings.ToUpper(word) {
	case "OK", "NO", "BAD":
		return true
	}
	return false
}

// startTLSTraced is STARTTLS (RFC 9051 section 6.2.1) done before
// go-imap takes the connection, so that the trace can be taken on the
// plaintext side of TLS: read the greeting, ask for STARTTLS, handshake.
// The connection returned starts with a greeting of its own for go-imap,
// which then asks for the capabilities again, as it must after STARTTLS.
func startTLSTraced(ctx context.Context, conn net.Conn, config *tls.Config, t *tracer) (net.Conn, error) {
	plain := t.conn(conn)
	r := bufio.NewReader(plain)
	greeting, err := r.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if !strings.HasPrefix(strings.ToUpper(greeting), "* OK") {
		return nil, fmt.Errorf("greeting: %q, want * OK before STARTTLS", strings.TrimSpace(greeting))
	}
	if _, err := io.WriteString(plain, "T0 STARTTLS\r\n"); err != nil {
		return nil, err
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if tag, rest, _ := strings.Cut(strings.TrimSpace(line), " "); tag == "T0" {
			if word, _, _ := strings.Cut(rest, " "); !strings.EqualFold(word, "OK") {
				return nil, withKind(ErrStartTLSUnsupported, fmt.Errorf("refused: %s", rest))
			}
			break
		}
	}
	if r.Buffered() > 0 {
		// Data after the OK and before TLS would be taken as sent under
		// TLS (a STARTTLS injection).
		return nil, errors.New("the server sent data before the TLS handshake")
	}
	tc := tls.Client(conn, config)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	traced := t.conn(tc)
	return greetingConn{Conn: traced, r: io.MultiReader(strings.NewReader("* OK TLS started\r\n"), traced)}, nil
}

// greetingConn reads from r, writes to Conn.
type greetingConn struct {
	net.Conn
	r io.Reader
}

func (c greetingConn) Read(p []byte) (int, error) { return c.r.Read(p) }
