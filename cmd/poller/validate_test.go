package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapmem"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// validBase is a config with nothing wrong, to which a test adds one
// section.
const validBase = `crm: {log_addresses: [log@crm.example.com]}
users: [{email: alice@example.com}]
`

const validMailbox = `mailboxes:
  - {name: a, host: imap.example.com, username: u, password: "${PW}"}
`

// writeConfig writes text as a config file in a new folder (mode 0600).
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "poller.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// problemLines is the problems of err, one line each.
func problemLines(err error) []string {
	var ve ValidationErrors
	if !errors.As(err, &ve) {
		if err == nil {
			return nil
		}
		return []string{"not a ValidationErrors: " + err.Error()}
	}
	return strings.Split(ve.Error(), "\n")
}

// TestValidateReportsEveryProblem: one pass reports every problem of the
// config at once, each naming its field.
func TestValidateReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name, config string
		poll         bool
		want         []string
	}{
		{"the four values run refused", validBase + validMailbox + `schedule: "*/5 * * *"
timezone: Europe/Roma
log: {level: loud, format: xml}
`, false, []string{
			`schedule: "*/5 * * *" is not a cron expression (want five fields, e.g. "*/5 * * * *", or "@every 1m")`,
			`timezone: unknown time zone "Europe/Roma"`,
			`log.level: "loud" (want debug, info, warn or error)`,
			`log.format: "xml" (want text or json)`,
		}},
		{"mailbox fields", validBase + `mailboxes:
  - {name: a, host: h.example, tls: ssl, username: u, password: p, password_file: f}
  - {name: a, host: h.example, username: u, password: p}
  - {host: h.example, auth: xoauth2, timeout: -1s}
`, false, []string{
			`mailboxes[0].password: set password or password_file, not both`,
			`mailboxes[0].tls: "ssl": want implicit, starttls or none`,
			`mailboxes[1].name: "a" is used twice`,
			`mailboxes[2].timeout: must not be negative`,
			`mailboxes[2].auth: xoauth2 needs token_file or token_command`,
			`mailboxes[2].username: required`,
		}},
		{"web fields", validBase + `http: {listen: "127.0.0.1:9090"}
web:
  listen: "127.0.0.1:9090"
  base_url: crm.example.com
  tls_cert: cert.pem
  trusted_header: "X Bad"
  trusted_proxies: [0.0.0.0/0, nope]
  visibility: all
`, false, []string{
			`web.listen: 127.0.0.1:9090 is http.listen's address too: give the web app its own address`,
			`web.base_url: "crm.example.com": want an absolute http:// or https:// URL (e.g. https://crm.example.com)`,
			`web.tls_cert: goes with web.tls_key: set both (PEM files) or neither`,
			`web.tls_cert: stat DIR/cert.pem: no such file or directory`,
			`web.trusted_header: "X Bad" is not a header name (e.g. X-Forwarded-Email)`,
			`web.trusted_proxies[0]: "0.0.0.0/0" trusts every address: anyone could sign in as anyone by sending the header; name the SSO proxy's own address or network`,
			`web.trusted_proxies[1]: "nope": want a CIDR (10.0.0.0/8) or an IP address (127.0.0.1)`,
			`web.visibility: "all": want team (everyone sees the team's logged emails) or own (a user sees only their own)`,
		}},
		{"notify fields", validBase + `notify:
  from: nobody
  digest: weekly
  smtp: {host: smtp.example.com, password: "${SMTP_PW}"}
`, false, []string{
			`notify.from: "nobody" is not an address: mail: missing '@' or angle-addr`,
			`notify.smtp.username: required with a password`,
			`notify.digest: "weekly": want daily, or "" for no digest`,
		}},
		{"crm rules", `crm:
  log_addresses: ["Log <log@crm.example.com>"]
  never_log: ["a*b.example"]
  auth: {require_pass: true}
users: [{email: alice@example.com}, {email: alice@example.com}]
team_inboxes: [{email: sales@example.com, connected_by: bob@example.com}]
`, false, []string{
			`crm.auth.require_pass: needs crm.auth.trusted_authserv_id`,
			`crm.log_addresses[0]: "Log <log@crm.example.com>" is not a plain email address`,
			`users[1].email: alice@example.com is listed twice`,
			`team_inboxes[0].connected_by: "bob@example.com" is not a user's primary address`,
			`crm.never_log[0]: "a*b.example": a wildcard may only start a domain (*.corp.test); a domain covers its subdomains anyway`,
		}},
		{"env in every value, unset named", validBase + `store: {path: "${DATA}/p.db"}
mailboxes:
  - {name: a, host: "${IMAP_HOST}", username: "${IMAP_USER}", password: "${PW}"}
`, true, []string{
			`store.path: environment variable DATA is not set`,
			`mailboxes[0].host: environment variable IMAP_HOST is not set`,
			`mailboxes[0].password: environment variable PW is not set`,
		}},
		{"store: path and url", validBase + `store: {path: p.db, url: "postgres://poller:s3cret@db.example/crm", url_file: u.txt}
`, false, []string{
			`store.url: set url or url_file, not both`,
			`store.path: set path (SQLite) or url (PostgreSQL), not both`,
			`store.url_file: open DIR/u.txt: no such file or directory`,
		}},
		{"store: a url that is not one, its password never quoted", validBase + `store: {url: "postgres://poller:s3cret@db.example:notaport/crm"}
`, false, []string{
			`store.url: not a valid PostgreSQL URL (want postgres://user:password@host:5432/database)`,
		}},
		{"polling needs a mailbox", validBase, true, []string{`mailboxes: at least one mailbox is required`}},
		{"serving needs none, nor its secret", validBase + validMailbox, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.config)
			_, _, err := loadConfigEnv(path, mapEnv(map[string]string{"IMAP_USER": "u"}), tt.poll)
			got := problemLines(err)
			for i := range tt.want {
				tt.want[i] = strings.ReplaceAll(tt.want[i], "DIR", filepath.Dir(path))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("loadConfigEnv problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err != nil && strings.Count(err.Error(), "config "+path) != 1 {
				t.Errorf("error names the file %d times, want once: %v", strings.Count(err.Error(), "config "+path), err)
			}
		})
	}
}

// TestDecodingErrorsSpeakYAML: type errors name the line and the key, and
// say what is wanted, not Go's type names.
func TestDecodingErrorsSpeakYAML(t *testing.T) {
	tests := []struct{ config, want string }{
		{validBase + "mailboxes:\n  - name: a\n    timeout: 60\n", "line 5: mailboxes[0].timeout: want a duration such as 60s"},
		{validBase + "mailboxes: [{name: a, port: 993, timeout: soon}]\n", "line 3: mailboxes[0].timeout: want a duration such as 60s"},
		{validBase + "notify:\n  smtp: {timeout: 5}\n", "line 4: notify.smtp.timeout: want a duration such as 60s"},
		{validBase + "mailboxes:\n  - name: a\n    port: ${IMAP_PORT}\n", "line 5: mailboxes[0].port: want a whole number (${ENV} is expanded in text values only)"},
		{validBase + "mailboxes: [{name: a, idle: often}]\n", "line 3: mailboxes[0].idle: want true or false"},
		{"crm:\n  max_message_size: lots\n", `line 2: crm.max_message_size: "lots" is not a size (examples: 1048576, 512KB, 50MB)`},
		{"crm:\n  log_adresses: [x@y.example]\n", `line 2: unknown key "log_adresses"`},
	}
	for _, tt := range tests {
		_, err := parseConfig(strings.NewReader(tt.config))
		if got := problemLines(err); !slices.Contains(got, tt.want) {
			t.Errorf("parseConfig(%q) = %q, want the line %q", tt.config, got, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "unmarshal") {
			t.Errorf("parseConfig(%q) speaks Go: %v", tt.config, err)
		}
	}
}

// TestConfigErrorSaysTheFileOnce: whichever command reads a config with a
// typo, the message names the file once.
func TestConfigErrorSaysTheFileOnce(t *testing.T) {
	path := writeConfig(t, "crm:\n  log_adresses: [x@y.example]\n")
	db := filepath.Join(t.TempDir(), "p.db")
	for _, cmd := range []string{"check", "once", "run", "serve", "status"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{cmd, "--config", path, "--db", db}, mapEnv(nil), &stdout, &stderr)
		if err == nil {
			t.Errorf("%s accepted a config with a typo", cmd)
			continue
		}
		out := stdout.String() + stderr.String() + err.Error()
		if n := strings.Count(out, "config "+path); n != 1 || !strings.Contains(out, `line 2: unknown key "log_adresses"`) {
			t.Errorf("%s: the file is named %d times, want once, with the line:\n%s", cmd, n, out)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a command created the store of an invalid config")
	}
}

// TestCheckListsEveryProblemAndCreatesNothing: check on a config that run
// would refuse exits non-zero listing every problem, and creates nothing.
func TestCheckListsEveryProblemAndCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, validBase+validMailbox+`schedule: "*/5 * * *"
timezone: Europe/Roma
log: {level: loud, format: xml}
store: {path: `+filepath.Join(dir, "new", "p.db")+`}
`)
	for _, cmd := range []string{"check", "once", "run"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{cmd, "--config", path}, mapEnv(map[string]string{"PW": "x"}), &stdout, &stderr)
		if err == nil {
			t.Errorf("%s accepted the config", cmd)
		}
		out := stdout.String() + stderr.String() + err.Error()
		for _, want := range []string{`schedule: "*/5 * * *" is not a cron expression`, `timezone: unknown time zone "Europe/Roma"`,
			`log.level: "loud"`, `log.format: "xml"`} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", cmd, want, out)
			}
		}
		if strings.Contains(out, "all good") {
			t.Errorf("%s says all good:\n%s", cmd, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Error("the store's folder was created")
	}
}

// TestCheckChangesNothing: check on a good config whose store does not
// exist yet says it would be created, and creates neither it nor its
// folder.
func TestCheckChangesNothing(t *testing.T) {
	srv, err := imapmem.Start(imapUser, imapPassword, imapmem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := imapConfig(t, srv.Addr)
	for _, tt := range []struct{ db, want string }{
		{filepath.Join(t.TempDir(), "p.db"), "(would be created (its folder is writable))"},
		{filepath.Join(t.TempDir(), "new", "deeper", "p.db"), "(would be created, with its folder"},
	} {
		var stdout bytes.Buffer
		err := run(context.Background(), []string{"check", "--config", cfg, "--db", tt.db}, testGetenv, &stdout, &bytes.Buffer{})
		if err != nil {
			t.Errorf("check: %v\n%s", err, stdout.String())
		}
		if !strings.Contains(stdout.String(), "ok    store "+tt.db+" "+tt.want) || !strings.Contains(stdout.String(), "all good") {
			t.Errorf("check output lacks %q:\n%s", tt.want, stdout.String())
		}
		if _, err := os.Stat(tt.db); err == nil {
			t.Errorf("check created %s", tt.db)
		}
		if _, err := os.Stat(filepath.Dir(tt.db)); err == nil && strings.Contains(tt.db, "new") {
			t.Errorf("check created the folder of %s", tt.db)
		}
	}
	// An existing store is looked at, not written.
	db := filepath.Join(t.TempDir(), "p.db")
	s, err := sqlite.Open(context.Background(), db, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(db)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"check", "--config", cfg, "--db", db}, testGetenv, &stdout, &bytes.Buffer{}); err != nil ||
		!strings.Contains(stdout.String(), "ok    store "+db+"\n") {
		t.Errorf("check of an existing store: %v\n%s", err, stdout.String())
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("check changed the existing store")
	}
}

// TestEnvExpandedInEveryValue: ${NAME} works in every string value, not
// just the password; the password is expanded only by the commands that
// log in; a world-readable config is refused for a plain password only.
func TestEnvExpandedInEveryValue(t *testing.T) {
	path := writeConfig(t, `crm: {log_addresses: ["${LOG_ADDRESS}"]}
users: [{email: alice@example.com, name: "${ALICE}"}]
store: {path: "${DATA}/p.db"}
mailboxes:
  - {name: a, host: "${IMAP_HOST}", username: "${IMAP_USER}", password: "${PW}", mailbox: "${BOX}"}
`)
	env := mapEnv(map[string]string{"LOG_ADDRESS": "log@crm.example.com", "ALICE": "Alice A", "DATA": "/srv/poller",
		"IMAP_HOST": "imap.example.net", "IMAP_USER": "catchall", "PW": "s3cret", "BOX": "Log"})
	cfg, rules, err := loadConfigEnv(path, env, true)
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.Mailboxes[0]
	if m.Host != "imap.example.net" || m.Username != "catchall" || m.Mailbox != "Log" || cfg.Users[0].Name != "Alice A" ||
		cfg.storePath() != "/srv/poller/p.db" || !rules.IsLogAddress("log@crm.example.com") {
		t.Errorf("not expanded: %+v, users %+v, store %s", m, cfg.Users, cfg.storePath())
	}
	if m.Password != "${PW}" {
		t.Errorf("the password was expanded at load: %q", m.Password)
	}
	accounts, err := cfg.accounts(env)
	if err != nil || accounts[0].cfg.Password != "s3cret" || accounts[0].cfg.Host != "imap.example.net" {
		t.Errorf("accounts = %+v, %v", accounts, err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadConfigEnv(path, env, true); err != nil {
		t.Errorf("a world-readable config holding only ${PW} is refused: %v", err)
	}
	plain := writeConfig(t, validBase+"mailboxes: [{name: a, host: h.example, username: u, password: hunter2}]\n")
	os.Chmod(plain, 0o644)
	_, _, err = loadConfigEnv(plain, env, false)
	if got := problemLines(err); len(got) != 1 || !strings.HasPrefix(got[0], "mailboxes[0].password: a plain password, and the file is readable by other users: run chmod 600") ||
		strings.Contains(got[0], "hunter2") {
		t.Errorf("world-readable plain password: %q", got)
	}
}

// TestConfigDiscovery: without --config, $POLLER_CONFIG, then
// ./poller.yaml, then /etc/poller/config.yaml; none found says where it
// looked.
func TestConfigDiscovery(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := os.Stat(systemConfigPath); err == nil {
		t.Skipf("%s exists here", systemConfigPath)
	}
	env := writeConfig(t, validBase)
	t.Setenv(configEnv, "")
	if got := findConfig("", os.Getenv); got != "" {
		t.Errorf("findConfig in an empty folder = %q, want none", got)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve"}, os.Getenv, &stdout, &stderr)
	for _, want := range []string{"POLLER_CONFIG", "./poller.yaml", "/etc/poller/config.yaml"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve without a config: %v, want it to name %s", err, want)
		}
	}
	if err := os.WriteFile("poller.yaml", []byte(validBase), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := findConfig("", os.Getenv); got != "poller.yaml" {
		t.Errorf("findConfig = %q, want ./poller.yaml", got)
	}
	t.Setenv(configEnv, env)
	if got := findConfig("", os.Getenv); got != env {
		t.Errorf("findConfig = %q, want $POLLER_CONFIG %s", got, env)
	}
	if got := findConfig("given.yaml", os.Getenv); got != "given.yaml" {
		t.Errorf("findConfig(--config given.yaml) = %q", got)
	}
	// check finds it too: the config's problems, not "--config is required".
	stdout.Reset()
	run(context.Background(), []string{"check"}, os.Getenv, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "config "+env+": mailboxes: at least one mailbox is required") {
		t.Errorf("check without --config did not use $POLLER_CONFIG:\n%s", stdout.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"--help"}, os.Getenv, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "$POLLER_CONFIG, else ./poller.yaml, else /etc/poller/config.yaml") {
		t.Errorf("--help does not say where the config is looked for:\n%s", stdout.String())
	}
}

// TestStatusWithDBAlone: status needs no config when --db is given.
func TestStatusWithDBAlone(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(configEnv, "")
	db := filepath.Join(t.TempDir(), "p.db")
	s, err := sqlite.Open(context.Background(), db, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"status", "--db", db}, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatalf("status --db: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Last passes:") {
		t.Errorf("status output:\n%s", stdout.String())
	}
}

// TestOnceFindsAMissingSecretBeforeCreatingTheStore: a password from an
// unset variable is reported, with its field, before the store exists.
func TestOnceFindsAMissingSecretBeforeCreatingTheStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := writeConfig(t, validBase+validMailbox+"store: {path: "+filepath.Join(dir, "p.db")+"}\n")
	for _, cmd := range []string{"once", "run"} {
		err := run(context.Background(), []string{cmd, "--config", path}, mapEnv(nil), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "mailboxes[0].password: environment variable PW is not set") {
			t.Errorf("%s: %v, want the unset PW named", cmd, err)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the store's folder was created")
	}
}
