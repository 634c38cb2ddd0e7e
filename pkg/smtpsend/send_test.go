package smtpsend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/smtpsend/smtptest"
)

const (
	user     = "poller"
	password = "s3cret-Pa55word"
)

var testMsg = []byte("From: poller@example.com\r\nTo: alice@example.com\r\nSubject: hi\r\n\r\nHello.\r\n")

// config is a Config for s.
func config(s *smtptest.Server, mode string) Config {
	return Config{Host: s.Host, Port: s.Port, TLS: mode, Username: user, Password: password,
		Timeout: 5 * time.Second, TLSConfig: s.ClientTLSConfig()}
}

func send(t *testing.T, cfg Config) error {
	t.Helper()
	return Send(context.Background(), cfg, "poller@example.com", []string{"alice@example.com"}, testMsg)
}

func TestSend(t *testing.T) {
	tests := []struct {
		mode    string
		auth    bool
		wantTLS bool
	}{
		{TLSNone, false, false},
		{TLSNone, true, false},
		{TLSStartTLS, true, true},
		{TLSImplicit, true, true},
		{TLSImplicit, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			opts := smtptest.Options{TLS: tt.mode}
			if tt.auth {
				opts.Username, opts.Password = user, password
			}
			s := smtptest.StartOptions(t, opts)
			cfg := config(s, tt.mode)
			if !tt.auth {
				cfg.Username, cfg.Password = "", ""
			}
			if err := send(t, cfg); err != nil {
				t.Fatalf("Send(%s, auth %v) = %v", tt.mode, tt.auth, err)
			}
			got := s.Messages()
			if len(got) != 1 {
				t.Fatalf("server got %d messages, want 1", len(got))
			}
			m := got[0]
			if m.From != "poller@example.com" || strings.Join(m.To, ",") != "alice@example.com" || !bytes.Equal(m.Data, testMsg) {
				t.Errorf("server got %q to %q: %q, want the message as sent", m.From, m.To, m.Data)
			}
			if m.TLS != tt.wantTLS || (m.User == user) != tt.auth {
				t.Errorf("server got TLS %v user %q, want TLS %v auth %v", m.TLS, m.User, tt.wantTLS, tt.auth)
			}
		})
	}
}

func TestSendServerDown(t *testing.T) {
	s := smtptest.Start(t)
	cfg := config(s, TLSNone)
	cfg.Username, cfg.Password = "", ""
	s.Stop()
	err := send(t, cfg)
	if err == nil {
		t.Fatal("Send to a stopped server = nil, want an error")
	}
	if !Temporary(err) {
		t.Errorf("Temporary(%v) = false, want true", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != OpDial {
		t.Errorf("Send error = %#v, want an *Error at %s", err, OpDial)
	}
	s.Restart()
	if err := send(t, cfg); err != nil {
		t.Fatalf("Send after Restart = %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("server got %d messages, want 1", n)
	}
}

func TestSendRefused(t *testing.T) {
	tests := []struct {
		stage    string
		code     int
		wantTemp bool
	}{
		{smtptest.StageMail, 451, true},
		{smtptest.StageRcpt, 450, true},
		{smtptest.StageData, 452, true},
		{smtptest.StageMail, 550, false},
		{smtptest.StageRcpt, 550, false},
		{smtptest.StageData, 554, false},
	}
	s := smtptest.StartOptions(t, smtptest.Options{TLS: TLSStartTLS, Username: user, Password: password})
	cfg := config(s, TLSStartTLS)
	for _, tt := range tests {
		s.Refuse(tt.stage, tt.code)
		err := send(t, cfg)
		s.Refuse(tt.stage, 0)
		if err == nil {
			t.Errorf("Send refused %d at %s = nil, want an error", tt.code, tt.stage)
			continue
		}
		if got := Temporary(err); got != tt.wantTemp {
			t.Errorf("Temporary(%v) = %v, want %v", err, got, tt.wantTemp)
		}
		if got := Code(err); got != tt.code {
			t.Errorf("Code(%v) = %d, want %d", err, got, tt.code)
		}
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("server kept %d refused messages, want 0", n)
	}
	if err := send(t, cfg); err != nil {
		t.Errorf("Send once accepted again = %v", err)
	}
}

func TestSendWrongPassword(t *testing.T) {
	s := smtptest.StartOptions(t, smtptest.Options{TLS: TLSImplicit, Username: user, Password: "another"})
	err := send(t, config(s, TLSImplicit))
	if err == nil {
		t.Fatal("Send with a wrong password = nil, want an error")
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error %q shows the password", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != OpAuth || Code(err) != 535 {
		t.Errorf("Send error = %v, want a 535 at %s", err, OpAuth)
	}
	if !Temporary(err) {
		t.Errorf("Temporary(%v) = false, want true: a login refused is the account's trouble, not the message's", err)
	}
}

// TestSendRedactsEchoedPassword talks to a server that echoes the AUTH
// command, password and all, in its refusal.
func TestSendRedactsEchoedPassword(t *testing.T) {
	ln := fakeServer(t, func(conn net.Conn) {
		r := bufio.NewReader(conn)
		conn.Write([]byte("220 fake ESMTP\r\n"))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "EHLO"):
				conn.Write([]byte("250-fake\r\n250 AUTH PLAIN\r\n"))
			case strings.HasPrefix(line, "AUTH"):
				conn.Write([]byte("535 5.7.8 no such login: " + line + "\r\n"))
			default:
				conn.Write([]byte("221 bye\r\n"))
				return
			}
		}
	})
	host, port := hostPort(t, ln)
	err := send(t, Config{Host: host, Port: port, TLS: TLSNone, Username: user, Password: password, Timeout: 5 * time.Second})
	if err == nil {
		t.Fatal("Send = nil, want a refused login")
	}
	for _, secret := range secretForms(user, password) {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows the secret %q", err, secret)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %q, want the echoed secret replaced by [redacted]", err)
	}
}

func TestSendTimeout(t *testing.T) {
	ln := fakeServer(t, func(conn net.Conn) { time.Sleep(3 * time.Second) })
	host, port := hostPort(t, ln)
	start := time.Now()
	err := send(t, Config{Host: host, Port: port, TLS: TLSNone, Timeout: 200 * time.Millisecond})
	if err == nil || !Temporary(err) {
		t.Fatalf("Send to a silent server = %v, want a temporary error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v, want about the 200ms timeout", d)
	}
}

func TestSendContextCanceled(t *testing.T) {
	ln := fakeServer(t, func(conn net.Conn) { time.Sleep(3 * time.Second) })
	host, port := hostPort(t, ln)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Send(ctx, Config{Host: host, Port: port, TLS: TLSNone, Timeout: time.Minute}, "a@example.com", []string{"b@example.com"}, testMsg)
	if !errors.Is(err, context.DeadlineExceeded) || !Temporary(err) {
		t.Errorf("Send with an expiring context = %v, want a temporary DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v after the context ended", d)
	}
}

func TestSendNoPlaintextFallback(t *testing.T) {
	s := smtptest.Start(t) // no STARTTLS on offer
	cfg := Config{Host: s.Host, Port: s.Port, TLS: TLSStartTLS, Timeout: 5 * time.Second}
	err := send(t, cfg)
	var e *Error
	if err == nil || !errors.As(err, &e) || e.Op != OpTLS {
		t.Errorf("Send with starttls to a server without it = %v, want an error at %s", err, OpTLS)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("server got %d messages in plaintext, want 0", n)
	}
}

func TestSendUntrustedCertificate(t *testing.T) {
	s := smtptest.StartOptions(t, smtptest.Options{TLS: TLSImplicit})
	cfg := Config{Host: s.Host, Port: s.Port, TLS: TLSImplicit, Timeout: 5 * time.Second} // system roots
	if err := send(t, cfg); err == nil {
		t.Error("Send trusting a self-signed certificate = nil, want a TLS error")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestSendInvalid(t *testing.T) {
	s := smtptest.Start(t)
	ok := Config{Host: s.Host, Port: s.Port, TLS: TLSNone}
	tests := []struct {
		name string
		cfg  Config
		from string
		to   []string
	}{
		{"no host", Config{TLS: TLSNone}, "a@b", []string{"c@d"}},
		{"no recipient", ok, "a@b", nil},
		{"CRLF in recipient", ok, "a@b", []string{"c@d\r\nRCPT TO:<e@f>"}},
		{"recipient not an address", ok, "a@b", []string{"postmaster"}},
		{"bracket in sender", ok, "<a@b>", []string{"c@d"}},
	}
	for _, tt := range tests {
		err := Send(context.Background(), tt.cfg, tt.from, tt.to, testMsg)
		if err == nil || Temporary(err) {
			t.Errorf("Send(%s) = %v, want a permanent error", tt.name, err)
		}
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // in the error; "" for none
	}{
		{"starttls", Config{Host: "smtp.example.com", TLS: TLSStartTLS, Username: "u", Password: "p"}, ""},
		{"default tls", Config{Host: "smtp.example.com"}, ""},
		{"none to loopback", Config{Host: "127.0.0.1", Port: 2525, TLS: TLSNone, Username: "u"}, ""},
		{"none to localhost", Config{Host: "localhost", TLS: "NONE"}, ""},
		{"none to [::1]", Config{Host: "[::1]", TLS: TLSNone}, ""},
		{"none off the machine", Config{Host: "smtp.example.com", TLS: TLSNone}, "smtp.tls"},
		{"none off the machine, allowed", Config{Host: "smtp.example.com", TLS: TLSNone, AllowInsecure: true}, ""},
		{"password in plaintext", Config{Host: "10.0.0.1", TLS: TLSNone, AllowInsecure: true, Username: "u"}, "plaintext"},
		{"bad tls", Config{Host: "smtp.example.com", TLS: "ssl"}, "smtp.tls"},
		{"bad port", Config{Host: "smtp.example.com", Port: 70000}, "smtp.port"},
		{"password alone", Config{Host: "smtp.example.com", Password: "p"}, "smtp.username"},
		{"no host", Config{}, "smtp.host"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%s) = %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "p\"") {
			t.Errorf("Validate(%s) = %v, shows the password", tt.name, err)
		}
	}
}

func TestTemporary(t *testing.T) {
	if Temporary(nil) {
		t.Error("Temporary(nil) = true")
	}
	if !Temporary(errors.New("connection reset")) {
		t.Error("Temporary(an unknown error) = false, want true")
	}
}

// fakeServer accepts connections on loopback and hands each to handle.
func fakeServer(t *testing.T, handle func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				handle(conn)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln
}

func hostPort(t *testing.T, ln net.Listener) (string, int) {
	t.Helper()
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}
