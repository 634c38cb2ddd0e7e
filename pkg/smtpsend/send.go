package smtpsend

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The steps of a send, as Error.Op names them.
const (
	OpDial     = "dial"
	OpTLS      = "tls"
	OpHello    = "hello"
	OpAuth     = "auth"
	OpMail     = "mail"
	OpRcpt     = "rcpt"
	OpData     = "data"
	OpValidate = "validate"
)

// Send delivers msg (an RFC 5322 message with CRLF line ends) from the
// envelope sender from ("" for a null path) to the recipients to, over one
// connection. Errors are *Error; Temporary says whether to retry.
//
// Once the server has accepted the data, Send returns nil whatever QUIT
// says, so that the caller never sends the message twice for a lost
// goodbye. (A connection lost while waiting for the reply to the data can
// still make a retry deliver twice; SMTP cannot rule that out, RFC 1047.)
func Send(ctx context.Context, cfg Config, from string, to []string, msg []byte) error {
	return SendConfirmed(ctx, cfg, from, to, msg, nil)
}

// SendConfirmed is Send that calls accepted, when not nil, as soon as the
// server has accepted the data (its reply to the end of DATA, RFC 5321
// §4.1.1.4), before QUIT: a caller that records the message as sent there
// keeps the time between the server taking responsibility and the record
// as short as it can be.
func SendConfirmed(ctx context.Context, cfg Config, from string, to []string, msg []byte, accepted func()) error {
	s := &session{cfg: cfg, addr: cfg.addr()}
	if err := cfg.Validate(); err != nil {
		return s.fail(OpValidate, err)
	}
	if err := validEnvelope(from, to); err != nil {
		return s.fail(OpValidate, err)
	}
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := s.transact(ctx, c, from, to, msg); err != nil {
		return err
	}
	if accepted != nil {
		accepted()
	}
	_ = c.Quit()
	return nil
}

// session is one Send: its configuration and the secrets to keep out of
// errors.
type session struct {
	cfg  Config
	addr string
}

// fail wraps err as the *Error of step op.
func (s *session) fail(op string, err error) error {
	e := &Error{Op: op, Addr: s.addr, Err: err}
	if s.cfg.Password != "" {
		e.secrets = secretForms(s.cfg.Username, s.cfg.Password)
	}
	return e
}

// failCtx is fail, naming the context's error when it ended the step.
func (s *session) failCtx(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return s.fail(op, err)
}

// connect dials, secures the connection as configured and says EHLO.
func (s *session) connect(ctx context.Context) (*smtp.Client, error) {
	timeout := s.cfg.timeout()
	d := net.Dialer{Timeout: timeout}
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, s.failCtx(ctx, OpDial, err)
	}
	conn := &cappedConn{Conn: raw, max: timeout}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := s.secure(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.CommandTimeout, c.SubmissionTimeout = timeout, timeout
	name := s.cfg.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		c.Close()
		return nil, s.failCtx(ctx, OpHello, err)
	}
	return c, nil
}

// secure starts the client in the configured TLS mode.
func (s *session) secure(ctx context.Context, conn net.Conn) (*smtp.Client, error) {
	switch s.cfg.mode() {
	case TLSImplicit:
		tc := tls.Client(conn, s.cfg.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, s.failCtx(ctx, OpTLS, err)
		}
		return smtp.NewClient(tc), nil
	case TLSStartTLS:
		c, err := smtp.NewClientStartTLS(conn, s.cfg.tlsConfig())
		if err != nil {
			return nil, s.failCtx(ctx, OpTLS, err)
		}
		return c, nil
	}
	return smtp.NewClient(conn), nil
}

// transact authenticates when configured and sends the message.
func (s *session) transact(ctx context.Context, c *smtp.Client, from string, to []string, msg []byte) error {
	if s.cfg.Username != "" {
		if err := s.auth(c); err != nil {
			return s.failCtx(ctx, OpAuth, err)
		}
	}
	var opts *smtp.MailOptions
	if !isASCII(from) || !isASCII(strings.Join(to, "")) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(from, opts); err != nil {
		return s.failCtx(ctx, OpMail, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return s.failCtx(ctx, OpRcpt, fmt.Errorf("%s: %w", rcpt, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.failCtx(ctx, OpData, err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return s.failCtx(ctx, OpData, err)
	}
	if err := w.Close(); err != nil {
		return s.failCtx(ctx, OpData, err)
	}
	return nil
}

// auth runs AUTH PLAIN, which needs TLS unless the server is this machine.
func (s *session) auth(c *smtp.Client) error {
	if _, tlsOn := c.TLSConnectionState(); !tlsOn && !isLoopback(s.cfg.Host) {
		return invalid("refusing to send a password without TLS to %s", s.cfg.Host)
	}
	if !c.SupportsAuth(sasl.Plain) {
		return invalid("the server offers no AUTH PLAIN")
	}
	return c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password))
}

// validEnvelope checks the addresses before they go on the wire.
func validEnvelope(from string, to []string) error {
	if len(to) == 0 {
		return invalid("no recipient")
	}
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n<> \t") {
			return invalid("%q is not an envelope address", a)
		}
	}
	for _, a := range to {
		if !strings.Contains(a, "@") {
			return invalid("recipient %q is not an address", a)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cappedConn keeps every deadline the client sets within max of now: the
// client sets its own five-minute deadlines before Send can lower them.
type cappedConn struct {
	net.Conn
	max time.Duration
}

func (c *cappedConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.cap(t)) }

func (c *cappedConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.cap(t)) }

func (c *cappedConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.cap(t)) }

func (c *cappedConn) cap(t time.Time) time.Time {
	if limit := time.Now().Add(c.max); t.IsZero() || t.After(limit) {
		return limit
	}
	return t
}

// secretForms are the password as it may appear in a reply: as is, and in
// the base64 of an AUTH PLAIN response.
func secretForms(username, password string) []string {
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + username + "\x00" + password))
	return []string{password, plain, strings.TrimRight(plain, "=")}
}
