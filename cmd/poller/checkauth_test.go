package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imapmem"
)

// TestCheckSaysWhetherSpoofingIsChecked: check says the spoofing check is
// on when trusted_authserv_id is set; when it is not, it reads the newest
// messages' headers, leaves them unseen, and suggests the authserv-id most
// of them carry.
func TestCheckSaysWhetherSpoofingIsChecked(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	msg := func(ar, id string) []byte {
		h := "From: alice@example.com\r\nTo: log@crm.example.com\r\nSubject: s\r\nMessage-ID: <" + id + ">\r\n"
		if ar != "" {
			h = "Authentication-Results: " + ar + "\r\n" + h
		}
		return []byte(h + "\r\nbody\r\n")
	}
	for i, ar := range []string{"mx.other.example (Postfix); spf=pass smtp.mailfrom=example.com",
		"relay.example; dkim=pass header.d=example.com", "", "MX.Other.Example; dmarc=pass"} {
		if err := srv.Append("INBOX", msg(ar, string(rune('a'+i))+"@example.com")); err != nil {
			t.Fatal(err)
		}
	}
	check := func(cfg string) string {
		var stdout bytes.Buffer
		run(context.Background(), []string{"check", "--config", cfg, "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, &stdout, &bytes.Buffer{})
		return stdout.String()
	}

	on := check(imapConfig(t, srv.Addr))
	if !strings.Contains(on, "ok    spoofing check on (crm.auth.trusted_authserv_id: mx.example.com)") {
		t.Errorf("check with trusted_authserv_id set does not say the check is on:\n%s", on)
	}

	path := imapConfig(t, srv.Addr)
	data, _ := os.ReadFile(path)
	off := strings.Replace(string(data), "trusted_authserv_id: mx.example.com", `trusted_authserv_id: ""`, 1)
	if off == string(data) {
		t.Fatal("the example config no longer sets trusted_authserv_id: mx.example.com")
	}
	os.WriteFile(path, []byte(off), 0o600)
	out := check(path)
	for _, want := range []string{
		"spoofing check off: crm.auth.trusted_authserv_id is not set",
		"suggestion: set crm.auth.trusted_authserv_id: mx.other.example (the topmost Authentication-Results of 2 of the 4 newest messages of main)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if total, unseen, _ := srv.Count("INBOX"); total != 4 || unseen != 4 {
		t.Errorf("after check: INBOX %d messages, %d unseen; want 4 and 4 (check changes nothing)", total, unseen)
	}
}
