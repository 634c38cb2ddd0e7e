package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
)

// overlapping starts "poller once" over a Dovecot mailbox of n messages
// and, once it has committed a first batch, runs a second "once" with
// extra flags on the same mailbox and SQLite file, as the next cron tick
// would. It returns the second's output and the first's stderr.
func overlapping(t *testing.T, n int, extra ...string) (srv *dovecot.Server, db string, second, secondErr, firstErr string) {
	t.Helper()
	srv = dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	srv.Deliver(t, imapUser, numbered(t, n)...)
	db = filepath.Join(t.TempDir(), "poller.db")
	cfg := imapConfig(t, srv.Addr, "")
	start := func(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
		cmd := pollerCommand(t, append([]string{"once", "--config", cfg, "--db", db}, args...)...)
		cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stdout, &stderr
	}
	first, _, ferr := start()
	if !waitForCommit(t, first, db, 0) {
		t.Fatalf("the first once ended before its first commit\n%s", ferr)
	}
	cmd, out, serr := start(extra...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("second once: %v, want exit 0\n%s", err, serr)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first once: %v, want exit 0\n%s", err, ferr)
	}
	return srv, db, out.String(), serr.String(), ferr.String()
}

// checkOnce checks the end state of overlapping passes: every message
// recorded once, all \Seen, and the Rejected folder holding each rejected
// message exactly once.
func checkOnce(t *testing.T, srv *dovecot.Server, db string, n int) {
	t.Helper()
	d := openDB(t, db)
	if got := queryInt(t, d, `SELECT count(*) FROM intake`); got != n {
		t.Errorf("intake rows = %d, want one per message (%d)", got, n)
	}
	if got := queryInt(t, d, `SELECT count(DISTINCT uid) FROM intake`); got != n {
		t.Errorf("distinct UIDs in intake = %d, want %d", got, n)
	}
	rejectedRows := queryInt(t, d, `SELECT count(*) FROM intake WHERE outcome = 'rejected'`)
	inbox, seen := seenInMaildir(t, srv.Maildir(imapUser))
	rejected, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	if rejected != rejectedRows || rejectedSeen != rejected || rejected == 0 {
		t.Errorf("Rejected folder holds %d messages (%d seen), %d rejections recorded: want each exactly once", rejected, rejectedSeen, rejectedRows)
	}
	if inbox+rejected != n || seen != inbox {
		t.Errorf("INBOX %d (%d seen), Rejected %d: want all %d messages seen", inbox, seen, rejected, n)
	}
	if got := queryInt(t, d, `SELECT count(*) FROM leases`); got != 0 {
		t.Errorf("%d leases left after both passes, want none", got)
	}
}

// Two overlapping "once" on one mailbox and one SQLite file: the second
// skips the mailbox with one line and exits 0.
func TestOverlappingOnceSkipsTheBusyMailbox(t *testing.T) {
	const n = 400
	srv, db, out, serr, ferr := overlapping(t, n)
	if strings.Count(serr, "mailbox main/INBOX is being polled by ") != 1 || !strings.Contains(serr, ": skipping") {
		t.Errorf("second once's log = %q, want one line saying who polls main/INBOX and that it skips it", serr)
	}
	if strings.Contains(out, "pass main/INBOX") {
		t.Errorf("second once printed a summary for a mailbox it skipped: %q", out)
	}
	t.Logf("second once: %s", strings.TrimSpace(serr))
	if strings.Contains(ferr, "connection lost") {
		t.Errorf("first once reconnected:\n%s", ferr)
	}
	checkOnce(t, srv, db, n)
}

// With --wait the second "once" waits for the first and then runs, finding
// nothing left to do.
func TestOverlappingOnceWaitsWithWait(t *testing.T) {
	const n = 400
	srv, db, out, serr, _ := overlapping(t, n, "--wait")
	if !strings.Contains(serr, "mailbox main/INBOX is being polled by ") || !strings.Contains(serr, ": waiting") {
		t.Errorf("second once's log = %q, want a line saying it waits for main/INBOX", serr)
	}
	if !strings.Contains(out, "pass main/INBOX: seen 0,") {
		t.Errorf("second once's summary = %q, want a pass that found everything done", out)
	}
	checkOnce(t, srv, db, n)
}
