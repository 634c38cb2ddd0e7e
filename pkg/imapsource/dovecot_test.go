package imapsource_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/ingest"
)

// TestPassOverTLSAgainstDovecot runs a pass over implicit TLS and over
// STARTTLS, trusting the server's self-signed certificate through CAFile,
// with both LOGIN and AUTHENTICATE PLAIN.
func TestPassOverTLSAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: user, Password: password})
	raws := fixtures(t)[:10]
	for _, tc := range []struct {
		name, tls, auth, addr string
	}{
		{"implicit TLS, PLAIN", imapsource.TLSImplicit, imapsource.AuthPlain, srv.TLSAddr},
		{"STARTTLS, LOGIN", imapsource.TLSStartTLS, imapsource.AuthLogin, srv.Addr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.Deliver(t, user, raws...)
			cfg := config(tc.addr)
			cfg.Host = "localhost"
			cfg.TLS, cfg.Auth, cfg.CAFile = tc.tls, tc.auth, srv.CAFile
			sum, err := ingest.Pass(context.Background(), dialer(cfg), rules(t), openStore(t), ingest.PassOptions{})
			if err != nil {
				t.Fatalf("Pass: %v", err)
			}
			if sum.Seen != len(raws) || sum.Failed != 0 {
				t.Errorf("summary = %s", sum)
			}
		})
	}
}

func TestTLSErrorsAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: user, Password: password})
	cfg := config(srv.TLSAddr)
	cfg.Host, cfg.TLS = "localhost", imapsource.TLSImplicit
	// Without the CA: the self-signed certificate is refused, with a hint.
	_, err := imapsource.Dial(context.Background(), cfg)
	if err == nil || !strings.Contains(imapsource.Describe(err), "ca_file") {
		t.Errorf("Dial to a self-signed server = %v, want a certificate error hinting at ca_file", err)
	}
	cfg.TLSSkipVerify = true
	c, err := imapsource.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Dial with tls_skip_verify: %v", err)
	}
	c.Close()
	cfg.Password = "wrong"
	if _, err := imapsource.Dial(context.Background(), cfg); !errors.Is(err, imapsource.ErrAuth) {
		t.Errorf("Dial with a wrong password = %v, want ErrAuth", err)
	}
}
