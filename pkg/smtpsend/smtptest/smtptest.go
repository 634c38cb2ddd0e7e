// Package smtptest runs github.com/emersion/go-smtp's server on
// 127.0.0.1 for tests: it keeps what it receives, can refuse with a chosen
// reply code, can go away and come back on the same port, and can speak
// STARTTLS or implicit TLS with a certificate made for the test.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The TLS modes of Options.TLS.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
)

// The steps Refuse can refuse at.
const (
	StageMail = "mail"
	StageRcpt = "rcpt"
	StageData = "data"
)

// Options configure a Server.
type Options struct {
	// TLS is TLSNone (the default), TLSStartTLS or TLSImplicit.
	TLS string
	// Username and Password, when set, are required (AUTH PLAIN) before
	// MAIL.
	Username, Password string
}

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
	// User is the name the client authenticated as, "" for none.
	User string
	// TLS reports whether the message came over TLS.
	TLS bool
}

// Server is a running test server. Its methods are safe for concurrent use.
type Server struct {
	// Host and Port are where it listens (Host is always 127.0.0.1).
	Host string
	Port int

	t     testing.TB
	opts  Options
	certs *certs

	mu      sync.Mutex
	srv     *smtp.Server
	ln      net.Listener
	served  chan struct{} // closed when the current Serve returns
	msgs    []Received
	refuse  map[string]int
	stopped bool
}

// Start runs a plaintext server without authentication, stopped when the
// test ends.
func Start(t testing.TB) *Server { return StartOptions(t, Options{}) }

// StartOptions runs a server configured by o, stopped when the test ends.
func StartOptions(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1", t: t, opts: o, refuse: map[string]int{}}
	if o.TLS == TLSStartTLS || o.TLS == TLSImplicit {
		c, err := newCerts(time.Now())
		if err != nil {
			t.Fatalf("smtptest: certificate: %v", err)
		}
		s.certs = c
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// ClientTLSConfig trusts the server's certificate; nil without TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.certs == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.certs.pool, ServerName: s.Host}
}

// Messages returns copies of the messages accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.msgs))
	for i, m := range s.msgs {
		m.To = slices.Clone(m.To)
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Refuse makes the server answer code (a 4xx or 5xx) at stage (StageMail,
// StageRcpt or StageData) until it is called again with code 0.
func (s *Server) Refuse(stage string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.refuse, stage)
		return
	}
	s.refuse[stage] = code
}

// Stop closes the listener and every connection; Restart brings the
// server back on the same port. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln, served, stopped := s.srv, s.ln, s.served, s.stopped
	s.stopped = true
	s.mu.Unlock()
	if stopped {
		return
	}
	// Serve may not have registered ln with srv yet: close it here too.
	ln.Close()
	srv.Close()
	<-served
}

// Restart listens again on the port of a stopped server.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if !stopped {
		return
	}
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", s.Addr()); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		s.t.Fatalf("smtptest: listen again on %s: %v", s.Addr(), err)
	}
	s.serve(ln)
}

// serve runs a fresh go-smtp server on ln.
func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "smtptest.localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	switch s.opts.TLS {
	case TLSStartTLS:
		srv.TLSConfig = s.certs.server
	case TLSImplicit:
		ln = tls.NewListener(ln, s.certs.server)
	}
	served := make(chan struct{})
	s.mu.Lock()
	s.srv, s.ln, s.served, s.stopped = srv, ln, served, false
	s.mu.Unlock()
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.t.Logf("smtptest: serve: %v", err)
		}
	}()
}

// refusal is the error for stage, nil when the stage is accepted.
func (s *Server) refusal(stage string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.refuse[stage]
	if !ok {
		return nil
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "refused by smtptest"}
}

func (s *Server) keep(m Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, tls: isTLS}, nil
}

// session is one SMTP session; go-smtp calls it from one goroutine.
type session struct {
	s    *Server
	tls  bool
	user string
	msg  Received
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.opts.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	if err := ss.s.refusal(StageMail); err != nil {
		return err
	}
	ss.msg = Received{From: from, User: ss.user, TLS: ss.tls}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.refusal(StageRcpt); err != nil {
		return err
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.refusal(StageData); err != nil {
		return err
	}
	ss.msg.Data = data
	ss.s.keep(ss.msg)
	ss.msg = Received{}
	return nil
}

func (ss *session) Reset() { ss.msg = Received{} }

func (ss *session) Logout() error { return nil }
