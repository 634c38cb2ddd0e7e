package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/password"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// userList runs "poller user list" and returns, per address, its row's
// ADMIN and PASSWORD columns.
func userList(t *testing.T, config, db string) map[string][2]string {
	t.Helper()
	out, stderr, err := runCmd(t, "user", "list", "--config", config, "--db", db)
	if err != nil {
		t.Fatalf("user list: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !regexp.MustCompile(`^EMAIL\s+NAME\s+ADMIN\s+PASSWORD$`).MatchString(lines[0]) {
		t.Fatalf("user list header: %q", out)
	}
	rows := map[string][2]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 4 {
			t.Fatalf("user list row %q", l)
		}
		rows[f[0]] = [2]string{f[len(f)-2], f[len(f)-1]}
	}
	return rows
}

func TestUserPasswordFromStdinThenList(t *testing.T) {
	config := webConfigFile(t, "")
	db := filepath.Join(t.TempDir(), "p.db")
	const pw = "Ünïcode horse battery 9"
	var out, errOut strings.Builder
	err := runUser(context.Background(), []string{"password", "Bob@Example.com", "--config", config, "--db", db}, strings.NewReader(pw+"\r\n"), &out, &errOut)
	if err != nil {
		t.Fatalf("user password: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "password set for bob@example.com") {
		t.Errorf("user password said %q", out.String())
	}
	if strings.Contains(out.String()+errOut.String(), pw) || strings.Contains(out.String()+errOut.String(), "horse") {
		t.Error("the password appears in the output")
	}
	rows := userList(t, config, db)
	want := map[string][2]string{
		"alice@example.com":       {"yes", "no"},
		"bob@example.com":         {"no", "yes"},
		"chiara@example-labs.com": {"no", "no"},
	}
	for email, w := range want {
		if rows[email] != w {
			t.Errorf("user list %s: admin, password = %v, want %v", email, rows[email], w)
		}
	}
	if len(rows) != len(want) {
		t.Errorf("user list rows %v, want the config's 3 users", rows)
	}

	// The stored hash is an argon2id PHC string of the password (the line
	// ending is not part of it), not the password.
	store, err := sqlite.Open(context.Background(), db, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	hash, err := store.PasswordHash(context.Background(), "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, pw) {
		t.Errorf("stored hash %q", hash)
	}
	if ok, err := password.Verify(hash, pw); err != nil || !ok {
		t.Errorf("Verify(stored hash, password) = %v, %v", ok, err)
	}
	if ok, _ := password.Verify(hash, pw+"\r"); ok {
		t.Error("the line ending was hashed with the password")
	}

	// Setting it again replaces it.
	setPassword(t, config, db, "bob@example.com", "second password")
	hash2, _ := store.PasswordHash(context.Background(), "bob@example.com")
	if ok, _ := password.Verify(hash2, "second password"); !ok || hash2 == hash {
		t.Error("a second user password did not replace the first")
	}
}

func TestUserPasswordRefusals(t *testing.T) {
	config := webConfigFile(t, "")
	db := filepath.Join(t.TempDir(), "p.db")
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"empty line", []string{"password", "bob@example.com"}, "\n", "no password given"},
		{"no input", []string{"password", "bob@example.com"}, "", "no password given"},
		{"short", []string{"password", "bob@example.com"}, "s3cr3t!\n", "too short (7 characters): use at least 8"},
		{"short in characters", []string{"password", "bob@example.com"}, "ééééééé\n", "too short (7 characters)"},
		{"too long", []string{"password", "bob@example.com"}, strings.Repeat("x", 2000) + "\n", "too long"},
		{"unknown user", []string{"password", "mallory@evil.example"}, "long enough password\n", `"mallory@evil.example" is not a user of the config`},
		{"alias", []string{"password", "a.rossi@example.com"}, "long enough password\n", "alias of alice@example.com"},
		{"no address", []string{"password"}, "long enough password\n", "give one address"},
		{"two addresses", []string{"password", "bob@example.com", "alice@example.com"}, "long enough password\n", "give one address"},
		{"password flag", []string{"password", "bob@example.com", "--password", "long enough password"}, "", "user"},
		{"unknown subcommand", []string{"delete", "bob@example.com"}, "", `unknown subcommand "delete"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			args := append(append([]string{}, tt.args...), "--config", config, "--db", db)
			err := runUser(context.Background(), args, strings.NewReader(tt.stdin), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if secret := strings.TrimSpace(tt.stdin); secret != "" {
				all := err.Error() + out.String() + errOut.String()
				if strings.Contains(all, secret) || strings.Contains(all, "enough") {
					t.Errorf("the password appears in the output or the error: %v\n%s%s", err, out.String(), errOut.String())
				}
			}
		})
	}
	if _, _, err := runCmd(t, "user", "list", "--config", config, "--db", db); err == nil {
		for email, r := range userList(t, config, db) {
			if r[1] != "no" {
				t.Errorf("after refusals only, %s has a password", email)
			}
		}
	}
}

// TestUserPasswordProcess runs the command as a process with the password
// piped to its stdin, the way a script sets one.
func TestUserPasswordProcess(t *testing.T) {
	config := webConfigFile(t, "")
	db := filepath.Join(t.TempDir(), "p.db")
	cmd := pollerCommand(t, "user", "password", "alice@example.com", "--config", config, "--db", db)
	cmd.Stdin = strings.NewReader("piped-in password\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("user password: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "piped-in") || strings.Contains(string(out), "New password") {
		t.Errorf("output %q: no prompt and no password when stdin is not a terminal", out)
	}
	if rows := userList(t, config, db); rows["alice@example.com"] != [2]string{"yes", "yes"} {
		t.Errorf("user list alice = %v", rows["alice@example.com"])
	}
	cmd = pollerCommand(t, "user", "password", "alice@example.com", "--config", config, "--db", db)
	cmd.Stdin = strings.NewReader("short\n")
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "too short") {
		t.Errorf("a short password: %v\n%s", err, out)
	}
}
