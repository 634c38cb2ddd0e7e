package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
)

func TestCheckAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	_, tlsPort, _ := strings.Cut(srv.TLSAddr, ":")
	tlsMailbox := func(password, extra string) string {
		return fmt.Sprintf("  - {name: tls, host: localhost, port: %s, tls: implicit, username: %s, password: %q, auth: plain%s}\n", tlsPort, imapUser, password, extra)
	}
	tests := []struct {
		name    string
		mailbox string
		ok      bool
		want    []string
	}{
		{"right password, CA file", tlsMailbox(imapPassword, ", ca_file: "+srv.CAFile), true,
			[]string{"ok    TLS handshake (certificate valid for localhost", "ok    log in as " + imapUser, "ok    select INBOX", "rejected_folder Rejected (missing: poller creates it", "all good"}},
		{"wrong password", tlsMailbox("not-it", ", ca_file: "+srv.CAFile), false,
			[]string{"FAIL  log in as " + imapUser, "hint: check username and password"}},
		{"self-signed certificate without ca_file", tlsMailbox(imapPassword, ""), false,
			[]string{"FAIL  TLS handshake", "hint: a self-signed or private CA: set ca_file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := imapConfig(t, srv.Addr)
			appendToConfig(t, cfg, tt.mailbox)
			var stdout bytes.Buffer
			err := run(context.Background(), []string{"check", "--config", cfg, "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, &stdout, &bytes.Buffer{})
			if (err == nil) != tt.ok {
				t.Errorf("check error = %v, want ok %v\n%s", err, tt.ok, stdout.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("check output lacks %q:\n%s", w, stdout.String())
				}
			}
			if strings.Contains(stdout.String(), "not-it") {
				t.Error("check printed the password")
			}
		})
	}
}
