package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/poller-crm/poller/pkg/imapmem"
)

// memMailbox starts an in-memory IMAP server holding raws in INBOX.
func memMailbox(t *testing.T, raws [][]byte) *imapmem.Server {
	t.Helper()
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, raw := range raws {
		if err := srv.Append("INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

// TestOnceSummaryOnceInCombinedOutput: with stdout and stderr in one file
// (the README's cron line), each pass's summary appears once, and -v's
// decision lines name their mailbox once.
func TestOnceSummaryOnceInCombinedOutput(t *testing.T) {
	srv := memMailbox(t, numbered(t, 3))
	var out syncBuffer
	args := []string{"once", "--config", imapConfig(t, srv.Addr), "--db", filepath.Join(t.TempDir(), "p.db"), "-v"}
	if err := run(context.Background(), args, testGetenv, &out, &out); err != nil {
		t.Fatalf("once: %v\n%s", err, out.String())
	}
	got := out.String()
	if n := strings.Count(got, "main/INBOX: seen 3,") + strings.Count(got, "msg=pass "); n != 1 {
		t.Errorf("the pass summary appears %d times, want once:\n%s", n, got)
	}
	decisions := 0
	for _, line := range strings.Split(got, "\n") {
		if n := strings.Count(line, "mailbox="); n > 1 {
			t.Errorf("line names the mailbox %d times: %s", n, line)
		}
		if strings.Contains(line, "msg=\"message ") {
			decisions++
		}
	}
	if decisions != 3 {
		t.Errorf("%d decision lines with -v, want 3:\n%s", decisions, got)
	}
}

// TestOnceDryRun: the decisions are printed, nothing is marked, moved or
// recorded; a real pass afterwards finds every message still unseen.
func TestOnceDryRun(t *testing.T) {
	raws := numbered(t, 4)
	srv := memMailbox(t, raws)
	cfg := imapConfig(t, srv.Addr)
	db := filepath.Join(t.TempDir(), "p.db")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"once", "--dry-run", "--config", cfg, "--db", db}, testGetenv, &stdout, &stderr); err != nil {
		t.Fatalf("once --dry-run: %v\n%s", err, stderr.String())
	}
	total, unseen, _ := srv.Count("INBOX")
	if total != len(raws) || unseen != len(raws) {
		t.Errorf("INBOX: %d messages, %d unseen after a dry run; want %d, all unseen", total, unseen, len(raws))
	}
	if n, _, _ := srv.Count("Rejected"); n != 0 {
		t.Errorf("a dry run moved %d messages to Rejected", n)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a dry run created the store %s", db)
	}
	got := stdout.String()
	for uid := 1; uid <= len(raws); uid++ {
		if !strings.Contains(got, "main/INBOX uid "+string(rune('0'+uid))+": would ") {
			t.Errorf("no decision for uid %d:\n%s", uid, got)
		}
	}
	if !strings.Contains(got, "dry run, nothing recorded or marked: pass main/INBOX: seen 4,") {
		t.Errorf("no dry-run summary:\n%s", got)
	}
	// The real pass logs them all.
	stdout.Reset()
	if err := run(context.Background(), []string{"once", "--config", cfg, "--db", db}, testGetenv, &stdout, &stderr); err != nil {
		t.Fatalf("once: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "pass main/INBOX: seen 4,") {
		t.Errorf("once after the dry run: %s", stdout.String())
	}
	if n := queryInt(t, openDB(t, db), `SELECT count(*) FROM intake`); n != len(raws) {
		t.Errorf("intake rows = %d, want %d", n, len(raws))
	}
}

// TestOnceTrace: --trace shows the protocol on stderr, without the
// password (LOGIN or AUTHENTICATE PLAIN) or a line of a message.
func TestOnceTrace(t *testing.T) {
	const bodyLine = "Our counter-offer is 41,500 EUR, valid until Friday."
	raw := []byte("Message-ID: <trace@test.example>\r\nFrom: Bob <bob@client.example>\r\nTo: log@crm.example.com\r\n" +
		"Subject: offer\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\n" + bodyLine + "\r\n")
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + imapUser + "\x00" + imapPassword))
	for _, auth := range []string{"login", "plain"} {
		t.Run(auth, func(t *testing.T) {
			srv := memMailbox(t, [][]byte{raw})
			cfg := imapConfig(t, srv.Addr)
			data, _ := os.ReadFile(cfg)
			os.WriteFile(cfg, bytes.Replace(data, []byte("auth: login"), []byte("auth: "+auth), 1), 0o600)
			for _, dry := range []bool{true, false} {
				args := []string{"once", "--trace", "--config", cfg, "--db", filepath.Join(t.TempDir(), "p.db")}
				if dry {
					args = append(args, "--dry-run")
				}
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), args, testGetenv, &stdout, &stderr); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, stderr.String())
				}
				trace := stderr.String()
				for _, want := range []string{"UID SEARCH", "UID FETCH", "[redacted]"} {
					if !strings.Contains(trace, want) {
						t.Errorf("dry run %v: trace lacks %q:\n%s", dry, want, trace)
					}
				}
				for _, secret := range []string{imapPassword, plain, bodyLine, "counter-offer"} {
					if strings.Contains(trace, secret) {
						t.Errorf("dry run %v: trace shows %q:\n%s", dry, secret, trace)
					}
				}
			}
		})
	}
}

// TestOnceIgnoresSIGHUP: a hangup (the terminal of a cron job or an ssh
// session going away) does not end "once" mid-pass: it finishes every
// message and exits 0.
func TestOnceIgnoresSIGHUP(t *testing.T) {
	const n = 300
	srv, db, cmd, stderr := startOnceOverDovecot(t, n)
	if !waitForCommit(t, cmd, db, 0) {
		t.Fatal("once ended before its first commit")
	}
	if rows := intakeRows(db); rows >= n {
		t.Fatalf("%d of %d recorded before the SIGHUP: it did not land mid-pass", rows, n)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("once after SIGHUP: %v, want exit 0\n%s", err, stderr.String())
	}
	inbox, seen := seenInMaildir(t, srv.Maildir(imapUser))
	rejected, rejectedSeen := seenInMaildir(t, filepath.Join(srv.Maildir(imapUser), ".Rejected"))
	if seen+rejectedSeen != n || inbox+rejected != n {
		t.Errorf("%d of %d messages marked after SIGHUP: want the pass finished", seen+rejectedSeen, n)
	}
}
