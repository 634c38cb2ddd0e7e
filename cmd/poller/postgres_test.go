package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/pgtest"
	"github.com/poller-crm/poller/pkg/postgres"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// openPostgres opens the store at url as the commands do, for checking
// what they left.
func openPostgres(t *testing.T, url string) *crmstore.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func storeInt(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// Three "poller once" processes on one Dovecot mailbox of 2,000 messages
// share one PostgreSQL store; one of them is SIGKILLed, again and again,
// once it has committed something. At the end every message is recorded
// once, all are \Seen, each logical message is one email, and the
// Rejected folder holds each rejected message exactly once.
func TestWorkersSharingPostgresNeverDouble(t *testing.T) {
	const n = 2000
	pg := pgtest.Start(t)
	url := pg.NewDatabase(t)
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, n)...)
	cfg := imapConfig(t, srv.Addr, "")
	store := openPostgres(t, url) // creates the schema before the workers race
	db := store.DB()
	intake := func() int { return storeInt(t, db, `SELECT count(*) FROM intake`) }

	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := pollerCommand(t, "once", "--config", cfg, "--db", url, "--wait")
		cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	// Three workers at a time; the one holding the lease (its pid is in
	// the lease row) is SIGKILLed each time the store has moved on by
	// another 150 messages, four times, while the others wait for the
	// mailbox (--wait) and take over when the killed one's session, and
	// its advisory lock, are gone.
	kills := 0
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	byPID := map[int]*exec.Cmd{}
	spawn := func() {
		c, o := start()
		cmds, outs = append(cmds, c), append(outs, o)
		byPID[c.Process.Pid] = c
	}
	for range 3 {
		spawn()
	}
	for kills < 4 {
		target := intake() + 150
		deadline := time.Now().Add(60 * time.Second)
		for intake() < target && intake() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if intake() >= n-50 {
			break
		}
		var holder string
		if err := db.QueryRow(`SELECT holder FROM leases WHERE mailbox = 'main/INBOX'`).Scan(&holder); err != nil {
			continue // between two holders
		}
		var pid int
		if _, err := fmt.Sscanf(strings.SplitN(holder, ":", 3)[1], "%d", &pid); err != nil {
			t.Fatalf("lease holder %q: %v", holder, err)
		}
		if c := byPID[pid]; c != nil && c.Process.Signal(syscall.SIGKILL) == nil {
			kills++
			spawn() // the next cron tick
		}
	}
	for i, c := range cmds {
		err := c.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signaled() {
			continue
		}
		if err != nil {
			t.Fatalf("once: %v\n%s", err, outs[i])
		}
		if strings.Contains(outs[i].String(), "connection lost") {
			t.Errorf("a worker reported a refusal as a lost connection:\n%s", outs[i])
		}
	}
	// A last, undisturbed pass finishes what the killed ones left.
	c, out := start()
	if err := c.Wait(); err != nil {
		t.Fatalf("last once: %v\n%s", err, out)
	}
	if kills < 2 {
		t.Fatalf("%d lease holders killed: the test proved little", kills)
	}
	t.Logf("%d lease holders killed mid-pass", kills)

	if got := intake(); got != n {
		t.Errorf("intake rows = %d, want one per message (%d)", got, n)
	}
	if got := storeInt(t, db, `SELECT count(DISTINCT uid) FROM intake`); got != n {
		t.Errorf("distinct UIDs in intake = %d, want %d", got, n)
	}
	logged := storeInt(t, db, `SELECT count(*) FROM intake WHERE outcome = 'logged'`)
	if got := storeInt(t, db, `SELECT count(*) FROM emails`); got > logged || got == 0 {
		t.Errorf("%d emails for %d logged messages: want at most one email per logged message", got, logged)
	}
	if got := storeInt(t, db, `SELECT count(*) FROM (SELECT dedup_key FROM emails GROUP BY dedup_key HAVING count(*) > 1) d`); got != 0 {
		t.Errorf("%d logical emails logged more than once", got)
	}
	rejectedRows := storeInt(t, db, `SELECT count(*) FROM intake WHERE outcome = 'rejected'`)
	inbox, seen := seenInMaildir(t, srv.Maildir(imapUser))
	rejected, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	if rejected != rejectedRows || rejectedSeen != rejected || rejected == 0 {
		t.Errorf("Rejected folder holds %d messages (%d seen), %d rejections recorded: want each exactly once", rejected, rejectedSeen, rejectedRows)
	}
	if inbox+rejected != n || seen != inbox {
		t.Errorf("INBOX %d (%d seen), Rejected %d: want all %d messages seen", inbox, seen, rejected, n)
	}
}

// A second worker on another "host" (another process with its own
// connection) skips a mailbox whose lease a live worker holds in
// PostgreSQL, with one line naming the holder.
func TestPostgresLeaseSkipsTheBusyMailbox(t *testing.T) {
	pg := pgtest.Start(t)
	url := pg.NewDatabase(t)
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, 400)...)
	cfg := imapConfig(t, srv.Addr, "")
	store := openPostgres(t, url)
	first := pollerCommand(t, "once", "--config", cfg, "--db", url)
	first.Env = append(first.Env, "TEST_IMAP_PASSWORD="+imapPassword)
	var ferr bytes.Buffer
	first.Stdout, first.Stderr = &ferr, &ferr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for storeInt(t, store.DB(), `SELECT count(*) FROM intake`) == 0 {
		if time.Now().After(deadline) {
			first.Process.Kill()
			t.Fatalf("no commit within 60 s\n%s", &ferr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	out, serr, err := runCmdEnv(t, []string{"TEST_IMAP_PASSWORD=" + imapPassword}, "once", "--config", cfg, "--db", url)
	if err != nil {
		t.Fatalf("second once: %v\n%s", err, serr)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first once: %v\n%s", err, &ferr)
	}
	if strings.Count(serr, "mailbox main/INBOX is being polled by ") != 1 || !strings.Contains(serr, ": skipping") {
		t.Errorf("second once's log = %q, want one line saying who polls main/INBOX and that it skips it", serr)
	}
	if strings.Contains(out, "pass main/INBOX") {
		t.Errorf("second once printed a summary for a mailbox it skipped: %q", out)
	}
	if got := storeInt(t, store.DB(), `SELECT count(*) FROM intake`); got != 400 {
		t.Errorf("intake rows = %d, want 400", got)
	}
}

// copy-store from a SQLite store filled by a real pass gives a PostgreSQL
// store with the same export, and prints matching checksums.
func TestCopyStoreGivesTheSameExport(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, 120)...)
	dbPath := filepath.Join(t.TempDir(), "poller.db")
	cfg := imapConfig(t, srv.Addr, "")
	if _, serr, err := runCmdEnv(t, []string{"TEST_IMAP_PASSWORD=" + imapPassword}, "once", "--config", cfg, "--db", dbPath); err != nil {
		t.Fatalf("once: %v\n%s", err, serr)
	}
	pg := pgtest.Start(t)
	url := pg.NewDatabase(t)
	out, serr, err := runCmd(t, "copy-store", "--from-db", dbPath, "--to-url", url)
	if err != nil {
		t.Fatalf("copy-store: %v\n%s%s", err, out, serr)
	}
	if !strings.Contains(out, "every checksum matches") || strings.Contains(out, "DIFFERS") {
		t.Errorf("copy-store output:\n%s", out)
	}
	t.Logf("copy-store:\n%s", out)
	for _, args := range [][]string{{"export"}, {"export", "--bodies"}} {
		fromSQLite, _, err := runCmd(t, append(args, "--db", dbPath)...)
		if err != nil {
			t.Fatal(err)
		}
		fromPostgres, serr, err := runCmd(t, append(args, "--db", url)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, serr)
		}
		if fromSQLite != fromPostgres || len(fromSQLite) < 1000 {
			t.Errorf("poller %s differs between the SQLite store and its copy (%d and %d bytes)", strings.Join(args, " "), len(fromSQLite), len(fromPostgres))
		}
	}
	// A second copy into the same database is refused.
	again, _, err := runCmd(t, "copy-store", "--from-db", dbPath, "--to-url", url)
	if err == nil || !strings.Contains(err.Error()+again, "not empty") {
		t.Errorf("a second copy into the same database = %v, want it refused as not empty", err)
	}
	s, err := sqlite.OpenReadOnly(context.Background(), dbPath, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The copy's new rows take ids after the copied ones.
	p := openPostgres(t, url)
	maxID := storeInt(t, s.DB(), `SELECT max(id) FROM intake`)
	maxPass := storeInt(t, s.DB(), `SELECT max(id) FROM passes`)
	var next int
	if err := p.DB().QueryRow(`INSERT INTO passes (mailbox, started_at, finished_at) VALUES ('x', '', '') RETURNING id`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next != maxPass+1 {
		t.Errorf("the next pass id in the copy = %d, want %d (after the copied ones)", next, maxPass+1)
	}
	var nextIntake int
	if err := p.DB().QueryRow(`INSERT INTO intake (outcome, processed_at) VALUES ('failed', '') RETURNING id`).Scan(&nextIntake); err != nil {
		t.Fatal(err)
	}
	if nextIntake != maxID+1 {
		t.Errorf("the next intake id in the copy = %d, want %d (after the copied ones)", nextIntake, maxID+1)
	}
}

// runCmdEnv runs "poller args..." in this process with env (KEY=VALUE)
// added to the environment the config expands.
func runCmdEnv(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	extra := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		extra[k] = v
	}
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, getenv, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// "poller check" on a PostgreSQL store connects and reports the schema,
// naming the store by its URL without the password; status and show work
// on it as on a file.
func TestCheckAndStatusOnPostgres(t *testing.T) {
	const secret = "s3cret-Pa55"
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, 20)...)
	cfg := imapConfig(t, srv.Addr, "")
	pg := pgtest.Start(t)
	url := strings.Replace(pg.NewDatabase(t), "poller@", "poller:"+secret+"@", 1)
	env := []string{"TEST_IMAP_PASSWORD=" + imapPassword}
	out, serr, err := runCmdEnv(t, env, "check", "--config", cfg, "--db", url)
	if strings.Contains(out+serr, secret) {
		t.Errorf("check shows the password:\n%s%s", out, serr)
	}
	if !strings.Contains(out, "store postgres://poller@127.0.0.1:") || !strings.Contains(out, "the schema is missing or older") {
		t.Errorf("check on an empty database: %v\n%s%s", err, out, serr)
	}
	if _, serr, err := runCmdEnv(t, env, "once", "--config", cfg, "--db", url); err != nil {
		t.Fatalf("once: %v\n%s", err, serr)
	}
	out, serr, err = runCmdEnv(t, env, "check", "--config", cfg, "--db", url)
	if err != nil || !strings.Contains(out, "connected, schema current") || strings.Contains(out+serr, secret) {
		t.Errorf("check after a pass: %v\n%s%s", err, out, serr)
	}
	out, serr, err = runCmdEnv(t, env, "status", "--config", cfg, "--db", url)
	if err != nil || !strings.Contains(out, "postgres://poller@127.0.0.1:") || strings.Contains(out+serr, secret) {
		t.Errorf("status: %v\n%s%s", err, out, serr)
	}
}
