package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/imaptest/dovecot"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/smtpsend/smtptest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// forwardID is the Message-ID of fixtures/reject-forward-unparseable.eml,
// Bob's forward whose original cannot be found.
const forwardID = "CANOPdnRIk2nAW7CjFlWb9ZUBb3sPd88h5F9_OoifegTjuOA5ab9D@mail.gmail.com"

// notifyYAML is a notify: section sending to s.
func notifyYAML(s *smtptest.Server) string {
	return fmt.Sprintf(`web:
  base_url: https://crm.example.com
notify:
  from: "Poller <poller@example.com>"
  smtp:
    host: %s
    port: %d
    tls: none
    timeout: 2s
  max_per_hour: 1000
`, s.Host, s.Port)
}

// noticeMail is Bob's unparseable forward, and the same forward from an
// external sender (who must never get a notice).
func noticeMail(t *testing.T) (user, external []byte) {
	t.Helper()
	user, err := os.ReadFile("../../fixtures/reject-forward-unparseable.eml")
	if err != nil {
		t.Fatal(err)
	}
	external = bytes.Replace(user, []byte("From: Bob Marsh <bob@example.com>"), []byte("From: Hannah Cole <hannah@customer.example>"), 1)
	external = bytes.Replace(external, []byte(forwardID), []byte("external-"+forwardID), 1)
	return user, external
}

// fillers are n distinct messages that are logged and earn no notice.
func fillers(t *testing.T, n int) [][]byte {
	t.Helper()
	raw, err := os.ReadFile("../../fixtures/bcc-gmail-plain.eml")
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`(?m)^Message-ID: <[^>]+>`)
	out := make([][]byte, n)
	for i := range out {
		out[i] = id.ReplaceAll(raw, []byte(fmt.Sprintf("Message-ID: <filler%d@example.com>", i)))
	}
	return out
}

// onceChild runs "poller once" in a child process.
func onceChild(t *testing.T, cfg, db string) (string, error) {
	t.Helper()
	cmd := pollerCommand(t, "once", "--config", cfg, "--db", db)
	cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// countRows counts with q in the database at path, -1 while it cannot
// (the file not created yet).
func countRows(path, q string) int {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return -1
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		return -1
	}
	return n
}

// TestNoticeExactlyOnceAfterSIGKILLAgainstDovecot: Bob's unparseable
// forward, an external sender's copy of it and 400 logged messages; "poller
// once" is killed (SIGKILL) in mid-pass, after the forward's batch
// committed; a second "once" finishes. Bob gets exactly one notice, a reply
// to his forward; the external sender none; a third run sends nothing.
func TestNoticeExactlyOnceAfterSIGKILLAgainstDovecot(t *testing.T) {
	const n = 400
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	smtp := smtptest.Start(t)
	user, external := noticeMail(t)
	srv.Deliver(t, imapUser, append([][]byte{user, external}, fillers(t, n)...)...)
	cfg := imapConfig(t, srv.Addr, notifyYAML(smtp))
	db := filepath.Join(t.TempDir(), "poller.db")

	cmd := pollerCommand(t, "once", "--config", cfg, "--db", db)
	cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once the first batch (the forward's) is committed, at a random
	// moment of the rest of the pass.
	deadline := time.Now().Add(30 * time.Second)
	for countRows(db, `SELECT count(*) FROM intake`) < 1 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	wait := time.Duration(rand.IntN(150)) * time.Millisecond
	time.Sleep(wait)
	cmd.Process.Kill()
	cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	recorded := countRows(db, `SELECT count(*) FROM intake`)
	if !ws.Signaled() || recorded < 1 || recorded >= n+2 {
		t.Fatalf("the kill was not in mid-pass: killed %v, %d of %d messages recorded\n%s", ws.Signaled(), recorded, n+2, out.String())
	}
	t.Logf("killed %v after the first commit, with %d of %d messages recorded", wait, recorded, n+2)
	if got := countRows(db, `SELECT count(*) FROM outbox WHERE status = 'queued'`); got != 1 {
		t.Errorf("outbox after the kill: %d queued, want 1 (queued with the forward's intake row)", got)
	}
	if got := len(smtp.Messages()); got != 0 {
		t.Errorf("the killed pass sent %d notices, want 0 (notices go after the passes)", got)
	}

	if out, err := onceChild(t, cfg, db); err != nil || !strings.Contains(out, "notices: sent 1, failed 0") {
		t.Fatalf("second once: %v, want one notice sent\n%s", err, out)
	}
	if out, err := onceChild(t, cfg, db); err != nil || !strings.Contains(out, "notices: sent 0, failed 0") {
		t.Fatalf("third once: %v, want nothing sent\n%s", err, out)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the SMTP server got %d notices, want exactly 1", len(msgs))
	}
	m := msgs[0]
	if strings.Join(m.To, ",") != "bob@example.com" {
		t.Errorf("notice to %v, want bob@example.com only", m.To)
	}
	for _, want := range []string{
		"In-Reply-To: <" + forwardID + ">", "References: <" + forwardID + ">", "Auto-Submitted: auto-replied",
		"Subject: Not logged: Fwd: Delivery window for Leeds", "https://crm.example.com/intake/",
	} {
		if !bytes.Contains(m.Data, []byte(want)) {
			t.Errorf("notice lacks %q:\n%s", want, m.Data)
		}
	}
	d := openDB(t, db)
	if got := queryInt(t, d, `SELECT count(DISTINCT raw_sha256) FROM intake WHERE outcome != 'failed'`); got != n+2 {
		t.Errorf("messages with an outcome = %d, want %d", got, n+2)
	}
	if got := queryInt(t, d, `SELECT count(*) FROM outbox WHERE status = 'sent' AND intake_id IN (SELECT id FROM intake WHERE message_id = ?)`, forwardID); got != 1 {
		t.Errorf("sent notices linked to the forward's intake row = %d, want 1", got)
	}
	if got := queryInt(t, d, `SELECT count(*) FROM outbox WHERE recipient NOT LIKE '%@example.com'`); got != 0 {
		t.Errorf("%d notices to an external address", got)
	}
}

// TestNoticeWaitsForTheSMTPServerAgainstDovecot: with the SMTP server down
// the notice is queued, not lost, and goes out on a later "once" once the
// server is back and its retry is due.
func TestNoticeWaitsForTheSMTPServerAgainstDovecot(t *testing.T) {
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	smtp := smtptest.Start(t)
	user, _ := noticeMail(t)
	srv.Deliver(t, imapUser, user)
	cfg := imapConfig(t, srv.Addr, notifyYAML(smtp))
	db := filepath.Join(t.TempDir(), "poller.db")
	smtp.Stop()

	out, err := onceChild(t, cfg, db)
	if err != nil || !strings.Contains(out, "notices: sent 0, failed 0, waiting 1") {
		t.Fatalf("once with the SMTP server down: %v, want the notice waiting\n%s", err, out)
	}
	if got := countRows(db, `SELECT count(*) FROM outbox WHERE status = 'queued' AND attempts = 1 AND last_error LIKE '%dial%'`); got != 1 {
		t.Errorf("outbox: %d notices queued after one failed dial, want 1", got)
	}
	smtp.Restart()
	// The retry is a minute away: not yet.
	if out, err := onceChild(t, cfg, db); err != nil || !strings.Contains(out, "notices: sent 0, failed 0, waiting 1") {
		t.Fatalf("once before the retry is due: %v\n%s", err, out)
	}
	// A minute passes.
	d := openDB(t, db)
	if _, err := d.Exec(`UPDATE outbox SET next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', next_attempt_at, '-61 seconds')`); err != nil {
		t.Fatal(err)
	}
	if out, err := onceChild(t, cfg, db); err != nil || !strings.Contains(out, "notices: sent 1, failed 0") {
		t.Fatalf("once with the server back: %v, want the notice sent\n%s", err, out)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 || !bytes.Contains(msgs[0].Data, []byte("In-Reply-To: <"+forwardID+">")) {
		t.Fatalf("the SMTP server got %d notices, want the one reply to the forward", len(msgs))
	}
}

func TestIngestNotifiesOnlyWhenAsked(t *testing.T) {
	smtp := smtptest.Start(t)
	user, external := noticeMail(t)
	dir := t.TempDir()
	for name, raw := range map[string][]byte{"user.eml": user, "external.eml": external} {
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := imapConfig(t, "127.0.0.1:1", notifyYAML(smtp))
	db := filepath.Join(t.TempDir(), "poller.db")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--config", cfg, "--db", db, dir}, testGetenv, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	if n := countRows(db, `SELECT count(*) FROM outbox`); n != 0 || len(smtp.Messages()) != 0 {
		t.Errorf("ingest without --notify: %d queued, %d sent; want none", n, len(smtp.Messages()))
	}
	// Another copy (another path) with --notify: that one notifies.
	other := filepath.Join(t.TempDir(), "again.eml")
	os.WriteFile(other, append([]byte("X-Again: 1\r\n"), user...), 0o600)
	stdout.Reset()
	if err := run(context.Background(), []string{"ingest", "--notify", "--config", cfg, "--db", db, other}, testGetenv, &stdout, &stderr); err != nil {
		t.Fatalf("ingest --notify: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "notices: sent 1") || len(smtp.Messages()) != 1 {
		t.Errorf("ingest --notify: %q, server got %d; want one notice", stdout.String(), len(smtp.Messages()))
	}
}

func TestCheckReportsSMTP(t *testing.T) {
	smtp := smtptest.Start(t)
	cfg := imapConfig(t, "127.0.0.1:1", notifyYAML(smtp))
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"check", "--config", cfg, "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, &stdout, &stderr)
	if want := fmt.Sprintf("ok    notify smtp %s (none) (connected, EHLO; no mail sent)", smtp.Addr()); !strings.Contains(stdout.String(), want) {
		t.Errorf("check output lacks %q:\n%s", want, stdout.String())
	}
	smtp.Stop()
	stdout.Reset()
	run(context.Background(), []string{"check", "--config", cfg, "--db", filepath.Join(t.TempDir(), "p.db")}, testGetenv, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "FAIL  notify smtp") {
		t.Errorf("check with the SMTP server down lacks a FAIL:\n%s", stdout.String())
	}
	if len(smtp.Messages()) != 0 {
		t.Error("check sent mail")
	}
}

// minimalConfig is a config with the keys loadConfig requires.
const minimalConfig = "crm:\n  log_addresses: [log@crm.example.com]\nusers:\n  - email: bob@example.com\n"

func TestNotifyConfigErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"notify:\n  from: not an address\n  smtp: {host: 127.0.0.1, tls: none}\n", "notify.from"},
		{"notify:\n  from: p@example.com\n  reasons: [spoofed]\n  smtp: {host: 127.0.0.1, tls: none}\n", "notify.reasons[0]"},
		{"notify:\n  from: p@example.com\n  smtp: {host: smtp.example.com, tls: none}\n", "notify.smtp.tls"},
		{"notify:\n  from: p@example.com\n  smtp: {host: 127.0.0.1, tls: ssl}\n", "notify.smtp.tls"},
		{"notify:\n  from: p@example.com\n  smtp: {host: 127.0.0.1, username: u, password: x, password_file: f}\n", "not both"},
		{"notify:\n  from: p@example.com\n  max_per_hour: -1\n  smtp: {host: 127.0.0.1, tls: none}\n", "notify.max_per_hour"},
		{"notify:\n  from: p@example.com\n  smtp: {host: 127.0.0.1, tls: none, pasword: x}\n", `unknown key "pasword"`},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, []byte(minimalConfig+tt.yaml), 0o600)
		_, _, err := loadConfig(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loadConfig(%q) = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

func TestNotifySecrets(t *testing.T) {
	dir := t.TempDir()
	base := minimalConfig + "notify:\n  from: p@example.com\n  smtp:\n    host: 127.0.0.1\n    tls: none\n    username: u\n"
	plain := filepath.Join(dir, "plain.yaml")
	os.WriteFile(plain, []byte(base+"    password: hunter2-secret\n"), 0o644)
	if _, _, err := loadConfig(plain); err == nil || !strings.Contains(err.Error(), "readable by other users") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("world-readable config with a plain SMTP password: %v, want refused without the password", err)
	}
	secret := filepath.Join(dir, "smtp-secret")
	os.WriteFile(secret, []byte("from-a-file\n"), 0o644)
	viaFile := filepath.Join(dir, "file.yaml")
	os.WriteFile(viaFile, []byte(base+"    password_file: smtp-secret\n"), 0o600)
	cfg, _, err := loadConfig(viaFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.notifier(os.Getenv, nil, discardLogger()); err == nil || !strings.Contains(err.Error(), "readable by other users") {
		t.Errorf("world-readable password_file: %v, want refused", err)
	}
	os.Chmod(secret, 0o600)
	if n, err := cfg.notifier(os.Getenv, nil, discardLogger()); err != nil || n.smtp.Password != "from-a-file" {
		t.Errorf("password_file: %v", err)
	}
	viaEnv := filepath.Join(dir, "env.yaml")
	os.WriteFile(viaEnv, []byte(base+"    password: ${TEST_SMTP_PASSWORD}\n"), 0o644)
	cfg, _, err = loadConfig(viaEnv)
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "TEST_SMTP_PASSWORD" {
			return "from-the-env"
		}
		return ""
	}
	if n, err := cfg.notifier(getenv, nil, discardLogger()); err != nil || n.smtp.Password != "from-the-env" {
		t.Errorf("${ENV} password: %v", err)
	}
	if _, err := cfg.notifier(func(string) string { return "" }, nil, discardLogger()); err == nil || !strings.Contains(err.Error(), "TEST_SMTP_PASSWORD") {
		t.Errorf("unset ${ENV}: %v, want it named", err)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestDailyDigest: each user with something yesterday gets one digest of
// it, once, marked Auto-Submitted: auto-generated.
func TestDailyDigest(t *testing.T) {
	smtp := smtptest.Start(t)
	cfgPath := imapConfig(t, "127.0.0.1:1", notifyYAML(smtp)+"  digest: daily\n")
	cfg, rules, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(time.Local)
	yesterday := today.AddDate(0, 0, -1)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), crmstore.Options{Now: func() time.Time { return yesterday }})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	user, _ := noticeMail(t)
	logged, err := os.ReadFile("../../fixtures/bcc-gmail-plain.eml") // Alice's
	if err != nil {
		t.Fatal(err)
	}
	items := []ingest.Item{ingest.Process(rules, ingest.Origin{Path: "fwd.eml"}, user), ingest.Process(rules, ingest.Origin{Path: "bcc.eml"}, logged)}
	if _, err := store.Record(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	n, err := cfg.notifier(testGetenv, store, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := n.queueDigests(context.Background(), today); err != nil {
			t.Fatal(err)
		}
	}
	if got := countRows(store.Where(), `SELECT count(*) FROM outbox WHERE reason = 'digest'`); got != 2 {
		t.Fatalf("digests queued = %d, want 2 (Alice's and Bob's, once each)", got)
	}
	if sent, _, err := n.send(context.Background(), time.Minute); err != nil || sent != 2 {
		t.Fatalf("send = %d, %v; want 2", sent, err)
	}
	got := map[string]string{}
	for _, m := range smtp.Messages() {
		got[strings.Join(m.To, ",")] = string(m.Data)
	}
	if d := got["bob@example.com"]; !strings.Contains(d, "Not logged (1)") || !strings.Contains(d, "Auto-Submitted: auto-generated") {
		t.Errorf("Bob's digest:\n%s", d)
	}
	if d := got["alice@example.com"]; !strings.Contains(d, "Logged for you (1)") || !strings.Contains(d, "https://crm.example.com/emails/") {
		t.Errorf("Alice's digest:\n%s", d)
	}
	if n, _, _ := n.send(context.Background(), time.Minute); n != 0 {
		t.Errorf("second send = %d, want 0", n)
	}
}

// TestSIGKILLDuringSendsLosesNoNotice kills "poller once" (SIGKILL) while
// it sends 60 notices, as soon as the SMTP server has taken the first, then
// runs it again. No notice is lost; none already marked sent is sent again;
// the one notice in flight at the kill is sent again, and arrives twice
// only when the server had taken it (the one window the README names).
func TestSIGKILLDuringSendsLosesNoNotice(t *testing.T) {
	const n = 60
	srv := dovecot.Start(t, dovecot.User{Name: imapUser, Password: imapPassword})
	smtp := smtptest.Start(t)
	user, _ := noticeMail(t)
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = bytes.Replace(user, []byte(forwardID), []byte(fmt.Sprintf("%d.%s", i, forwardID)), 1)
	}
	srv.Deliver(t, imapUser, raws...)
	cfg := imapConfig(t, srv.Addr, notifyYAML(smtp))
	db := filepath.Join(t.TempDir(), "poller.db")

	cmd := pollerCommand(t, "once", "--config", cfg, "--db", db)
	cmd.Env = append(cmd.Env, "TEST_IMAP_PASSWORD="+imapPassword)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(smtp.Messages()) < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	atKill := len(smtp.Messages())
	sent := countRows(db, `SELECT count(*) FROM outbox WHERE status = 'sent'`)
	inFlight := countRows(db, `SELECT count(*) FROM outbox WHERE status = 'sending'`)
	if !ws.Signaled() || atKill < 1 || atKill >= n {
		t.Fatalf("the kill was not during the sends: killed %v, %d of %d notices received\n%s", ws.Signaled(), atKill, n, out.String())
	}
	t.Logf("killed with %d notices received, %d marked sent, %d in flight", atKill, sent, inFlight)
	if inFlight > 1 || atKill < sent || atKill > sent+inFlight {
		t.Fatalf("after the kill: %d received, %d marked sent, %d in flight: a notice was marked sent before the server took it, or several were in flight", atKill, sent, inFlight)
	}
	// The in-flight notice waits for its lease; let it end.
	d := openDB(t, db)
	if _, err := d.Exec(`UPDATE outbox SET claimed_until = '2000-01-01T00:00:00.000000Z' WHERE status = 'sending'`); err != nil {
		t.Fatal(err)
	}
	if out, err := onceChild(t, cfg, db); err != nil {
		t.Fatalf("second once: %v\n%s", err, out)
	}
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		id := regexp.MustCompile(`In-Reply-To: <([^>]+)>`).FindSubmatch(m.Data)
		if id == nil {
			t.Fatalf("notice without In-Reply-To:\n%s", m.Data)
		}
		got[string(id[1])]++
	}
	twice := 0
	for i := range n {
		switch c := got[fmt.Sprintf("%d.%s", i, forwardID)]; {
		case c == 0:
			t.Errorf("notice %d was lost", i)
		case c > 1:
			twice++
		}
	}
	// Only the one in flight may arrive twice, and only if the server had
	// it when the sender was killed.
	if maxTwice := atKill - sent; twice > maxTwice {
		t.Errorf("%d notices arrived twice, want at most %d (the one in flight at the kill, taken by the server)", twice, maxTwice)
	}
	if got := queryInt(t, d, `SELECT count(*) FROM outbox WHERE status = 'sent'`); got != n {
		t.Errorf("outbox: %d sent, want %d", got, n)
	}
}

// TestRunSendsNotices: the daemon sends the notice a pass queued, once,
// and stops with the daemon.
func TestRunSendsNotices(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	smtp := smtptest.Start(t)
	user, external := noticeMail(t)
	srv.Append("INBOX", user)
	srv.Append("INBOX", external)
	cfg := imapConfig(t, srv.Addr, notifyYAML(smtp))
	db := filepath.Join(t.TempDir(), "poller.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg, "--db", db}, testGetenv, &bytes.Buffer{}, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(smtp.Messages()) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a second notice would be on its way by now
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "bob@example.com" {
		t.Fatalf("run sent %d notices, want 1 to bob@example.com\n%s", len(msgs), stderr.String())
	}
	if strings.Contains(stderr.String(), "What happened") {
		t.Errorf("the log carries a notice body:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=\"notice sent\"") {
		t.Errorf("log lacks the notice line:\n%s", stderr.String())
	}
}
