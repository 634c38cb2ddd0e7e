package imapsource_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/ingest"
)

// TestTraceAgainstDovecot: a pass with Trace set over implicit TLS and
// STARTTLS (where the trace is taken inside TLS) shows the commands, and
// neither the password nor a line of a message.
func TestTraceAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: user, Password: password})
	const bodyLine = "Our counter-offer is 41,500 EUR, valid until Friday."
	raw := []byte("Message-ID: <trace@test.example>\r\nFrom: Bob <bob@client.example>\r\nTo: log@crm.example.com\r\n" +
		"Subject: offer\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\n" + bodyLine + "\r\n")
	for _, tc := range []struct {
		name, tls, auth, addr string
	}{
		{"implicit TLS, PLAIN", imapsource.TLSImplicit, imapsource.AuthPlain, srv.TLSAddr},
		{"STARTTLS, LOGIN", imapsource.TLSStartTLS, imapsource.AuthLogin, srv.Addr},
		{"STARTTLS, PLAIN", imapsource.TLSStartTLS, imapsource.AuthPlain, srv.Addr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Deliver(t, user, raw)
			var trace bytes.Buffer
			cfg := config(tc.addr)
			cfg.Host = "localhost"
			cfg.TLS, cfg.Auth, cfg.CAFile, cfg.Trace = tc.tls, tc.auth, srv.CAFile, &trace
			sum, err := ingest.Pass(context.Background(), dialer(cfg), rules(t), openStore(t), ingest.PassOptions{})
			if err != nil {
				t.Fatalf("Pass: %v\n%s", err, trace.String())
			}
			if sum.Seen != 1 {
				t.Errorf("summary = %s", sum)
			}
			got := trace.String()
			for _, want := range []string{"C: T", "UID SEARCH", "UID FETCH", "[redacted]", "bytes redacted]"} {
				if !strings.Contains(got, want) {
					t.Errorf("trace lacks %q:\n%s", want, got)
				}
			}
			for _, secret := range []string{password, bodyLine, "counter-offer"} {
				if strings.Contains(got, secret) {
					t.Errorf("trace shows %q:\n%s", secret, got)
				}
			}
		})
	}
}
