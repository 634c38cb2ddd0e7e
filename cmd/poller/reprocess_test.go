package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leoForwardEML is a forward from leo@example.com, an address in an
// internal domain that is no user of the example config.
const leoForwardEML = "From: Leo Ferri <leo@example.com>\r\nTo: log@crm.example.com\r\nSubject: Fwd: Pricing\r\n" +
	"Date: Wed, 4 Mar 2026 09:00:00 +0100\r\nMessage-ID: <fwd-leo@example.com>\r\n\r\n" +
	"Dana asks about pricing.\r\n\r\n" +
	"---------- Forwarded message ---------\r\nFrom: Dana Scully <dana@prospect.example>\r\nDate: Tue, Mar 3, 2026 at 10:00 AM\r\n" +
	"Subject: Pricing\r\nTo: Leo <leo@example.com>\r\n\r\nWhat does it cost?\r\n"

// strangerEML is rejected sender_not_user whatever the config's users.
const strangerEML = "From: Stranger <x@elsewhere.example>\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\n" +
	"Subject: Hello\r\nDate: Wed, 4 Mar 2026 10:00:00 +0100\r\nMessage-ID: <x1@elsewhere.example>\r\n\r\nhi\r\n"

// TestReprocessAfterAddingAUser ingests a forward from an address that is
// not a user yet, adds the user to the config and reprocesses: the forward
// is logged with its contact, company and deals; a dry run and a second
// run change nothing.
func TestReprocessAfterAddingAUser(t *testing.T) {
	s := newCRMSetup(t)
	example, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	s.config = s.file(t, "config.yaml", string(example))
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	s.mustRun(t, runIngest, s.file(t, "leo.eml", leoForwardEML), s.file(t, "stranger.eml", strangerEML))
	if n := s.count(t, `SELECT count(*) FROM intake WHERE outcome = 'rejected' AND reason = 'sender_not_user'`); n != 2 {
		t.Fatalf("rejected sender_not_user after ingest = %d, want 2", n)
	}
	if out := s.mustRun(t, runReprocess); out != "0 of 2 rejections change; 0 applied\n" {
		t.Errorf("reprocess before the config changes printed %q, want nothing changed", out)
	}

	users := strings.Replace(string(example), "  - email: bob@example.com\n",
		"  - email: leo@example.com\n    name: Leo Ferri\n  - email: bob@example.com\n", 1)
	if users == string(example) {
		t.Fatal("config.example.yaml no longer lists bob@example.com as a user")
	}
	if err := os.WriteFile(s.config, []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	const change = "#1 rejected sender_not_user -> forward on dana@prospect.example (attributed to leo@example.com)\n"

	out := s.mustRun(t, runReprocess, "--dry-run")
	if want := change + "1 of 2 rejections change; 0 applied (dry run)\n"; out != want {
		t.Errorf("reprocess --dry-run printed\n%s\nwant\n%s", out, want)
	}
	if n := s.count(t, `SELECT count(*) FROM emails`) + s.count(t, `SELECT count(*) FROM intake_changes`); n != 0 {
		t.Errorf("a dry run left %d emails and changes, want none", n)
	}
	if out := s.mustRun(t, runReprocess, "--reason", "never_log"); out != "0 of 0 rejections change; 0 applied\n" {
		t.Errorf("reprocess --reason never_log printed %q", out)
	}
	if out := s.mustRun(t, runReprocess, "--id", "2"); out != "0 of 1 rejection changes; 0 applied\n" {
		t.Errorf("reprocess --id 2 printed %q", out)
	}
	if out := s.mustRun(t, runReprocess, "--since", "2999-01-01"); out != "0 of 0 rejections change; 0 applied\n" {
		t.Errorf("reprocess --since 2999-01-01 printed %q", out)
	}
	if n := s.count(t, `SELECT count(*) FROM emails`); n != 0 {
		t.Fatalf("emails = %d before applying, want 0", n)
	}

	out = s.mustRun(t, runReprocess, "--id", "1", "--since", "2000-01-01", "--reason", "sender_not_user")
	if want := change + "1 of 1 rejection changes; 1 applied\n"; out != want {
		t.Errorf("reprocess printed\n%s\nwant\n%s", out, want)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal([]byte(s.mustRun(t, runExport)), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc["emails"]) != 1 {
		t.Fatalf("exported emails = %v, want the forward", doc["emails"])
	}
	e := doc["emails"][0]
	if got := fmt.Sprint(e["kind"], " ", e["attributed_user"], " ", e["contacts"], e["companies"], len(e["deals"].([]any))); got != "forward leo@example.com [dana@prospect.example] [prospect.example] 5" {
		t.Errorf("email = %s, want a forward by leo on dana, her company and her five open deals", got)
	}
	var intake []string
	for _, in := range doc["intake"] {
		intake = append(intake, strings.TrimSpace(fmt.Sprint(in["outcome"], " ", in["reason"], " ", in["email_id"] != nil)))
	}
	if got := strings.Join(intake, "; "); got != "logged <nil> true; rejected sender_not_user false" {
		t.Errorf("exported intake = %s, want the forward logged and the stranger still rejected", got)
	}

	if out := s.mustRun(t, runReprocess); out != "0 of 1 rejection changes; 0 applied\n" {
		t.Errorf("second reprocess printed %q, want nothing changed", out)
	}
	if n := s.count(t, `SELECT count(*) FROM emails`); n != 1 {
		t.Errorf("emails after a second run = %d, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM intake_changes`); n != 1 {
		t.Errorf("intake changes after a second run = %d, want 1", n)
	}
	// Ingesting the file again recognises it: nothing new.
	s.mustRun(t, runIngest, filepath.Join(s.dir, "leo.eml"))
	if n := s.count(t, `SELECT count(*) FROM intake`); n != 2 {
		t.Errorf("intake rows after ingesting the forward again = %d, want 2", n)
	}
}

func TestReprocessUsage(t *testing.T) {
	s := newCRMSetup(t)
	s.mustRun(t, runIngest, s.file(t, "stranger.eml", strangerEML))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, `--since "yesterday": want a date`},
		{[]string{"--since", "2026-13-01"}, `--since "2026-13-01"`},
		{[]string{"--reason", "bogus"}, `--reason "bogus" is not a rejection reason`},
		{[]string{"--id", "0"}, `--id 0`},
		{[]string{"stray"}, `takes flags only`},
	} {
		_, err := s.run(t, runReprocess, c.args...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("reprocess %q = %v, want a usage error containing %q", c.args, err, c.want)
		}
	}
	_, err := s.run(t, runReprocess, "--id", "99")
	if err == nil || !strings.Contains(err.Error(), "intake #99") {
		t.Errorf("reprocess --id 99 = %v, want an error naming intake #99", err)
	}
	out, _, err := runCmd(t, "reprocess", "-h")
	if err != nil || !strings.HasPrefix(out, "usage: poller reprocess --config FILE") {
		t.Errorf("reprocess -h = %q, %v", out, err)
	}
}

func TestParseSinceReadsADateInTheConfigsTimezone(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"2026-03-01":                "2026-02-28T23:00:00Z",
		"2026-07-01":                "2026-06-30T22:00:00Z",
		"2026-03-01T09:00:00+01:00": "2026-03-01T08:00:00Z",
		"2026-03-01T09:00:00Z":      "2026-03-01T09:00:00Z",
	} {
		got, err := parseSince(in, rome)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("parseSince(%q) = %v, %v; want %s", in, got.UTC(), err, want)
		}
	}
}
