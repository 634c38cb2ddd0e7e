package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/ingest"
)

func TestAccountsResolveDefaultsAndSecrets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "imap.secret"), []byte("from-file\n"), 0o600)
	cfg, err := parseConfig(strings.NewReader(`
crm: {log_addresses: [log@crm.example.com]}
users: [{email: alice@example.com}]
mailboxes:
  - {name: a, host: imap.example.com, username: u, password: "${PW}"}
  - {name: b, host: 127.0.0.1, tls: none, username: u, password_file: imap.secret, log_addresses: [other@crm.example.com], rejected_folder: ""}
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.dir = dir
	accounts, err := cfg.accounts(func(k string) string { return map[string]string{"PW": "from-env"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, b := accounts[0], accounts[1]
	if a.cfg.Port != 993 || a.cfg.TLS != "implicit" || a.cfg.Auth != "plain" || a.cfg.Password != "from-env" || a.cfg.RejectedFolder != "Rejected" || a.batching != (ingest.Batching{BatchSize: ingest.DefaultBatchSize, BatchBytes: ingest.DefaultBatchBytes}) {
		t.Errorf("defaults not applied: %+v", a.cfg)
	}
	if b.cfg.Port != 143 || b.cfg.Password != "from-file" || b.cfg.RejectedFolder != "" {
		t.Errorf("mailbox b: %+v", b.cfg)
	}
	if !b.rules.IsLogAddress("other@crm.example.com") || b.rules.IsLogAddress("log@crm.example.com") {
		t.Error("mailbox b does not use its own log addresses")
	}
}

func TestAccountsErrors(t *testing.T) {
	tests := []struct{ mailbox, want string }{
		{`{name: a, host: h.example, username: u, password: "${NOPE}"}`, "environment variable NOPE is not set"},
		{`{name: a, host: h.example, username: u}`, "no password"},
		{`{name: a, host: imap.example.com, tls: none, username: u, password: p}`, "allow_insecure"},
		{`{name: a, host: h.example, tls: ssl, username: u, password: p}`, `tls: "ssl"`},
		{`{name: a, host: h.example, username: u, auth: xoauth2}`, "token_file or token_command"},
		{`{name: a, host: h.example, username: u, password: p, password_file: f}`, "not both"},
	}
	for _, tt := range tests {
		cfg, err := parseConfig(strings.NewReader("crm: {log_addresses: [log@crm.example.com]}\nusers: [{email: a@example.com}]\nmailboxes: [" + tt.mailbox + "]\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = cfg.accounts(func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("accounts(%s) = %v, want an error with %q", tt.mailbox, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "password: p") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestOnceOverTwoMailboxes(t *testing.T) {
	var servers []*imapmem.Server
	for range 2 {
		srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		servers = append(servers, srv)
	}
	for i, raw := range numbered(t, 6) {
		servers[i%2].Append("INBOX", raw)
	}
	cfgPath := imapConfig(t, servers[0].Addr)
	host, port, _ := strings.Cut(servers[1].Addr, ":")
	f, _ := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "  - {name: second, host: %s, port: %s, tls: none, username: %s, password: \"${TEST_IMAP_PASSWORD}\", auth: login}\n", host, port, imapUser)
	f.Close()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"once", "--config", cfgPath, "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, &stdout, &stderr); err != nil {
		t.Fatalf("once: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"pass main/INBOX: seen 3,", "pass second/INBOX: seen 3,"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestTokenCommandFailureHidesItsOutput(t *testing.T) {
	secret := "ya29.a0AfH6SMBxTOKENvalue0123456789"
	_, err := runTokenCommand(context.Background(), "echo 'refresh failed for token="+secret+"' >&2; echo "+secret+" >&2; echo second-line-"+secret+" >&2; exit 3")
	if err == nil {
		t.Fatal("a failing token_command gave no error")
	}
	msg := err.Error()
	if strings.Contains(msg, secret) || strings.Contains(msg, "second-line") {
		t.Errorf("error shows the command's secret output: %s", msg)
	}
	if !strings.Contains(msg, "exit status 3") || !strings.Contains(msg, "refresh failed") {
		t.Errorf("error = %q, want the exit status and the redacted first line", msg)
	}
	for in, want := range map[string]string{
		"login failed: password=hunter2hunter2": "login failed: password=[redacted]",
		"Bearer abcdefghijklmnopqrstuvwxyz":     "Bearer [redacted]",
		"no network":                            "no network",
	} {
		if got := redactSecrets(in); got != want {
			t.Errorf("redactSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWorldReadablePasswordFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "imap.secret")
	if err := os.WriteFile(file, []byte("hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readSecret(file)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("readSecret of a world-readable file = %v, want a refusal naming chmod 600", err)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := readSecret(file); err != nil || got != "hunter2" {
		t.Errorf("readSecret = %q, %v", got, err)
	}
}
