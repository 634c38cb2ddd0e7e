package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/web"
)

// ValidationError is one problem of the config: the field at fault, as
// the YAML spells it ("mailboxes[0].host", "log.level"), and what is wrong
// with it. Line is the line in the file when known (decoding errors).
type ValidationError struct {
	Line    int
	Field   string
	Problem string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// ValidationErrors is every problem found in a config, in the order of the
// file's sections; its Error lists them one a line.
type ValidationErrors []*ValidationError

func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// add appends a problem of field.
func (es *ValidationErrors) add(field, format string, args ...any) {
	*es = append(*es, &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// addErr appends the problems of err (one per joined error), each under
// prefix: "host is required" becomes prefix+"host: is required", and
// "smtp.tls: ..." prefix+"smtp.tls: ...".
func (es *ValidationErrors) addErr(prefix string, err error) {
	if err == nil {
		return
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) && len(joined.Unwrap()) > 1 {
		for _, e := range joined.Unwrap() {
			es.addErr(prefix, e)
		}
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if sm := leadingField.FindStringSubmatch(line); sm != nil {
			problem := strings.TrimPrefix(sm[3], "is ")
			if sm[2] == ":" {
				problem = sm[3]
			}
			es.add(prefix+sm[1], "%s", problem)
		} else {
			es.add(strings.TrimSuffix(prefix, "."), "%s", line)
		}
	}
}

// leadingField is a message that starts with the field it is about.
var leadingField = regexp.MustCompile(`^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)(:| ) *(.+)$`)

// configError is a config file that cannot be used: its path and why. It
// is the one place that says "config FILE:".
type configError struct {
	path string
	err  error
}

func (e *configError) Error() string {
	var ve ValidationErrors
	if errors.As(e.err, &ve) && len(ve) > 1 {
		return fmt.Sprintf("config %s: %d problems:\n  %s", e.path, len(ve), strings.ReplaceAll(ve.Error(), "\n", "\n  "))
	}
	return fmt.Sprintf("config %s: %v", e.path, e.err)
}

func (e *configError) Unwrap() error { return e.err }

// Where a config is looked for without --config, in this order.
const (
	configEnv          = "POLLER_CONFIG"
	localConfigPath    = "poller.yaml"
	systemConfigPath   = "/etc/poller/config.yaml"
	configSearchPhrase = "--config FILE, else $" + configEnv + ", else ./" + localConfigPath + ", else " + systemConfigPath
)

// findConfig is the config to use: path when given, else $POLLER_CONFIG,
// else ./poller.yaml, else /etc/poller/config.yaml when they exist. It
// returns "" when none is found.
func findConfig(path string, getenv func(string) string) string {
	if path != "" {
		return path
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv(configEnv); p != "" {
		return p
	}
	for _, p := range []string{localConfigPath, systemConfigPath} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// errNoConfig says where a config was looked for.
var errNoConfig = errors.New("no config file: give " + configSearchPhrase)

// loadConfigEnv reads the config at path, expands ${ENV} in its values
// with getenv and validates it in one pass, before anything is created.
// poll adds what the commands that poll need: a mailbox at least, and each
// mailbox's secret resolved. Every problem is reported at once, each with
// its field, as a *configError holding ValidationErrors.
func loadConfigEnv(path string, getenv func(string) string, poll bool) (*config, *crm.Rules, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	cfg, err := parseConfig(f)
	if err != nil {
		return nil, nil, &configError{path, err}
	}
	cfg.dir = filepath.Dir(path)
	problems := checkSecretPermissions(f, cfg)
	problems = append(problems, expandConfigEnv(cfg, getenv)...)
	rules, more := cfg.validate(getenv, poll)
	problems = append(problems, more...)
	if len(problems) > 0 {
		return nil, nil, &configError{path, problems}
	}
	return cfg, rules, nil
}

// validate checks every section of the config and compiles its rules.
// With poll, the mailboxes' secrets are resolved (from the environment or
// files) and at least one mailbox is required.
func (c *config) validate(getenv func(string) string, poll bool) (*crm.Rules, ValidationErrors) {
	var es ValidationErrors
	spec := c.scheduleSpec()
	if _, err := cron.ParseStandard(spec); err != nil {
		if strings.Contains(err.Error(), "fields") {
			es.add("schedule", `%q is not a cron expression (want five fields, e.g. "*/5 * * * *", or "@every 1m")`, spec)
		} else {
			es.add("schedule", `%q is not a cron expression: %v (e.g. "*/5 * * * *", or "@every 1m")`, spec, err)
		}
	}
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			es.add("timezone", "unknown time zone %q", c.Timezone)
		}
	}
	if _, ok := logLevels[strings.ToLower(c.Log.Level)]; !ok {
		es.add("log.level", "%q (want debug, info, warn or error)", c.Log.Level)
	}
	switch strings.ToLower(c.Log.Format) {
	case "", "text", "json":
	default:
		es.add("log.format", "%q (want text or json)", c.Log.Format)
	}
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			es.add("http.listen", "%q: want host:port (e.g. 127.0.0.1:9090)", c.HTTP.Listen)
		}
	}
	if c.HTTP.UnhealthyAfter < 0 {
		es.add("http.unhealthy_after", "%d: must not be negative", c.HTTP.UnhealthyAfter)
	}
	if c.CRM.Auth.RequirePass && c.CRM.Auth.TrustedAuthservID == "" {
		es.add("crm.auth.require_pass", "needs crm.auth.trusted_authserv_id")
	}
	rules, err := c.rulesFor(c.CRM.LogAddresses)
	es.addRulesErr("", err)
	es = append(es, c.validateStore()...)
	es = append(es, c.validateMailboxes(getenv, poll)...)
	es = append(es, c.validateWeb()...)
	es = append(es, c.validateNotify()...)
	return rules, es
}

// logLevels are the values of log.level ("" is info).
var logLevels = map[string]slog.Level{
	"": slog.LevelInfo, "info": slog.LevelInfo, "debug": slog.LevelDebug,
	"warn": slog.LevelWarn, "warning": slog.LevelWarn, "error": slog.LevelError,
}

// addRulesErr adds crm.NewRules' problems, whose fields are those of the
// crm: section, or of users: and team_inboxes:. at is the mailbox whose
// log_addresses are in use ("" for crm.log_addresses).
func (es *ValidationErrors) addRulesErr(at string, err error) {
	var tmp ValidationErrors
	tmp.addErr("", err)
	for _, e := range tmp {
		switch {
		case at != "" && strings.HasPrefix(e.Field, "log_addresses"):
			e.Field = at + "." + e.Field
		case at != "":
			continue // reported once, for crm:
		case strings.HasPrefix(e.Field, "users"), strings.HasPrefix(e.Field, "team_inboxes"):
		default:
			e.Field = "crm." + e.Field
		}
		*es = append(*es, e)
	}
}

// validateMailboxes checks each mailbox; with poll it resolves their
// secrets too (with getenv) and requires at least one.
func (c *config) validateMailboxes(getenv func(string) string, poll bool) ValidationErrors {
	var es ValidationErrors
	if poll && len(c.Mailboxes) == 0 {
		es.add("mailboxes", "at least one mailbox is required")
	}
	if !poll {
		getenv = nil
	}
	names := map[string]bool{}
	for i, m := range c.Mailboxes {
		name := mailboxName(i, m)
		if names[name] {
			es.add(fmt.Sprintf("mailboxes[%d].name", i), "%q is used twice", name)
			continue
		}
		names[name] = true
		_, more := c.account(i, m, getenv)
		es = append(es, more...)
	}
	return es
}

// validateWeb checks the web: section.
func (c *config) validateWeb() ValidationErrors {
	var es ValidationErrors
	w := c.Web
	if w.Listen != "" {
		if _, _, err := net.SplitHostPort(w.Listen); err != nil {
			es.add("web.listen", "%q: want host:port (e.g. 127.0.0.1:8080, or :8080 for every interface)", w.Listen)
		} else if w.Listen == c.HTTP.Listen {
			es.add("web.listen", "%s is http.listen's address too: give the web app its own address", w.Listen)
		}
	}
	if w.BaseURL != "" {
		u, err := url.Parse(w.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			es.add("web.base_url", "%q: want an absolute http:// or https:// URL (e.g. https://crm.example.com)", w.BaseURL)
		}
	}
	if (w.TLSCert == "") != (w.TLSKey == "") {
		es.add("web.tls_cert", "goes with web.tls_key: set both (PEM files) or neither")
	}
	for _, f := range []struct{ key, path string }{{"web.tls_cert", w.TLSCert}, {"web.tls_key", w.TLSKey}} {
		if f.path == "" {
			continue
		}
		st, err := os.Stat(c.path(f.path))
		switch {
		case err != nil:
			es.add(f.key, "%v", err)
		case st.IsDir():
			es.add(f.key, "%s is a folder, not a PEM file", c.path(f.path))
		}
	}
	if w.TrustedHeader != "" && !httpguts.ValidHeaderFieldName(w.TrustedHeader) {
		es.add("web.trusted_header", "%q is not a header name (e.g. X-Forwarded-Email)", w.TrustedHeader)
	}
	proxies, err := w.proxies()
	es.addErr("", err)
	if w.TrustedHeader != "" && len(proxies) == 0 && err == nil {
		es.add("web.trusted_header", "%s needs web.trusted_proxies: the addresses of the SSO proxy "+
			"(e.g. [127.0.0.1]) whose %s is believed; from any other address it is ignored", w.TrustedHeader, w.TrustedHeader)
	}
	switch w.Visibility {
	case "", web.VisibilityTeam, web.VisibilityOwn:
	default:
		es.add("web.visibility", "%q: want team (everyone sees the team's logged emails) or own (a user sees only their own)", w.Visibility)
	}
	return es
}

// proxies parses web.trusted_proxies: CIDRs, or bare addresses standing
// for themselves. A range holding every address is refused: the trusted
// header would be believed from anyone.
func (w webConfig) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	var es ValidationErrors
	for i, s := range w.TrustedProxies {
		field := fmt.Sprintf("web.trusted_proxies[%d]", i)
		s = strings.TrimSpace(s)
		var p netip.Prefix
		if strings.Contains(s, "/") {
			pp, err := netip.ParsePrefix(s)
			if err != nil {
				es.add(field, "%q: want a CIDR (10.0.0.0/8) or an IP address (127.0.0.1)", s)
				continue
			}
			p = pp.Masked()
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil {
				es.add(field, "%q: want a CIDR (10.0.0.0/8) or an IP address (127.0.0.1)", s)
				continue
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Bits() == 0 {
			es.add(field, "%q trusts every address: anyone could sign in as anyone by sending the header; "+
				"name the SSO proxy's own address or network", s)
			continue
		}
		out = append(out, p)
	}
	if len(es) > 0 {
		return nil, es
	}
	return out, nil
}

// validateNotify checks the notify: section.
func (c *config) validateNotify() ValidationErrors {
	n := c.Notify
	if n == nil {
		return nil
	}
	var es ValidationErrors
	es.addErr("", c.noticeConfig().Validate())
	if n.SMTP.Password != "" && n.SMTP.PasswordFile != "" {
		es.add("notify.smtp.password", "set password or password_file, not both")
	}
	if (n.SMTP.Password != "" || n.SMTP.PasswordFile != "") && n.SMTP.Username == "" {
		es.add("notify.smtp.username", "required with a password")
	}
	es.addErr("notify.", n.SMTP.config().Validate())
	switch n.Digest {
	case "", "daily":
	default:
		es.add("notify.digest", `%q: want daily, or "" for no digest`, n.Digest)
	}
	return es
}

// checkSecretPermissions refuses a config file that other users can read
// when it holds a password in plain text (a ${NAME} reference is not).
func checkSecretPermissions(f *os.File, cfg *config) ValidationErrors {
	st, err := f.Stat()
	if err != nil || st.Mode().Perm()&0o004 == 0 {
		return nil
	}
	var es ValidationErrors
	plain := func(p string) bool { return p != "" && envRef.ReplaceAllString(p, "") != "" }
	for i, m := range cfg.Mailboxes {
		if plain(m.Password) {
			es.add(fmt.Sprintf("mailboxes[%d].password", i), "a plain password, and the file is readable by other users: "+
				"run chmod 600 %s, or put the password in the environment (password: ${POLLER_IMAP_PASSWORD}) or in a password_file", f.Name())
		}
	}
	if n := cfg.Notify; n != nil && plain(n.SMTP.Password) {
		es.add("notify.smtp.password", "a plain password, and the file is readable by other users: "+
			"run chmod 600 %s, or put the password in the environment (password: ${POLLER_SMTP_PASSWORD}) or in a password_file", f.Name())
	}
	return es
}

// lazyEnvKeys are the string values expandConfigEnv leaves alone:
// passwords are expanded only by the commands that log in (so that serve
// runs without the IMAP secret), and token_command is the shell's.
var lazyEnvKeys = map[string]bool{"password": true, "token_command": true}

// expandConfigEnv replaces ${NAME} in every string value of cfg (but
// lazyEnvKeys) with the environment variable NAME; an unset one is a
// problem naming the field and the variable, never a value.
func expandConfigEnv(cfg *config, getenv func(string) string) ValidationErrors {
	var es ValidationErrors
	var walk func(field string, v reflect.Value)
	walk = func(field string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(field, v.Elem())
			}
		case reflect.Struct:
			t := v.Type()
			for i := range t.NumField() {
				tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
				if tag == "" || tag == "-" || lazyEnvKeys[tag] || !t.Field(i).IsExported() {
					continue
				}
				walk(strings.TrimPrefix(field+"."+tag, "."), v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", field, i), v.Index(i))
			}
		case reflect.String:
			if !strings.Contains(v.String(), "${") {
				return
			}
			s, err := expandEnv(v.String(), getenv)
			if err != nil {
				es.add(field, "%v", err)
				return
			}
			v.SetString(s)
		}
	}
	walk("", reflect.ValueOf(cfg).Elem())
	return es
}

// duration is a time.Duration written as Go writes them ("60s", "5m",
// "1h30m"), with a message in the config's terms when it is not one.
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if n.Kind != yaml.ScalarNode || err != nil {
		return nodeError(n, "want a duration such as 60s")
	}
	*d = duration(v)
	return nil
}

// nodeError is a decoding problem at node n, which yamlError turns into
// "line N: FIELD: problem".
func nodeError(n *yaml.Node, problem string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d column %d: %s", n.Line, n.Column, problem)}}
}

// fieldAt is the path ("mailboxes[0].timeout") of the value at line and
// column (0: any column whose value is value) in the document root.
func fieldAt(root *yaml.Node, line, column int, value string) string {
	var found string
	var walk func(path string, n *yaml.Node) bool
	walk = func(path string, n *yaml.Node) bool {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if walk(path, c) {
					return true
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if walk(fmt.Sprintf("%s[%d]", path, i), c) {
					return true
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := strings.TrimPrefix(path+"."+k.Value, ".")
				if v.Line == line && (v.Column == column || column == 0 && (value == "" || v.Value == value || strings.HasPrefix(v.Value, strings.TrimSuffix(value, "...")))) {
					found = p
					return true
				}
				if walk(p, v) {
					return true
				}
			}
		}
		return false
	}
	walk("", root)
	return found
}

// yamlProblems turns the YAML decoder's errors into problems in the
// config's terms: "line 4: unknown key "lgo_addresses"", "line 9:
// timeout: want a duration such as 60s", not Go type names.
func yamlProblems(data []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	var es ValidationErrors
	for _, m := range te.Errors {
		var line, col int
		var key, value, typ, problem string
		switch {
		case scan(unknownField, m, &line, &key):
			es = append(es, &ValidationError{Line: line, Problem: fmt.Sprintf("unknown key %q", key)})
			continue
		case scan(atColumn, m, &line, &col, &problem):
			es = append(es, &ValidationError{Line: line, Field: fieldAt(&root, line, col, ""), Problem: problem})
			continue
		case scan(cannotUnmarshal, m, &line, &key, &value, &typ):
			problem = want(key, typ)
			if strings.Contains(value, "${") {
				problem += " (${ENV} is expanded in text values only)"
			}
			es = append(es, &ValidationError{Line: line, Field: fieldAt(&root, line, 0, value), Problem: problem})
			continue
		}
		es = append(es, &ValidationError{Problem: m})
	}
	return es
}

var (
	unknownField    = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)
	atColumn        = regexp.MustCompile(`^line (\d+) column (\d+): (.*)$`)
	cannotUnmarshal = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+) ?`?([^`]*)`? into (\\S+)$")
)

// scan matches m against re and stores its groups in dst (*int or *string).
func scan(re *regexp.Regexp, m string, dst ...any) bool {
	sm := re.FindStringSubmatch(m)
	if sm == nil {
		return false
	}
	for i, d := range dst {
		switch d := d.(type) {
		case *int:
			fmt.Sscan(sm[i+1], d)
		case *string:
			*d = sm[i+1]
		}
	}
	return true
}

// want says what a Go type is in YAML terms.
func want(tag, typ string) string {
	switch {
	case strings.HasPrefix(typ, "[]"):
		return "want a list"
	case strings.HasPrefix(typ, "int") || strings.HasPrefix(typ, "uint"):
		return "want a whole number"
	case typ == "bool":
		return "want true or false"
	case typ == "string":
		return "want text"
	case strings.HasPrefix(typ, "main.") || strings.HasPrefix(typ, "*main.") || strings.HasPrefix(typ, "map["):
		return "want a mapping (key: value lines)"
	}
	return fmt.Sprintf("%s is not a %s", tag, typ)
}
