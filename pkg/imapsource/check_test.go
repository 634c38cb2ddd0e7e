package imapsource_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
)

// wantStep is a step Check must report: its name, and the kind of its
// error (nil: ok) or the start of its note.
type wantStep struct {
	name string
	kind error
	note string
}

// checkSteps runs Check and compares its steps with want, in order: the
// last one failing when its kind is set.
func checkSteps(t *testing.T, cfg imapsource.Config, want ...wantStep) []imapsource.Step {
	t.Helper()
	steps := imapsource.Check(context.Background(), cfg)
	var b strings.Builder
	for _, s := range steps {
		b.WriteString("  " + s.Name)
		if s.Err != nil {
			b.WriteString(": " + s.Err.Error() + " (hint: " + imapsource.Hint(s.Err) + ")")
		}
		if s.Note != "" {
			b.WriteString(" (" + s.Note + ")")
		}
		b.WriteString("\n")
	}
	if len(steps) != len(want) {
		t.Fatalf("Check reported %d steps, want %d:\n%s", len(steps), len(want), b.String())
	}
	for i, w := range want {
		s := steps[i]
		switch {
		case s.Name != w.name:
			t.Errorf("step %d is %q, want %q:\n%s", i, s.Name, w.name, b.String())
		case w.kind == nil && s.Err != nil:
			t.Errorf("step %q failed: %v", s.Name, s.Err)
		case w.kind != nil && !errors.Is(s.Err, w.kind):
			t.Errorf("step %q error = %v, want %v", s.Name, s.Err, w.kind)
		case w.kind != nil && imapsource.Hint(s.Err) == "":
			t.Errorf("step %q error %v has no hint", s.Name, s.Err)
		case !strings.HasPrefix(s.Note, w.note):
			t.Errorf("step %q note = %q, want it to start with %q", s.Name, s.Note, w.note)
		}
	}
	return steps
}

// Check against the in-memory server reports each step, and fails at the
// right one with its kind, changing nothing.
func TestCheckStepsAgainstMemServer(t *testing.T) {
	srv := memServer(t, imapmem.Options{}, fixtures(t)[:3])
	login := "log in as " + user + " (login)"
	t.Run("all good", func(t *testing.T) {
		cfg := config(srv.Addr)
		cfg.ProcessedFolder = "Processed"
		checkSteps(t, cfg,
			wantStep{name: "connect to " + srv.Addr},
			wantStep{name: "plain text (no TLS)", note: "loopback or allow_insecure only"},
			wantStep{name: login},
			wantStep{name: "select INBOX", note: "3 messages, UIDVALIDITY "},
			wantStep{name: "processed_folder Processed", note: "missing: poller creates it"},
			wantStep{name: "rejected_folder Rejected", note: "missing: poller creates it"})
		for _, folder := range []string{"Processed", "Rejected"} {
			if _, _, err := srv.Count(folder); err == nil {
				t.Errorf("Check created %s", folder)
			}
		}
		if _, unseen, _ := srv.Count("INBOX"); unseen != 3 {
			t.Errorf("unseen after Check = %d, want 3", unseen)
		}
	})
	t.Run("existing folder", func(t *testing.T) {
		if err := srv.Append("Rejected", fixtures(t)[0]); err != nil {
			t.Fatal(err)
		}
		defer srv.Delete("Rejected")
		checkSteps(t, config(srv.Addr),
			wantStep{name: "connect to " + srv.Addr}, wantStep{name: "plain text (no TLS)"}, wantStep{name: login},
			wantStep{name: "select INBOX", note: "3 messages"}, wantStep{name: "rejected_folder Rejected", note: "exists"})
	})
	t.Run("wrong password", func(t *testing.T) {
		cfg := config(srv.Addr)
		cfg.Password = "wrong"
		steps := checkSteps(t, cfg, wantStep{name: "connect to " + srv.Addr}, wantStep{name: "plain text (no TLS)"}, wantStep{name: login, kind: imapsource.ErrAuth})
		if strings.Contains(steps[2].Err.Error(), "wrong") {
			t.Errorf("the error shows the password: %v", steps[2].Err)
		}
	})
	t.Run("missing mailbox", func(t *testing.T) {
		cfg := config(srv.Addr)
		cfg.Mailbox = "Nope"
		checkSteps(t, cfg, wantStep{name: "connect to " + srv.Addr}, wantStep{name: "plain text (no TLS)"}, wantStep{name: login},
			wantStep{name: "select Nope", kind: imapsource.ErrNoMailbox})
	})
	t.Run("no STARTTLS", func(t *testing.T) {
		cfg := config(srv.Addr)
		cfg.TLS = imapsource.TLSStartTLS
		checkSteps(t, cfg, wantStep{name: "connect to " + srv.Addr}, wantStep{name: "STARTTLS", kind: imapsource.ErrStartTLSUnsupported})
	})
	t.Run("implicit TLS to a plain port", func(t *testing.T) {
		cfg := config(srv.Addr)
		cfg.TLS = imapsource.TLSImplicit
		checkSteps(t, cfg, wantStep{name: "connect to " + srv.Addr}, wantStep{name: "TLS handshake", kind: imapsource.ErrTLSMismatch})
	})
	t.Run("nothing listens", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		checkSteps(t, config(addr), wantStep{name: "connect to " + addr, kind: imapsource.ErrConnRefused})
	})
	t.Run("settings", func(t *testing.T) {
		cfg := config(srv.Addr)
		cfg.Username = ""
		steps := imapsource.Check(context.Background(), cfg)
		if len(steps) != 1 || steps[0].Name != "settings" || steps[0].Err == nil {
			t.Errorf("Check without a username = %+v, want one failed settings step", steps)
		}
	})
}

// Dial fails with the same kinds as Check, from the same code.
func TestDialErrorKindsAgainstMemServer(t *testing.T) {
	srv := memServer(t, imapmem.Options{}, nil)
	cfg := config(srv.Addr)
	cfg.Mailbox = "Nope"
	if _, err := imapsource.Dial(context.Background(), cfg); !errors.Is(err, imapsource.ErrNoMailbox) || !imapsource.IsRefused(err) {
		t.Errorf("Dial to a missing mailbox = %v, want ErrNoMailbox, refused", err)
	}
	cfg = config(srv.Addr)
	cfg.TLS = imapsource.TLSStartTLS
	if _, err := imapsource.Dial(context.Background(), cfg); !errors.Is(err, imapsource.ErrStartTLSUnsupported) {
		t.Errorf("Dial with STARTTLS to a server without it = %v, want ErrStartTLSUnsupported", err)
	}
	var trace strings.Builder
	cfg.Trace = &trace
	if _, err := imapsource.Dial(context.Background(), cfg); !errors.Is(err, imapsource.ErrStartTLSUnsupported) {
		t.Errorf("Dial with STARTTLS and a trace = %v, want ErrStartTLSUnsupported", err)
	}
}

// Check against Dovecot reports each step over implicit TLS and STARTTLS,
// and the kind of each failure.
func TestCheckStepsAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: user, Password: password})
	srv.Deliver(t, user, fixtures(t)[:2]...)
	tlsCfg := func(addr, mode string) imapsource.Config {
		cfg := config(addr)
		cfg.Host, cfg.TLS, cfg.CAFile, cfg.Auth = "localhost", mode, srv.CAFile, imapsource.AuthPlain
		return cfg
	}
	_, tlsPort, _ := strings.Cut(srv.TLSAddr, ":")
	_, plainPort, _ := strings.Cut(srv.Addr, ":")
	tlsAddr, plainAddr := "localhost:"+tlsPort, "localhost:"+plainPort
	login := "log in as " + user + " (plain)"
	t.Run("implicit TLS", func(t *testing.T) {
		checkSteps(t, tlsCfg(srv.TLSAddr, imapsource.TLSImplicit),
			wantStep{name: "connect to " + tlsAddr},
			wantStep{name: "TLS handshake", note: "certificate valid for localhost, issued by "},
			wantStep{name: login},
			wantStep{name: "select INBOX", note: "2 messages, UIDVALIDITY "},
			wantStep{name: "rejected_folder Rejected", note: "missing: poller creates it"})
	})
	t.Run("STARTTLS", func(t *testing.T) {
		checkSteps(t, tlsCfg(srv.Addr, imapsource.TLSStartTLS),
			wantStep{name: "connect to " + plainAddr}, wantStep{name: "STARTTLS"}, wantStep{name: login},
			wantStep{name: "select INBOX", note: "2 messages"}, wantStep{name: "rejected_folder Rejected", note: "missing"})
	})
	t.Run("tls_skip_verify", func(t *testing.T) {
		cfg := tlsCfg(srv.TLSAddr, imapsource.TLSImplicit)
		cfg.CAFile, cfg.TLSSkipVerify = "", true
		checkSteps(t, cfg,
			wantStep{name: "connect to " + tlsAddr}, wantStep{name: "TLS handshake", note: "certificate NOT verified"}, wantStep{name: login},
			wantStep{name: "select INBOX"}, wantStep{name: "rejected_folder Rejected"})
	})
	t.Run("self-signed without ca_file", func(t *testing.T) {
		cfg := tlsCfg(srv.TLSAddr, imapsource.TLSImplicit)
		cfg.CAFile = ""
		checkSteps(t, cfg, wantStep{name: "connect to " + tlsAddr}, wantStep{name: "TLS handshake", kind: imapsource.ErrCertUntrusted})
	})
	t.Run("STARTTLS, self-signed without ca_file", func(t *testing.T) {
		cfg := tlsCfg(srv.Addr, imapsource.TLSStartTLS)
		cfg.CAFile = ""
		checkSteps(t, cfg, wantStep{name: "connect to " + plainAddr}, wantStep{name: "STARTTLS", kind: imapsource.ErrCertUntrusted})
	})
	t.Run("implicit TLS to the STARTTLS port", func(t *testing.T) {
		checkSteps(t, tlsCfg(srv.Addr, imapsource.TLSImplicit), wantStep{name: "connect to " + plainAddr}, wantStep{name: "TLS handshake", kind: imapsource.ErrTLSMismatch})
	})
	t.Run("missing mailbox", func(t *testing.T) {
		cfg := tlsCfg(srv.TLSAddr, imapsource.TLSImplicit)
		cfg.Mailbox = "Nope"
		checkSteps(t, cfg, wantStep{name: "connect to " + tlsAddr}, wantStep{name: "TLS handshake"}, wantStep{name: login},
			wantStep{name: "select Nope", kind: imapsource.ErrNoMailbox})
	})
	// Last: Dovecot delays logins after a failed one.
	t.Run("wrong password", func(t *testing.T) {
		cfg := tlsCfg(srv.TLSAddr, imapsource.TLSImplicit)
		cfg.Password = "wrong"
		checkSteps(t, cfg, wantStep{name: "connect to " + tlsAddr}, wantStep{name: "TLS handshake"}, wantStep{name: login, kind: imapsource.ErrAuth})
	})
}

// A mailbox that keeps LargeMailbox seen messages (no processed_folder)
// makes Check suggest one, as each pass's SELECT reads them all; with a
// processed_folder set, or fewer seen messages, it says nothing of it.
func TestCheckSuggestsAProcessedFolderForALargeMailbox(t *testing.T) {
	raws := make([][]byte, imapsource.LargeMailbox+5)
	for i := range raws {
		raws[i] = []byte(fmt.Sprintf("From: a@example.com\r\nMessage-ID: <m%d@example.com>\r\nSubject: %d\r\n\r\nhi\r\n", i, i))
	}
	srv := memServer(t, imapmem.Options{}, raws)
	cfg := config(srv.Addr)
	cfg.RejectedFolder = ""
	note := func(cfg imapsource.Config) string {
		for _, s := range imapsource.Check(context.Background(), cfg) {
			if s.Name == "select INBOX" {
				return s.Note
			}
		}
		t.Fatal("Check reported no select step")
		return ""
	}
	if n := note(cfg); strings.Contains(n, "processed_folder") {
		t.Errorf("all unseen: note %q suggests a processed_folder", n)
	}
	c, err := imapsource.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	uids, err := c.Unseen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Acknowledge(context.Background(), uids[:imapsource.LargeMailbox], nil); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d messages, UIDVALIDITY ", len(raws))
	if n := note(cfg); !strings.HasPrefix(n, want) || !strings.Contains(n, fmt.Sprintf("the %d seen stay in it (processed_folder is empty)", imapsource.LargeMailbox)) {
		t.Errorf("%d seen: note %q, want it to suggest a processed_folder", imapsource.LargeMailbox, n)
	}
	cfg.ProcessedFolder = "Logged"
	if n := note(cfg); strings.Contains(n, "processed_folder is empty") {
		t.Errorf("with a processed_folder: note %q", n)
	}
}
