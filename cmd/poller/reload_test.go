package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunReloadsOnSIGHUP: SIGHUP makes "run" load its config again: a
// valid one takes over (a new user synced into the store, the log level,
// the rules), an invalid one is logged in one line and the daemon goes on
// with the old one; the process never exits.
func TestRunReloadsOnSIGHUP(t *testing.T) {
	raws := numbered(t, 4)
	srv := memMailbox(t, raws[:1])
	cfg := imapConfig(t, srv.Addr, "    idle: true")
	db := filepath.Join(t.TempDir(), "poller.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg, "--db", db}, testGetenv, &bytes.Buffer{}, &stderr)
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			select {
			case err := <-done:
				t.Fatalf("run ended (%v) while waiting for %s\n%s", err, what, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s\n%s", what, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	logged := func(s string) func() bool { return func() bool { return strings.Contains(stderr.String(), s) } }
	unseen := func() int { _, u, _ := srv.Count("INBOX"); return u }
	waitFor("the pass at start", func() bool { return unseen() == 0 && strings.Contains(stderr.String(), "msg=pass ") })
	if strings.Contains(stderr.String(), "level=DEBUG") {
		t.Fatalf("debug lines before the reload:\n%s", stderr.String())
	}

	// A valid change: a new user, and log.level debug.
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	valid := strings.Replace(string(data), "\nusers:\n", "\nusers:\n  - email: zoe@example.com\n    name: Zoe Neri\n", 1) + "\nlog:\n  level: debug\n"
	if !strings.Contains(valid, "zoe@example.com") {
		t.Fatal("the test config has no users: section")
	}
	if err := os.WriteFile(cfg, []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor("config reloaded", logged("config reloaded"))
	if n := queryInt(t, openDB(t, db), `SELECT count(*) FROM users WHERE email = 'zoe@example.com'`); n != 1 {
		t.Errorf("the new user is not in the store after the reload")
	}
	srv.Append("INBOX", raws[1])
	waitFor("a pass by IDLE after the reload, logging at debug", func() bool {
		return unseen() == 0 && strings.Contains(stderr.String(), "level=DEBUG")
	})

	// An invalid change: logged, the old config goes on.
	invalid := strings.Replace(valid, `schedule: "@every 1h"`, `schedule: "*/5 * * *"`, 1)
	if invalid == valid {
		t.Fatal("the test config has no schedule")
	}
	if err := os.WriteFile(cfg, []byte(invalid), 0o600); err != nil {
		t.Fatal(err)
	}
	before := strings.Count(stderr.String(), "config reloaded")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor("the refused reload", logged("config not reloaded"))
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "config not reloaded") && (!strings.Contains(line, "schedule") || !strings.Contains(line, `*/5 * * *`)) {
			t.Errorf("the refusal does not name the problem: %s", line)
		}
	}
	if n := strings.Count(stderr.String(), "config reloaded"); n != before {
		t.Errorf("an invalid config was reloaded")
	}
	srv.Append("INBOX", raws[2])
	waitFor("a pass with the old config after the refused reload", func() bool { return unseen() == 0 })

	// A valid config that cannot start (its http.listen address is in
	// use): logged, and the previous one runs on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := os.WriteFile(cfg, []byte(valid+"http:\n  listen: "+ln.Addr().String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refusals := strings.Count(stderr.String(), "config not reloaded")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor("the reload that cannot start", func() bool { return strings.Count(stderr.String(), "config not reloaded") > refusals })
	if !strings.Contains(stderr.String(), ln.Addr().String()) {
		t.Errorf("the refusal does not name the address in use:\n%s", stderr.String())
	}
	srv.Append("INBOX", raws[3])
	waitFor("a pass after the reload that could not start", func() bool { return unseen() == 0 })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancellation")
	}
	if n := queryInt(t, openDB(t, db), `SELECT count(*) FROM intake`); n != len(raws) {
		t.Errorf("intake rows = %d, want %d", n, len(raws))
	}
}
