package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
)

const imapUser, imapPassword = "log@crm.example.com", "catch-all-secret"

// imapConfig writes the example config with one mailbox at addr (plain
// IMAP on loopback) and returns its path.
func imapConfig(t *testing.T, addr string, extra ...string) string {
	t.Helper()
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(data)
	base = base[:strings.Index(base, "\nschedule:")]
	host, port, _ := strings.Cut(addr, ":")
	cfg := base + fmt.Sprintf(`
schedule: "@every 1h"
mailboxes:
  - name: main
    host: %s
    port: %s
    tls: none
    username: %s
    password: ${TEST_IMAP_PASSWORD}
    auth: login
    rejected_folder: Rejected
    batch_size: 20
    timeout: 10s
%s`, host, port, imapUser, strings.Join(extra, "\n"))
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testGetenv(name string) string {
	if name == "TEST_IMAP_PASSWORD" {
		return imapPassword
	}
	return os.Getenv(name)
}

// numbered makes n distinct messages: fixtures with a unique Message-ID.
func numbered(t *testing.T, n int) [][]byte {
	t.Helper()
	files := fixtureFiles(t)
	out := make([][]byte, n)
	for i := range out {
		data, err := os.ReadFile(files[i%len(files)])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = append([]byte(fmt.Sprintf("Message-ID: <n%d@test.example>\r\n", i)), data...)
	}
	return out
}

// seenInMaildir counts the messages of a Maildir folder and those flagged \Seen.
func seenInMaildir(t *testing.T, dir string) (total, seen int) {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			total++
			if _, flags, ok := strings.Cut(e.Name(), ":2,"); ok && strings.Contains(flags, "S") {
				seen++
			}
		}
	}
	return total, seen
}

func TestOnceAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	raws := numbered(t, len(fixtureFiles(t)))
	srv.Deliver(t, imapUser, raws...)
	cfg := imapConfig(t, srv.Addr)
	db := filepath.Join(t.TempDir(), "poller.db")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"once", "--config", cfg, "--db", db}, testGetenv, &stdout, &stderr); err != nil {
		t.Fatalf("once: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("pass main/INBOX: seen %d,", len(raws))) || !strings.Contains(stdout.String(), "failed 0") {
		t.Errorf("summary = %q", stdout.String())
	}
	inbox, seen := seenInMaildir(t, srv.Maildir(imapUser))
	rejected, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	if inbox+rejected != len(raws) || seen != inbox || rejectedSeen != rejected || rejected == 0 {
		t.Errorf("INBOX %d (%d seen), Rejected %d (%d seen): want every message seen and the rejections moved", inbox, seen, rejected, rejectedSeen)
	}
	db2 := openDB(t, db)
	if n := queryInt(t, db2, `SELECT count(*) FROM intake WHERE mailbox = 'main/INBOX'`); n != len(raws) {
		t.Errorf("intake rows = %d, want %d", n, len(raws))
	}
}

func TestOnceLoginRefusedFails(t *testing.T) {
	srv, err := imapmem.Start(imapUser, "other-password", imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"once", "--config", imapConfig(t, srv.Addr), "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, &stdout, &stderr)
	if err == nil {
		t.Fatal("once with a refused login succeeded")
	}
	if msg := stderr.String(); !strings.Contains(msg, "login refused") || strings.Contains(msg, imapPassword) {
		t.Errorf("stderr = %q, want the refusal named and no password", msg)
	}
}

// TestOnceSurvivesSIGKILLAgainstDovecot kills "poller once" at random points
// during several passes over 500 messages, then runs a clean pass: every
// message is logged or rejected exactly once, all are \Seen, the database
// is sound.
func TestOnceSurvivesSIGKILLAgainstDovecot(t *testing.T) {
	const n = 500
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, n)...)
	cfg := imapConfig(t, srv.Addr, "")
	db := filepath.Join(t.TempDir(), "poller.db")
	args := []string{"once", "--config", cfg, "--db", db}
	rng := rand.New(rand.NewPCG(7, 11))
	midPass := 0
	for range 4 {
		before := intakeRows(db)
		cmd := pollerCommand(t, args...)
		cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a random moment after this run's first commit, so that
		// the kill lands inside the pass, between or inside batches.
		if !waitForCommit(t, cmd, db, before) {
			break // it finished everything before committing anything new
		}
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if rows := intakeRows(db); !cmd.ProcessState.Exited() && rows < n {
			midPass++
		}
	}
	if midPass < 2 {
		t.Fatalf("only %d of the kills landed mid-pass; the test did not test what it names", midPass)
	}
	cmd := pollerCommand(t, args...)
	cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clean pass: %v\n%s", err, out)
	}
	inbox, seen := seenInMaildir(t, srv.Maildir(imapUser))
	rejected, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	if inbox+rejected != n || seen+rejectedSeen != n {
		t.Errorf("mailbox: %d+%d messages, %d+%d seen; want %d, all seen", inbox, rejected, seen, rejectedSeen, n)
	}
	d := openDB(t, db)
	var check string
	d.QueryRow(`PRAGMA integrity_check`).Scan(&check)
	if check != "ok" {
		t.Errorf("integrity_check = %q", check)
	}
	// Exactly once: one final outcome per message. (Copies of a forward
	// fixture forward the same original, so the later ones are duplicates.)
	if got := queryInt(t, d, `SELECT count(DISTINCT raw_sha256) FROM intake WHERE outcome != 'failed'`); got != n {
		t.Errorf("messages with an outcome = %d, want %d", got, n)
	}
	if got := queryInt(t, d, `SELECT count(*) FROM (SELECT raw_sha256 FROM intake WHERE outcome != 'failed' GROUP BY raw_sha256 HAVING count(*) > 1)`); got != 0 {
		t.Errorf("%d messages were recorded more than once", got)
	}
	if got, logged := queryInt(t, d, `SELECT count(*) FROM emails`), queryInt(t, d, `SELECT count(*) FROM intake WHERE outcome = 'logged'`); got != logged {
		t.Errorf("emails = %d, logged intake rows = %d: an email was logged twice or lost", got, logged)
	}
}

// intakeRows counts the intake rows of the database at path, read-only
// while another process writes it; 0 while it does not exist yet.
func intakeRows(path string) int {
	d, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=2000")
	if err != nil {
		return 0
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT count(*) FROM intake`).Scan(&n); err != nil {
		return 0
	}
	return n
}

// waitForCommit waits until the running cmd has committed intake rows
// beyond before. It reports false when cmd exits first.
func waitForCommit(t *testing.T, cmd *exec.Cmd, db string, before int) bool {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for intakeRows(db) <= before {
		if exited(cmd.Process.Pid) {
			return false
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no commit within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// exited reports whether the child pid has ended (a zombie not yet waited
// for, or gone), from /proc.
func exited(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: the state follows the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// startOnceOverDovecot starts "poller once" in a child process over a
// Dovecot mailbox holding n messages.
func startOnceOverDovecot(t *testing.T, n int) (*dovecot.Server, string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, n)...)
	db := filepath.Join(t.TempDir(), "poller.db")
	cmd := pollerCommand(t, "once", "--config", imapConfig(t, srv.Addr, ""), "--db", db)
	cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return srv, db, cmd, stderr
}

// TestOnceStopsGracefullyOnSIGTERM: the batch in hand is committed and
// marked, the process exits 0, and what is \Seen is exactly what is in the
// store.
func TestOnceStopsGracefullyOnSIGTERM(t *testing.T) {
	const n = 300
	srv, db, cmd, stderr := startOnceOverDovecot(t, n)
	if !waitForCommit(t, cmd, db, 0) {
		t.Fatal("once ended before its first commit")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("once after SIGTERM: %v, want exit 0\n%s", err, stderr.String())
	}
	inbox, seen := seenInMaildir(t, srv.Maildir(imapUser))
	_, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	recorded := queryInt(t, openDB(t, db), `SELECT count(*) FROM intake`)
	if seen+rejectedSeen != recorded {
		t.Errorf("%d messages marked, %d recorded: marking must follow exactly what was committed", seen+rejectedSeen, recorded)
	}
	if recorded >= n {
		t.Errorf("all %d messages were recorded: the SIGTERM did not land mid-pass", n)
	}
	t.Logf("stopped after %d of %d messages (%d left unseen in INBOX)", recorded, n, inbox-seen)
}

func TestRunPollsOnScheduleAndOnIdle(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	raws := numbered(t, 3)
	srv.Append("INBOX", raws[0])
	cfg := imapConfig(t, srv.Addr, "    idle: true")
	db := filepath.Join(t.TempDir(), "poller.db")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg, "--db", db}, testGetenv, &bytes.Buffer{}, &stderr)
	}()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("timed out waiting for %s\n%s", what, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	unseen := func() int { _, u, _ := srv.Count("INBOX"); return u }
	waitFor("the pass at start", func() bool { return unseen() == 0 })
	// The schedule is hourly: only IDLE can pick this one up in time.
	srv.Append("INBOX", raws[1])
	waitFor("the IDLE-triggered pass", func() bool { return unseen() == 0 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancellation")
	}
	if !strings.Contains(stderr.String(), "msg=pass ") || !strings.Contains(stderr.String(), "poller stopped") {
		t.Errorf("log lacks pass summaries or the stop:\n%s", stderr.String())
	}
}

func TestScheduleAndTimezoneErrors(t *testing.T) {
	for _, c := range []config{{Schedule: "every five minutes"}, {Timezone: "Mars/Olympus"}} {
		if _, _, err := c.cronSchedule(); err == nil {
			t.Errorf("cronSchedule(%+v) succeeded, want an error", c)
		}
	}
	c := config{Schedule: "@every 1m", Timezone: "Europe/Rome"}
	if _, loc, err := c.cronSchedule(); err != nil || loc.String() != "Europe/Rome" {
		t.Errorf("cronSchedule = %v, %v", loc, err)
	}
}

// appendToConfig adds YAML at the end of a config file.
func appendToConfig(t *testing.T, path, yaml string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(yaml); err != nil {
		t.Fatal(err)
	}
}

// TestSecondSignalExitsAtOnceLosingNothing: a second SIGTERM ends the
// process immediately (status 130); still, every message marked \Seen was
// committed first.
func TestSecondSignalExitsAtOnceLosingNothing(t *testing.T) {
	const n = 400
	srv, db, cmd, stderr := startOnceOverDovecot(t, n)
	if !waitForCommit(t, cmd, db, 0) {
		t.Fatal("once ended before its first commit")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(5 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 && code != 0 {
		t.Fatalf("exit = %v (%d), want 130 (or 0 if the first stop won the race)\n%s", err, code, stderr.String())
	}
	_, seen := seenInMaildir(t, srv.Maildir(imapUser))
	_, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	recorded := queryInt(t, openDB(t, db), `SELECT count(*) FROM intake`)
	if seen+rejectedSeen > recorded {
		t.Errorf("%d messages marked but only %d recorded: a mark preceded its commit", seen+rejectedSeen, recorded)
	}
}
