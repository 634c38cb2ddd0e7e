package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigWithPlainPasswordMustNotBeWorldReadable(t *testing.T) {
	base := "crm: {log_addresses: [log@crm.example.com]}\nusers: [{email: a@example.com}]\n"
	tests := []struct {
		name, mailbox string
		mode          os.FileMode
		wantErr       bool
	}{
		{"plain password, world-readable", "mailboxes: [{name: m, host: h.example, username: u, password: hunter2}]\n", 0o644, true},
		{"plain password, owner only", "mailboxes: [{name: m, host: h.example, username: u, password: hunter2}]\n", 0o600, false},
		{"password from the environment", "mailboxes: [{name: m, host: h.example, username: u, password: \"${PW}\"}]\n", 0o644, false},
		{"password file", "mailboxes: [{name: m, host: h.example, username: u, password_file: /run/secrets/imap}]\n", 0o644, false},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "config.yaml")
		os.WriteFile(path, []byte(base+tt.mailbox), tt.mode)
		os.Chmod(path, tt.mode)
		_, _, err := loadConfig(path)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: loadConfig = %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err != nil && (!strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "hunter2")) {
			t.Errorf("%s: error %q should say how to fix it and never show the password", tt.name, err)
		}
	}
}
