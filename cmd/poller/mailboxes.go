package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
)

// mailboxConfig is one entry of mailboxes: in the config.
type mailboxConfig struct {
	Name            string   `yaml:"name"`
	Host            string   `yaml:"host"`
	Port            int      `yaml:"port"`
	TLS             string   `yaml:"tls"`
	TLSSkipVerify   bool     `yaml:"tls_skip_verify"`
	CAFile          string   `yaml:"ca_file"`
	AllowInsecure   bool     `yaml:"allow_insecure"`
	Username        string   `yaml:"username"`
	Password        string   `yaml:"password"`
	PasswordFile    string   `yaml:"password_file"`
	Auth            string   `yaml:"auth"`
	TokenFile       string   `yaml:"token_file"`
	TokenCommand    string   `yaml:"token_command"`
	Mailbox         string   `yaml:"mailbox"`
	ProcessedFolder string   `yaml:"processed_folder"`
	RejectedFolder  *string  `yaml:"rejected_folder"`
	BatchSize       int      `yaml:"batch_size"`
	BatchBytes      byteSize `yaml:"batch_bytes"`
	Timeout         duration `yaml:"timeout"`
	Idle            bool     `yaml:"idle"`
	LogAddresses    []string `yaml:"log_addresses"`
}

// account is a mailbox ready to poll: how to connect, and its rules.
type account struct {
	cfg      imapsource.Config
	rules    *crm.Rules
	batching ingest.Batching
	idle     bool
}

// defaultRejectedFolder receives rejected messages unless the config says
// otherwise ("" leaves them in place, \Seen).
const defaultRejectedFolder = "Rejected"

// accounts resolves the mailboxes of the config: defaults, secrets from
// the environment or files, per-mailbox rules. Problems name the mailbox's
// field, never a secret's value.
func (c *config) accounts(getenv func(string) string) ([]account, error) {
	if es := c.validateMailboxes(getenv, true); len(es) > 0 {
		return nil, es
	}
	if _, err := c.rules(); err != nil {
		var es ValidationErrors
		es.addRulesErr("", err)
		return nil, es
	}
	out := make([]account, len(c.Mailboxes))
	for i, m := range c.Mailboxes {
		a, es := c.account(i, m, getenv)
		if len(es) > 0 {
			return nil, es
		}
		out[i] = a
	}
	return out, nil
}

// mailboxName is the name of mailboxes[i]: its name, else "mailboxN".
func mailboxName(i int, m mailboxConfig) string {
	if m.Name != "" {
		return m.Name
	}
	return fmt.Sprintf("mailbox%d", i+1)
}

// account resolves mailboxes[i], reporting every problem of its fields.
// With getenv nil the secrets are not resolved (only checked to be set).
func (c *config) account(i int, m mailboxConfig, getenv func(string) string) (account, ValidationErrors) {
	at := fmt.Sprintf("mailboxes[%d]", i)
	var es ValidationErrors
	cfg := imapsource.Config{
		Name: mailboxName(i, m), Host: m.Host, Port: m.Port, TLS: m.TLS, TLSSkipVerify: m.TLSSkipVerify,
		CAFile: c.path(m.CAFile), AllowInsecure: m.AllowInsecure, Username: m.Username, Auth: m.Auth,
		Mailbox: m.Mailbox, ProcessedFolder: m.ProcessedFolder, RejectedFolder: defaultRejectedFolder, Timeout: time.Duration(m.Timeout),
	}
	if m.RejectedFolder != nil {
		cfg.RejectedFolder = *m.RejectedFolder
	}
	if cfg.TLS == "" {
		cfg.TLS = imapsource.TLSImplicit
	}
	if cfg.Port == 0 {
		cfg.Port = 143
		if cfg.TLS == imapsource.TLSImplicit {
			cfg.Port = 993
		}
	}
	if cfg.Auth == "" {
		cfg.Auth = imapsource.AuthPlain
	}
	var err error
	switch {
	case m.Password != "" && m.PasswordFile != "":
		es.add(at+".password", "set password or password_file, not both")
	case getenv == nil:
	case m.PasswordFile != "":
		if cfg.Password, err = readSecret(c.path(m.PasswordFile)); err != nil {
			es.add(at+".password_file", "%v", err)
		}
	default:
		if cfg.Password, err = expandEnv(m.Password, getenv); err != nil {
			es.add(at+".password", "%v", err)
		}
	}
	switch {
	case m.TokenFile != "" && m.TokenCommand != "":
		es.add(at+".token_file", "set token_file or token_command, not both")
	case m.TokenFile != "":
		file := c.path(m.TokenFile)
		cfg.Token = func(context.Context) (string, error) { return readSecret(file) }
	case m.TokenCommand != "":
		command := m.TokenCommand
		cfg.Token = func(ctx context.Context) (string, error) { return runTokenCommand(ctx, command) }
	}
	if cfg.Auth != imapsource.AuthXOAUTH2 && m.Password == "" && m.PasswordFile == "" {
		es.add(at+".password", "no password: set password (${ENV} works) or password_file")
	}
	if m.Timeout < 0 {
		es.add(at+".timeout", "must not be negative")
	}
	if m.BatchSize < 0 {
		es.add(at+".batch_size", "must not be negative")
	}
	if m.BatchBytes < 0 {
		es.add(at+".batch_bytes", "must not be negative")
	}
	es.addErr(at+".", cfg.Validate())
	logAddresses := c.CRM.LogAddresses
	if len(m.LogAddresses) > 0 {
		logAddresses = m.LogAddresses
	}
	rules, err := c.rulesFor(logAddresses)
	if len(m.LogAddresses) > 0 {
		es.addRulesErr(at, err)
	}
	if len(es) > 0 || err != nil {
		return account{}, es
	}
	batching := ingest.Batching{BatchSize: m.BatchSize, BatchBytes: int64(m.BatchBytes)}.WithDefaults()
	return account{cfg: cfg, rules: rules, batching: batching, idle: m.Idle}, nil
}

// path resolves p against the config file's folder.
func (c *config) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${NAME} with the environment variable NAME; an unset
// variable is an error naming it.
func expandEnv(s string, getenv func(string) string) (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v := getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

// readSecret reads a secret from a file, without its final newline. A file
// that other users can read is refused, as a config holding a plain
// password is.
func readSecret(path string) (string, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o004 != 0 {
		return "", fmt.Errorf("%s is readable by other users: run chmod 600 %s (or 640 with a group of its own)", path, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}

// runTokenCommand runs a command (through sh -c) that prints an OAuth
// access token.
func runTokenCommand(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// Its stderr may hold the token or other secrets: say only how it
		// ended and a redacted first line.
		msg := fmt.Sprintf("token_command failed: %v", err)
		if line := redactSecrets(firstLine(stderr.String(), 120)); line != "" {
			msg += ": " + line
		}
		return "", errors.New(msg)
	}
	token := strings.TrimSpace(string(out))
	if token == "" {
		return "", errors.New("token_command printed no token")
	}
	return token, nil
}

// redactSecrets replaces what looks like a token or a password (a run of
// twelve or more token characters, or anything after "password", "token"
// or "secret" and a separator) with [redacted].
func redactSecrets(s string) string {
	var b strings.Builder
	run := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+/=", r)
	}
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		key, _, hasValue := strings.Cut(word, "=")
		if !hasValue {
			key, _, hasValue = strings.Cut(word, ":")
		}
		lowKey := strings.ToLower(key)
		secretKey := hasValue && (strings.Contains(lowKey, "pass") || strings.Contains(lowKey, "token") || strings.Contains(lowKey, "secret"))
		long := 0
		for _, r := range word {
			if run(r) {
				long++
			} else {
				long = 0
			}
			if long >= 12 {
				break
			}
		}
		switch {
		case secretKey:
			b.WriteString(key + "=[redacted]")
		case long >= 12:
			b.WriteString("[redacted]")
		default:
			b.WriteString(word)
		}
	}
	return b.String()
}

// dialer connects to the account's mailbox.
func (a account) dialer() ingest.Dialer {
	return func(ctx context.Context) (ingest.Mailbox, error) {
		c, err := imapsource.Dial(ctx, a.cfg)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}
